"""Builds the export conformance corpus: torchvision classification networks and kiln's extra
models, each frozen twice (torch.jit.trace and torch.jit.script), with reference inputs/outputs
computed by the eager model at two sizes of every dynamic dimension.

    make_corpus.py --out DIR [--set quick|full|families|families-quick] [--only NAME,...]

Writes DIR/<arch>_<mode>.pt, DIR/refs/<entry>/<case>/{in_<input>.npy,out_<output>.npy},
DIR/examples/<arch>.pt (the example inputs of a model whose input values matter, for
`kiln export --example`) and DIR/manifest.json (README.md describes the manifest and the naming
of outputs). The families sets (torchvision detection/segmentation/video/optical flow/quantized,
torchaudio, text and transformer models) are built from families.py.
"""
import argparse
import contextlib
import copy
import json
import shutil
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision import models as tvm

import families as fam
from torchvision.models.maxvit import MaxVit
from torchvision.models.swin_transformer import PatchMergingV2, SwinTransformer, SwinTransformerBlockV2
from torchvision.models.vision_transformer import VisionTransformer

MODES = ("trace", "script")
SETS = ("quick", "full", "families", "families-quick")
# A frozen module farther than this from eager (rel MAE, or another shape) at a case does not
# reproduce the model there (a trace that baked a size in): the entry is listed, not exported.
FROZEN_BOUND = 1e-4
# Second size of each symbolic dimension (the first is the example size in the spec). Distinct
# values per symbol so that an output dimension can be attributed to the symbol it follows.
SECOND_SIZE = {"batch": 3, "seq": 11}
# Smallest-variant families above this many parameters are skipped as giant.
GIANT_PARAMS = 200_000_000
# torchvision family of a model name: the longest of these prefixes that matches.
TV_FAMILIES = ("alexnet", "convnext", "densenet", "efficientnet_v2", "efficientnet", "googlenet",
               "inception", "maxvit", "mnasnet", "mobilenet_v2", "mobilenet_v3", "regnet_x",
               "regnet_y", "resnext", "resnet", "shufflenet_v2", "squeezenet", "swin_v2", "swin",
               "vgg", "vit", "wide_resnet")
QUICK_TV = ("resnet18", "mobilenet_v2", "mobilenet_v3_small", "squeezenet1_1", "efficientnet_b0",
            "regnet_y_400mf", "googlenet", "convnext_tiny", "densenet121", "shufflenet_v2_x0_5",
            "mnasnet0_5", "alexnet")
# Always in the full set besides the smallest of each family: a ~25M-parameter network.
FULL_EXTRA_TV = ("resnet50",)
# Constructor arguments and input sizes that differ from the defaults (random weights, 64x64).
TV_KWARGS = {
    # No auxiliary heads (eval ignores them) and the explicit init silences a FutureWarning.
    "googlenet": {"aux_logits": False, "init_weights": True},
    "inception_v3": {"aux_logits": False, "init_weights": True},
}
TV_IMAGE = {"inception_v3": 75,  # its smallest legal input
            "maxvit_t": 224}     # four stages of stride 2 must leave a multiple of partition 7


# ---------------------------------------------------------------------------------------------
# Input specs: NAME:DTYPE:DIMS, DIMS x-separated, each N (static) or SYMBOL=N (dynamic).

DTYPES = {"float32": torch.float32, "float16": torch.float16, "int64": torch.int64,
          "int32": torch.int32, "bool": torch.bool}


@dataclass
class InputSpec:
    """NAME:DTYPE:DIMS[:LO..HI], as kiln takes it: each dim N, SYMBOL=N or SYMBOL=N/M (M its
    second size); LO..HI the range random values are drawn from (ints in [LO, HI))."""
    name: str
    dtype: str
    dims: List[Tuple[Optional[str], int]]  # (symbol or None, example size)
    second: Dict[str, int] = field(default_factory=dict)  # SYMBOL=N/M: the symbol's second size
    value_range: Optional[Tuple[float, float]] = None

    @staticmethod
    def parse(text: str) -> "InputSpec":
        parts = text.split(":")
        if len(parts) not in (3, 4):
            raise ValueError(f"{text}: not NAME:DTYPE:DIMS[:LO..HI]")
        name, dtype, dims = parts[:3]
        if dtype not in DTYPES:
            raise ValueError(f"{text}: unknown dtype {dtype}")
        parsed, second = [], {}
        for d in dims.split("x"):
            sym, _, size = d.rpartition("=")
            size, _, other = size.partition("/")
            parsed.append((sym or None, int(size)))
            if other:
                second[sym] = int(other)
        value_range = None
        if len(parts) == 4:
            lo, _, hi = parts[3].partition("..")
            value_range = (float(lo), float(hi))
        return InputSpec(name, dtype, parsed, second, value_range)

    def shape(self, sizes: Dict[str, int]) -> List[int]:
        """Concrete shape with each symbol at sizes[symbol] (its example size when absent)."""
        return [sizes.get(sym, n) if sym else n for sym, n in self.dims]

    def symbols(self) -> Dict[str, int]:
        return {sym: n for sym, n in self.dims if sym}


# ---------------------------------------------------------------------------------------------
# kiln's extra models: recurrent token models, dict output, encoder-decoder, two inputs.

class TokenRNN(nn.Module):
    """int64 tokens [batch, seq] -> embedding -> GRU/LSTM -> Linear on the last step -> [batch, 5]."""

    def __init__(self, cell: str):
        super().__init__()
        self.embed = nn.Embedding(100, 16)
        self.rnn = nn.GRU(16, 32, batch_first=True) if cell == "gru" else nn.LSTM(16, 32, batch_first=True)
        self.head = nn.Linear(32, 5)

    def forward(self, tokens):
        steps, _ = self.rnn(self.embed(tokens))
        return self.head(steps[:, -1])


class DictOut(nn.Module):
    """Small CNN returning {"logits", "features"}."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(16, 10)

    def forward(self, x) -> Dict[str, torch.Tensor]:
        f = self.features(x)
        return {"logits": self.head(f), "features": f}


class EncDec(nn.Module):
    """Two stride-2 convs down, ConvTranspose2d + bilinear interpolate up, a nearest-Upsample skip."""

    def __init__(self):
        super().__init__()
        self.down1 = nn.Conv2d(3, 16, 3, stride=2, padding=1)
        self.down2 = nn.Conv2d(16, 32, 3, stride=2, padding=1)
        self.up1 = nn.ConvTranspose2d(32, 16, 2, stride=2)
        self.skip_up = nn.Upsample(scale_factor=2, mode="nearest")
        self.head = nn.Conv2d(32, 3, 1)

    def forward(self, x):
        e1 = F.relu(self.down1(x))                   # H/2
        e2 = F.relu(self.down2(e1))                  # H/4
        d1 = F.relu(self.up1(e2))                    # H/2
        d0 = F.interpolate(d1, scale_factor=2.0, mode="bilinear", align_corners=False)  # H
        return self.head(torch.cat([d0, self.skip_up(e1)], 1))


class MultiIn(nn.Module):
    """image [batch,3,32,32] and meta [batch,4] -> (logits, embedding)."""

    def __init__(self):
        super().__init__()
        self.cnn = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                                 nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.meta = nn.Linear(4, 8)
        self.embed = nn.Linear(16, 12)
        self.head = nn.Linear(12, 10)

    def forward(self, image, meta) -> Tuple[torch.Tensor, torch.Tensor]:
        e = torch.tanh(self.embed(torch.cat([self.cnn(image), F.relu(self.meta(meta))], 1)))
        return self.head(e), e


# ---------------------------------------------------------------------------------------------
# The catalogue of architectures.

@dataclass
class Arch:
    name: str
    family: str
    build: Callable[[], nn.Module]
    inputs: List[str]                      # input specs
    sets: Tuple[str, ...] = ("full",)
    int_high: int = 100                    # integer inputs are drawn from [0, int_high) (no LO..HI)
    # Makes drawn inputs valid, in place ({name: tensor}, generator): lengths, masks. An arch with
    # any writes its example inputs for `kiln export --example`.
    fix: Tuple[Callable[[Dict[str, torch.Tensor], torch.Generator], None], ...] = ()
    # BatchNorm statistics: "train" runs the model in train mode, "bn" only the BatchNorm layers
    # (a detector in train mode wants targets), None leaves them.
    calibration: Optional[str] = "train"
    # One calibration forward (model, arch, i) instead of model(*inputs at batch 4).
    calibrate_run: Optional[Callable[[nn.Module, "Arch", int], None]] = None
    post_build: Optional[Callable[[nn.Module, "Arch"], nn.Module]] = None  # tuning, quantization
    quantized: bool = False                # references with the qnnpack engine; one-step rule
    note: str = ""                         # what differs from the builder, for the README/table
    specs: List[InputSpec] = field(init=False)

    def __post_init__(self):
        self.specs = [InputSpec.parse(s) for s in self.inputs]


def tv_family(name: str) -> str:
    matches = [f for f in TV_FAMILIES if name.startswith(f)]
    return max(matches, key=len) if matches else name


def tv_arch(name: str, sets: Tuple[str, ...]) -> Arch:
    size = TV_IMAGE.get(name, 64)
    kwargs = dict(TV_KWARGS.get(name, {}))
    if tv_family(name) == "vit":
        kwargs["image_size"] = size  # the position embedding is sized by it
    return Arch(name, tv_family(name), lambda: tvm.get_model(name, weights=None, **kwargs),
                [f"input:float32:batch=2x3x{size}x{size}"], sets)


def small_configs() -> List[Arch]:
    """Transformer families at a size that runs in well under a second on one core."""
    img32 = ["input:float32:batch=2x3x32x32"]
    swin = dict(patch_size=[4, 4], embed_dim=32, depths=[2, 2], num_heads=[2, 4], window_size=[4, 4],
                num_classes=10)
    return [
        Arch("vit_mini", "vit", lambda: VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2,
                                                          hidden_dim=64, mlp_dim=128, num_classes=10),
             img32, ("quick", "full")),
        Arch("swin_mini", "swin", lambda: SwinTransformer(**swin), img32),
        Arch("swin_v2_mini", "swin_v2", lambda: SwinTransformer(**swin, block=SwinTransformerBlockV2,
                                                                downsample_layer=PatchMergingV2), img32),
        # 32 -> stem 16 -> blocks 8, 4: every stage a multiple of partition_size 4.
        Arch("maxvit_mini", "maxvit", lambda: MaxVit(input_size=(32, 32), stem_channels=16, partition_size=4,
                                                     block_channels=[32, 64], block_layers=[1, 1], head_dim=16,
                                                     stochastic_depth_prob=0.0, num_classes=10), img32),
    ]


def extra_models() -> List[Arch]:
    both = ("quick", "full")
    tokens = ["tokens:int64:batch=2xseq=16"]
    return [
        Arch("token_gru", "extra", lambda: TokenRNN("gru"), tokens, both),
        Arch("token_lstm", "extra", lambda: TokenRNN("lstm"), tokens, both),
        Arch("dict_out", "extra", DictOut, ["input:float32:batch=2x3x32x32"], both),
        Arch("enc_dec", "extra", EncDec, ["input:float32:batch=2x3x32x32"], both),
        Arch("multi_in", "extra", MultiIn, ["image:float32:batch=2x3x32x32", "meta:float32:batch=2x4"], both),
    ]


def family_models() -> List[Arch]:
    """--set families: the model families users bring (families.py; README.md "Families")."""
    archs: List[Arch] = []

    def add(name, family, build, inputs, **kw):
        sets = ("families", "families-quick") if name in fam.FAMILIES_QUICK else ("families",)
        archs.append(Arch(name, family, build, inputs, sets, **kw))

    def run_on_example(model, arch):
        return lambda: model(*make_inputs(arch, {}, seed=0))

    def tune_detector(model, arch):
        """Scores peaked enough that no two detections near the cut are ranked by rounding: of a
        few spreads of the class logits, the first whose fp32 outputs match float64's within 1e-3
        at both case sizes (the least fragile one if none does). A rank decided by rounding moves
        a whole box (rel MAE 1e-2 and more); the ~1e-4 a random ResNet-50 backbone's rounding
        leaves on the boxes is not one."""
        sizes = case_sizes(arch)
        cases_in = [make_inputs(arch, s, seed=i) for i, s in enumerate(sizes)]
        best, untuned = None, copy.deepcopy(model.state_dict())
        for setting in ((1.0, True), (1.0, False), (2.0, True), (2.0, False), (0.5, True), (3.0, True)):
            model.load_state_dict(untuned, strict=False)  # every try from the random heads
            fam.tune_detector(model, run_on_example(model, arch), *setting)
            with torch.no_grad(), torch.backends.mkldnn.flags(enabled=False):
                eager = [flatten_outputs(model(*x)) for x in cases_in]
            noise = fp32_noise(eager, float64_outputs(model, cases_in))
            noise = float("inf") if noise is None else noise
            if best is None or noise < best[0]:
                best = (noise, setting)
            if noise <= 1e-3:
                break
        if best[1] != setting:
            model.load_state_dict(untuned, strict=False)
            fam.tune_detector(model, run_on_example(model, arch), *best[1])
        return model

    def calibrate_detector(model, arch, i):  # four images at once: BatchNorm wants a batch
        model.model([make_inputs(arch, {}, seed=1000 + 10 * i + k)[0] for k in range(4)])

    # torchvision detection: one image [3, H, W] (values in [0, 1)), its detections out.
    image = ["image:float32:3xh=64/72xw=80/96:0..1"]
    for name in tvm.list_models(module=tvm.detection):
        add(name, "detection", fam.detection_builder(name), image, calibration="bn", post_build=tune_detector,
            calibrate_run=calibrate_detector,
            note="num_classes 4 (keypoint: 2, 5 keypoints, 64-channel keypoint head); few proposals and detections")
    # Segmentation: batch 2, dynamic H and W.
    for name in tvm.list_models(module=tvm.segmentation):
        add(name, "segmentation", fam.segmentation_builder(name), ["input:float32:batch=2x3xh=64/96xw=64/80"],
            note="num_classes 5, no aux head")
    # Video: [batch, 3, T, H, W] clips.
    clip = ["input:float32:batch=1x3x4x32x32"]
    for name in ("r3d_18", "mc3_18", "r2plus1d_18", "swin3d_t", "swin3d_s", "swin3d_b"):
        add(name, "video", (lambda n=name: tvm.get_model(n, weights=None, num_classes=10)), clip)
    add("s3d", "video", fam.S3DSmall, ["input:float32:batch=1x3x8x64x64"],
        note="the 2x7x7 average pool shrunk to the 1x2x2 feature map of an 8x64x64 clip")
    add("mvit_v1_mini", "video", lambda: fam.mvit_mini(False), ["input:float32:batch=2x3x4x32x32"],
        note="mvit_v1_b's flags, 3 blocks at 4x32x32 (the builder fixes 16x224x224)")
    add("mvit_v2_mini", "video", lambda: fam.mvit_mini(True), ["input:float32:batch=2x3x4x32x32"],
        note="mvit_v2_s's flags (relative positions, residual pooling), 3 blocks at 4x32x32")
    # Optical flow: two frames, 6 refinement iterations, every estimate out.
    # RAFT's correlation pyramid wants feature maps of at least 16x16: 128x128 frames.
    frames = ["image1:float32:1x3xh=128/136xw=128/144", "image2:float32:1x3xh=128/136xw=128/144"]
    for name in ("raft_small", "raft_large"):
        add(name, "optical_flow", (lambda n=name: fam.FlowLast(n)), frames, note="num_flow_updates 6")

    # Quantized classification: the float quantizable builder, BatchNorm stats measured, then
    # fuse -> prepare -> calibrate on random batches -> convert with the qnnpack engine.
    def quantize(model, arch):
        def calibrate(m):
            for i in range(2):
                m(*make_inputs(arch, {"batch": 4}, seed=2000 + i))
        return fam.quantize_eager(model, calibrate)

    for name in tvm.list_models(module=tvm.quantization):
        size = 75 if "inception" in name else 64
        add(name, "quantized", fam.quantized_builder(name), [f"input:float32:batch=2x3x{size}x{size}"],
            post_build=quantize, quantized=True)

    # torchaudio 2.6
    wave = ["waveforms:float32:batch=2xtime=1600/2000"]
    for kind in ("wav2vec2", "wav2vec2_large_lv60", "hubert", "wavlm"):
        add(f"{kind}_mini", "audio", (lambda k=kind: fam.FirstOutput(fam.wav2vec2_mini(k))), wave,
            note="2 layers, embed 48, 3-layer conv extractor, aux head 12")
    add("wav2vec2_lengths", "audio", lambda: fam.WithLengths(fam.wav2vec2_mini("wav2vec2")),
        wave + ["lengths:int64:batch=2:800..1601"], note="wav2vec2_mini with per-utterance lengths")
    import torchaudio.models as tam
    add("conformer_mini", "audio",
        lambda: fam.WithLengths(tam.Conformer(input_dim=32, num_heads=4, ffn_dim=64, num_layers=2,
                                              depthwise_conv_kernel_size=7)),
        ["input:float32:batch=2x20x32", "lengths:int64:batch=2"], fix=(full_first_lengths("lengths", 20),))
    add("emformer_mini", "audio",
        lambda: fam.WithLengths(tam.Emformer(input_dim=32, num_heads=4, ffn_dim=64, num_layers=2, segment_length=4,
                                             left_context_length=4, right_context_length=2)),
        ["input:float32:batch=2x18x32", "lengths:int64:batch=2"], fix=(full_first_lengths("lengths", 16),))
    add("convtasnet_mini", "audio",
        lambda: tam.ConvTasNet(num_sources=2, enc_kernel_size=16, enc_num_feats=64, msk_kernel_size=3,
                               msk_num_feats=32, msk_num_hidden_feats=64, msk_num_layers=3, msk_num_stacks=2),
        ["input:float32:batch=2x1xtime=800/1000"])
    add("hdemucs_mini", "audio",
        lambda: tam.HDemucs(["drums", "bass"], audio_channels=2, channels=8, nfft=256, depth=3),
        ["input:float32:batch=1x2xtime=2048/3072"])
    add("deepspeech_mini", "audio", lambda: tam.DeepSpeech(n_feature=20, n_hidden=64, n_class=10),
        ["input:float32:batch=2x1xtime=30/40x20"])
    add("wav2letter", "audio", lambda: tam.Wav2Letter(num_classes=10, input_type="mfcc", num_features=13),
        ["input:float32:batch=2x13xtime=100/120"])
    add("wavernn_mini", "audio",
        lambda: tam.WaveRNN(upsample_scales=[2, 2], n_classes=16, hop_length=4, n_res_block=2, n_rnn=32, n_fc=32,
                            kernel_size=5, n_freq=16, n_hidden=16, n_output=16),
        ["waveform:float32:batch=2x1xsamples=32/48", "specgram:float32:batch=2x1x16xframes=12/16"])
    add("tacotron2_mini", "audio", fam.Tacotron2Infer, ["tokens:int64:batch=2xseq=12/16:0..40"],
        note="infer(): decoding stops when every gate fires or after 12 steps; prenet without dropout")
    for kind in ("spectrogram", "melspec", "mfcc"):
        add(f"{kind}_cnn", "audio", (lambda k=kind: fam.SpectrogramCNN(k)), ["waveform:float32:batch=2xtime=1024/1280"])

    # Text, written after real transformer code.
    ids_mask = lambda vocab: [f"input_ids:int64:batch=2xseq=16:0..{vocab}", "attention_mask:int64:batch=2xseq=16"]  # noqa: E731
    add("text_encoder", "text", fam.TextEncoder, ids_mask(1000), fix=(valid_prefix("attention_mask"),))
    add("text_decoder", "text", fam.CausalDecoder, ["input_ids:int64:batch=2xseq=16:0..500"])
    add("t5_encoder", "text", fam.T5Encoder, ids_mask(300), fix=(valid_prefix("attention_mask"),))

    def tune_greedy(model, arch):
        fam.tune_greedy_eos(model, make_inputs(arch, {}, seed=0))
        return model

    add("greedy_decode", "text", fam.GreedyDecode, ["input_ids:int64:batch=2xseq=5:0..24"], post_build=tune_greedy)
    add("beam_search", "text", fam.BeamSearch, ["input_ids:int64:batch=2xseq=5:0..30"])
    add("bool_mask_post", "text", fam.BoolMaskPost, ["features:float32:batch=2xn=20/24x16"])
    self_in = ["x:float32:batch=2xseq=10x32", "key_padding_mask:bool:batch=2xseq=10"]
    cross_in = ["query:float32:tgt=6xbatch=2x32", "memory:float32:src=9xbatch=2x24", "value:float32:src=9xbatch=2x20",
                "key_padding_mask:bool:batch=2xsrc=9", "attn_mask:float32:tgt=6xsrc=9"]
    for weights in (True, False):
        suffix = "weights" if weights else "noweights"
        add(f"mha_self_{suffix}", "attention", (lambda w=weights: fam.MHASelf(w)), self_in,
            fix=(valid_prefix("key_padding_mask", pad_is_true=True),))
        add(f"mha_cross_{suffix}", "attention", (lambda w=weights: fam.MHACross(w)), cross_in,
            fix=(valid_prefix("key_padding_mask", pad_is_true=True),))
    add("transformer_encoder", "attention", fam.TransformerEncoderModel,
        ["src:float32:batch=2xseq=10x32", "src_key_padding_mask:bool:batch=2xseq=10"],
        fix=(valid_prefix("src_key_padding_mask", pad_is_true=True),))
    add("transformer_decoder", "attention", fam.TransformerDecoderModel,
        ["tgt:float32:batch=2xtgt=7x32", "memory:float32:batch=2xseq=10x32",
         "memory_key_padding_mask:bool:batch=2xseq=10"],
        fix=(valid_prefix("memory_key_padding_mask", pad_is_true=True),))
    add("transformer", "attention", fam.TransformerModel,
        ["src:float32:seq=10xbatch=2x32", "tgt:float32:tgt=7xbatch=2x32", "src_key_padding_mask:bool:batch=2xseq=10"],
        fix=(valid_prefix("src_key_padding_mask", pad_is_true=True),))
    return archs


def meta_param_count(name: str) -> Optional[int]:
    """Parameter count of a torchvision model without allocating its weights (None if impossible)."""
    try:
        with torch.device("meta"), _regnet_widths_on_cpu():
            model = tvm.get_model(name, weights=None, **TV_KWARGS.get(name, {}))
        return sum(p.numel() for p in model.parameters())
    except Exception:
        return None


@contextlib.contextmanager
def _regnet_widths_on_cpu():
    # RegNet computes its block widths with real tensor arithmetic, which fails on "meta".
    from torchvision.models import regnet
    original = regnet.BlockParams.from_init_params

    def on_cpu(*args, **kwargs):
        with torch.device("cpu"):
            return original(*args, **kwargs)

    regnet.BlockParams.from_init_params = on_cpu
    try:
        yield
    finally:
        regnet.BlockParams.from_init_params = original


def catalogue() -> Tuple[List[Arch], List[dict]]:
    """Every architecture of the corpus, and the skipped torchvision models with the reason."""
    names = tvm.list_models(module=tvm)
    counts = {n: meta_param_count(n) for n in names}
    families: Dict[str, List[str]] = {}
    for n in names:
        families.setdefault(tv_family(n), []).append(n)
    # The smallest variant of each family (by parameters; names sort ties and unknown counts last).
    smallest = {fam: min(members, key=lambda n: (counts[n] is None, counts[n] or 0, n))
                for fam, members in families.items()}
    archs, skipped = [], []
    for n in names:
        fam = tv_family(n)
        sets = (("quick",) if n in QUICK_TV else ()) + ("full",)
        small = smallest[fam] == n
        giant = counts[n] is not None and counts[n] > GIANT_PARAMS
        if n in QUICK_TV or n in FULL_EXTRA_TV or (small and not giant):
            archs.append(tv_arch(n, sets))
        else:
            size = f"{counts[n] / 1e6:.1f}M parameters" if counts[n] else "size unknown"
            reason = f"giant ({size})" if giant else f"larger variant of {fam} ({size})"
            if not small:
                reason += f"; the family is covered by {smallest[fam]}"
            skipped.append({"arch": n, "family": fam, "params": counts[n], "reason": reason})
    return archs + small_configs() + extra_models() + family_models(), skipped


# ---------------------------------------------------------------------------------------------
# Building, freezing and referencing one architecture.

def make_inputs(arch: Arch, sizes: Dict[str, int], seed: int) -> List[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    out = []
    for spec in arch.specs:
        shape, dtype = spec.shape(sizes), DTYPES[spec.dtype]
        lo, hi = spec.value_range or (None, None)
        if dtype.is_floating_point:
            t = torch.randn(shape, generator=gen) if lo is None else torch.rand(shape, generator=gen) * (hi - lo) + lo
            out.append(t.to(dtype))
        elif dtype == torch.bool:
            out.append(torch.randint(0, 2, shape, generator=gen).bool())
        elif lo is None:
            out.append(torch.randint(0, arch.int_high, shape, generator=gen, dtype=dtype))
        else:
            out.append(torch.randint(int(lo), int(hi), shape, generator=gen, dtype=dtype))
    if arch.fix:
        named = {spec.name: t for spec, t in zip(arch.specs, out)}
        for fix in arch.fix:
            fix(named, gen)
        out = [named[spec.name] for spec in arch.specs]
    return out


def valid_prefix(name: str, pad_is_true: bool = False):
    """A [batch, seq] padding mask: row 0 unpadded, the others valid for a prefix of at least half
    (int 1/0 keep/pad, or bool True = pad as nn.MultiheadAttention's key_padding_mask)."""
    def fix(named: Dict[str, torch.Tensor], gen: torch.Generator) -> None:
        t = named[name]
        b, s = t.shape
        lengths = torch.randint((s + 1) // 2, s + 1, (b,), generator=gen)
        lengths[0] = s
        valid = torch.arange(s)[None, :] < lengths[:, None]
        named[name] = (~valid if pad_is_true else valid).to(t.dtype)
    return fix


def full_first_lengths(name: str, total: int):
    """Lengths [batch] of sequences padded to `total` frames: the first is `total` (the models
    size their padding masks by max(lengths)), the others at least half."""
    def fix(named: Dict[str, torch.Tensor], gen: torch.Generator) -> None:
        b = named[name].shape[0]
        lengths = torch.randint((total + 1) // 2, total + 1, (b,), generator=gen)
        lengths[0] = total
        named[name] = lengths.to(named[name].dtype)
    return fix


def perturb_constant_parameters(model: nn.Module) -> None:
    """Re-draws every parameter that its init left constant (zero heads and biases, unit norm
    scales, ConvNeXt's 1e-6 layer scales), so that every op moves the outputs: a ViT's zero
    head would make every exporter pass, a 1e-6 layer scale would hide a wrong block."""
    with torch.no_grad():
        for p in model.parameters():
            flat = p.flatten()
            if flat.numel() == 0 or not bool((flat == flat[0]).all()):
                continue
            c = float(flat[0])
            if c == 0.0 and p.dim() >= 2:
                p.normal_(0.0, (p.numel() / p.shape[0]) ** -0.5)  # a weight matrix: 1/sqrt(fan_in)
            elif c == 0.0:
                p.normal_(0.0, 0.1)
            else:
                p.uniform_(0.5, 1.5).mul_(max(abs(c), 0.1) * (1 if c > 0 else -1))


def calibrate_batchnorm(model: nn.Module, arch: Arch) -> None:
    """Non-trivial BatchNorm running stats: measured on random batches (a cumulative average),
    so that eval BN is neither identity nor explosive."""
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not bns or arch.calibration is None:
        return
    momenta = [bn.momentum for bn in bns]
    with torch.no_grad():
        for bn in bns:
            bn.reset_running_stats()
            bn.momentum = None  # cumulative moving average over the calibration batches
        if arch.calibration == "bn":
            model.eval()
            for bn in bns:
                bn.train()
        else:
            model.train()
        for i in range(2):
            # Batch 4 so that layers pooled down to 1x1 still have more than one value per channel.
            if arch.calibrate_run is not None:
                arch.calibrate_run(model, arch, i)
            else:
                model(*make_inputs(arch, {"batch": 4}, seed=1000 + i))
    for bn, momentum in zip(bns, momenta):
        bn.momentum = momentum
    model.eval()


def build(arch: Arch) -> nn.Module:
    torch.manual_seed(0)
    model = arch.build()
    perturb_constant_parameters(model)  # BatchNorm's affine parameters among them
    calibrate_batchnorm(model, arch)
    model.eval()
    if arch.post_build is not None:
        model = arch.post_build(model, arch)
    return model.eval()


def freeze(model: nn.Module, mode: str, example: List[torch.Tensor]) -> torch.jit.ScriptModule:
    if mode == "trace":
        # strict=False admits dict/list outputs; check_trace=False skips a second (slow) trace.
        return torch.jit.trace(model, tuple(example), strict=False, check_trace=False)
    return torch.jit.script(model)


def flatten_outputs(value, prefix: Optional[str] = None) -> List[Tuple[str, torch.Tensor]]:
    """Named tensors of a (nested) output: a lone tensor is `output`, tuple/list items
    `output_<i>`, dict items their key, nesting joined with `.`; None items are dropped."""
    if isinstance(value, torch.Tensor):
        return [(prefix or "output", value)]
    if value is None:
        return []
    if isinstance(value, dict):
        items = [(str(k), v) for k, v in value.items()]
    elif isinstance(value, (tuple, list)):
        items = [(f"output_{i}", v) for i, v in enumerate(value)]
    else:
        raise TypeError(f"unsupported output type {type(value).__name__}")
    named = []
    for key, item in items:
        named += flatten_outputs(item, key if prefix is None else f"{prefix}.{key}")
    return named


def rel_mae(got: torch.Tensor, ref: torch.Tensor) -> float:
    if got.shape != ref.shape:
        return float("inf")
    if ref.numel() == 0:
        return 0.0
    got, ref = got.double(), ref.double()
    return ((got - ref).abs().mean() / ref.abs().mean().clamp_min(1e-12)).item()


def one_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    if lines and lines[0].startswith("The following operation failed in the TorchScript interpreter"):
        lines = lines[-1:]  # the interpreter's traceback ends with the error itself
        if lines[0].split(":")[0].endswith("Error"):
            return lines[0][:300]
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"[:300]


def case_sizes(arch: Arch) -> List[Dict[str, int]]:
    """Two cases: every symbol at its example size, then every symbol at its second size."""
    symbols, named_second = {}, {}
    for spec in arch.specs:
        symbols.update(spec.symbols())
        named_second.update(spec.second)
    second = {s: named_second.get(s, SECOND_SIZE.get(s, n + 1)) for s, n in symbols.items()}
    return [symbols, second] if symbols else [symbols]


def case_name(sizes: Dict[str, int]) -> str:
    return "_".join(f"{s}{n}" for s, n in sizes.items()) or "static"


def output_dims(named_per_case: List[List[Tuple[str, torch.Tensor]]], sizes: List[Dict[str, int]]):
    """Symbolic output dims: an axis whose size changes between cases takes the symbol whose
    sizes changed the same way (or <output>_dim<i> when none does)."""
    dims = {}
    for k, (name, t0) in enumerate(named_per_case[0]):
        shapes = [case[k][1].shape for case in named_per_case]
        row = []
        for axis, n in enumerate(t0.shape):
            seen = [s[axis] for s in shapes]
            if len(set(seen)) == 1:
                row.append(n)
                continue
            syms = [s for s in sizes[0] if [c[s] for c in sizes] == seen]
            row.append(syms[0] if syms else f"{name}_dim{axis}")
        dims[name] = row
    return dims


def save_case(out_dir: Path, entry: str, arch: Arch, sizes, inputs, named, exact=None) -> dict:
    """One case's inputs, eager outputs and (when the model runs in float64) float64 outputs, by
    the frozen module's output names."""
    rel = Path("refs") / entry / case_name(sizes)
    (out_dir / rel).mkdir(parents=True, exist_ok=True)
    case = {"name": case_name(sizes), "sizes": sizes, "inputs": {}, "outputs": {}}
    for spec, tensor in zip(arch.specs, inputs):
        path = rel / f"in_{spec.name}.npy"
        np.save(out_dir / path, tensor.numpy())
        case["inputs"][spec.name] = str(path)
    for name, tensor in named:
        path = rel / f"out_{name}.npy"
        np.save(out_dir / path, tensor.detach().numpy())
        case["outputs"][name] = str(path)
    if exact is not None and len(exact) == len(named):
        case["outputs_f64"] = {}
        for (name, _), (_, tensor) in zip(named, exact):
            if not tensor.is_floating_point():
                continue
            path = rel / f"out64_{name}.npy"
            np.save(out_dir / path, tensor.detach().numpy())
            case["outputs_f64"][name] = str(path)
    return case


def float64_outputs(model: nn.Module, cases_in):
    """The model in float64 on every case ([(name, tensor)] per case, eager's order): the exact
    answer float32 runtimes round away from. None when the model does not run in float64."""
    try:
        model64 = copy.deepcopy(model).double()
        with torch.no_grad():
            return [flatten_outputs(model64(*[t.double() if t.is_floating_point() else t for t in x])) for x in cases_in]
    except Exception:
        return None


def fp32_noise(eager, exact) -> Optional[float]:
    """Worst rel MAE between the eager fp32 outputs and float64_outputs: the rounding noise any
    fp32 runtime shares (random-weight deep nets amplify it), to read the harness's 1e-4 bound
    against. None without float64 outputs."""
    if exact is None:
        return None
    try:
        return max([0.0] + [rel_mae(e, g) for named, got in zip(eager, exact) for (_, e), (_, g) in zip(named, got)])
    except Exception:
        return None


@contextlib.contextmanager
def quantized_engine(arch: Arch):
    """The qnnpack engine for a quantized model (kiln's references use it too), restored after."""
    saved = torch.backends.quantized.engine
    if arch.quantized:
        torch.backends.quantized.engine = "qnnpack"
    try:
        yield
    finally:
        torch.backends.quantized.engine = saved


def engine_spread(pt: Path, sizes, cases_in, eager) -> Optional[dict]:
    """{case name: worst rel MAE} of a quantized frozen file run with ONEDNN (loaded under it, so
    its weights are packed for it) against the QNNPACK reference: how far two of LibTorch's own
    int8 engines drift apart on the case. None when ONEDNN is missing or cannot run the model
    (QNNPACK and ONEDNN both have 2-d kernels; a 3-d model runs on ONEDNN alone)."""
    if "onednn" not in torch.backends.quantized.supported_engines:
        return None
    saved = torch.backends.quantized.engine
    try:
        torch.backends.quantized.engine = "onednn"
        other = torch.jit.load(str(pt))
        spread = {}
        with torch.no_grad(), torch.jit.optimized_execution(False), torch.backends.mkldnn.flags(enabled=False):
            for s, x, ev in zip(sizes, cases_in, eager):
                got = flatten_outputs(other(*x))
                spread[case_name(s)] = max([0.0] + [rel_mae(g, e) for (_, e), (_, g) in zip(ev, got)])
        return spread
    except Exception:
        return None
    finally:
        torch.backends.quantized.engine = saved


def dequantize_step(model: nn.Module, inputs: List[torch.Tensor]) -> Optional[float]:
    """The quantization step of a quantized model's output: the scale of the tensor its last
    DeQuantize receives (None when it has none)."""
    seen: List[float] = []
    hooks = [m.register_forward_hook(lambda m, i, o: seen.append(i[0].q_scale()))
             for m in model.modules() if isinstance(m, torch.ao.nn.quantized.DeQuantize)]
    try:
        with torch.no_grad():
            model(*inputs)
    finally:
        for h in hooks:
            h.remove()
    return seen[-1] if seen else None


def save_example(out_dir: Path, arch: Arch, inputs: List[torch.Tensor]) -> str:
    """The first case's inputs as torch.save({name: tensor}) for `kiln export --example`."""
    rel = Path("examples") / f"{arch.name}.pt"
    (out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
    torch.save({spec.name: t for spec, t in zip(arch.specs, inputs)}, str(out_dir / rel))
    return str(rel)


def frozen_mismatch(got, eager, sizes) -> Tuple[List[float], Optional[str]]:
    """Per case, how far the frozen module is from eager; and why it does not reproduce it."""
    per_case, why = [], None
    for k, (gc, ec) in enumerate(zip(got, eager)):
        worst = max([0.0] + [rel_mae(g, e) for (_, g), (_, e) in zip(gc, ec)])
        per_case.append(worst)
        if worst > FROZEN_BOUND and why is None:
            where = "the example size" if k == 0 else "the second size"
            shapes = [(n, tuple(g.shape), tuple(e.shape)) for (n, g), (_, e) in zip(gc, ec) if g.shape != e.shape]
            what = (f"{shapes[0][0]} is {list(shapes[0][1])}, eager {list(shapes[0][2])}" if shapes
                    else f"rel MAE {worst:.1e}")
            why = f"the frozen module does not reproduce eager at {where} ({case_name(sizes[k])}): {what}"
    return per_case, why


def process(arch: Arch, out_dir: Path) -> List[dict]:
    """Both manifest entries (trace, script) of one architecture."""
    with quantized_engine(arch):
        return process_model(arch, out_dir)


def process_model(arch: Arch, out_dir: Path) -> List[dict]:
    t0 = time.perf_counter()
    model = build(arch)
    params = sum(p.numel() for p in model.parameters())
    if arch.quantized:  # packed weights are no parameters: count the float model's
        params = sum(p.numel() for p in arch.build().parameters())
    sizes = case_sizes(arch)
    cases_in = [make_inputs(arch, s, seed=i) for i, s in enumerate(sizes)]
    # The reference both exporters are held to: LibTorch's own kernels, not oneDNN's, whose
    # jit:avx512_core convolution with channels padded to its block was wrong on an AMD EPYC
    # (googlenet: rel 0.45 against float64; kiln's exporter does the same, torch_runtime.h).
    with torch.no_grad(), torch.backends.mkldnn.flags(enabled=False):
        eager = [flatten_outputs(model(*x)) for x in cases_in]
    exact = None if arch.quantized else float64_outputs(model, cases_in)
    noise = fp32_noise(eager, exact)
    common = {"arch": arch.name, "family": arch.family, "sets": list(arch.sets), "params": params,
              "inputs": arch.inputs, "pt": None, "fp32_noise": noise}
    if arch.note:
        common["note"] = arch.note
    if arch.fix:
        common["example"] = save_example(out_dir, arch, cases_in[0])
    if arch.quantized:
        common["quantized_engine"] = "qnnpack"
        with torch.backends.mkldnn.flags(enabled=False):
            common["quant_step"] = dequantize_step(model, cases_in[0])
    entries = []
    for mode in MODES:
        name = f"{arch.name}_{mode}"
        entry = {"name": name, "mode": mode, **common}
        shutil.rmtree(out_dir / "refs" / name, ignore_errors=True)
        # Unoptimized execution: the profiling executor's TensorExpr fuser hangs on the
        # second call of a traced ViT in this torch build; results do not depend on it.
        run_frozen = lambda x: flatten_outputs(frozen(*x))  # noqa: E731
        try:
            frozen = freeze(model, mode, cases_in[0])
            with torch.no_grad(), torch.jit.optimized_execution(False), torch.backends.mkldnn.flags(enabled=False):
                got = [run_frozen(cases_in[0])]
        except Exception as exc:  # a pair Python cannot freeze stays listed, without a file
            entry["freeze_error"] = one_line(exc)
            entries.append(entry)
            continue
        run_error = None
        for k, x in enumerate(cases_in[1:], 1):
            try:
                with torch.no_grad(), torch.jit.optimized_execution(False), torch.backends.mkldnn.flags(enabled=False):
                    got.append(run_frozen(x))
            except Exception as exc:  # a trace that baked a size in may not even run at another
                run_error = run_error or (f"the frozen module fails at the second size ({case_name(sizes[k])}): "
                                          f"{one_line(exc)}")
                got.append([(n, torch.full((0,) * 9, float("nan"))) for n, _ in got[0]])
        if len(got[0]) != len(eager[0]):
            entry["freeze_error"] = (f"frozen module returns {len(got[0])} tensors, eager {len(eager[0])}")
            entries.append(entry)
            continue
        torch.jit.save(frozen, str(out_dir / f"{name}.pt"))
        if arch.quantized:
            entry["engine_spread_per_case"] = engine_spread(out_dir / f"{name}.pt", sizes, cases_in, eager)
        # The frozen module's structure names the outputs (it is what an exporter sees); the
        # values are the eager model's, matched by position.
        named = [[(n, e) for (n, _), (_, e) in zip(g, ev)] for g, ev in zip(got, eager)]
        per_case, mismatch = frozen_mismatch(got, eager, sizes)
        entry.update(pt=f"{name}.pt", outputs=[n for n, _ in named[0]],
                     output_dims=output_dims(named, sizes),
                     # How far the frozen module itself is from eager (trace can bake shapes).
                     frozen_rel_mae=max(per_case), frozen_rel_mae_per_case=per_case,
                     cases=[save_case(out_dir, name, arch, s, x, n, exact[k] if exact else None)
                            for k, (s, x, n) in enumerate(zip(sizes, cases_in, named))])
        if run_error or mismatch:
            entry["frozen_mismatch"] = run_error or mismatch
        entries.append(entry)
    def status(e):
        if not e["pt"]:
            return "FAIL " + e["freeze_error"]
        return "MISMATCH " + e["frozen_mismatch"] if e.get("frozen_mismatch") else "ok"
    print(f"{arch.name:22s} {params / 1e6:7.2f}M  {time.perf_counter() - t0:6.1f}s  "
          f"fp32 noise {noise if noise is None else format(noise, '.1e')}  "
          + "  ".join(f"{e['mode']}:{status(e)}" for e in entries), flush=True)
    return entries


def process_or_record(arch: Arch, out_dir: Path) -> List[dict]:
    """process(), or, when the eager model itself fails, two entries that say why."""
    try:
        return process(arch, out_dir)
    except Exception as exc:  # one broken architecture must not cost the rest of the corpus
        error = f"eager model: {one_line(exc)}"
        print(f"{arch.name:22s} FAIL {error}", flush=True)
        return [{"name": f"{arch.name}_{mode}", "arch": arch.name, "family": arch.family, "mode": mode,
                 "sets": list(arch.sets), "params": None, "inputs": arch.inputs, "pt": None,
                 "freeze_error": error} for mode in MODES]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--set", choices=SETS, default="quick")
    ap.add_argument("--only", help="comma-separated architecture names (any set)")
    ap.add_argument("--merge", action="store_true",
                    help="with --only: replace those architectures' entries in DIR's manifest, keep the rest")
    args = ap.parse_args()
    torch.set_num_threads(1)  # a good neighbour on a busy 2-core machine
    warnings.filterwarnings("ignore")  # tracer and deprecation warnings would bury the progress lines
    archs, skipped = catalogue()
    if args.only:
        wanted = args.only.split(",")
        unknown = set(wanted) - {a.name for a in archs} - {s["arch"] for s in skipped}
        if unknown:
            sys.exit(f"unknown architecture(s): {', '.join(sorted(unknown))}")
        # A skipped torchvision model named explicitly is built all the same.
        archs += [tv_arch(s["arch"], ("full",)) for s in skipped if s["arch"] in wanted]
        archs = [a for a in archs if a.name in wanted]
    else:
        archs = [a for a in archs if args.set in a.sets]
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    entries = [e for a in archs for e in process_or_record(a, args.out)]
    manifest = {"set": args.set if not args.only else f"only:{args.only}",
                "torch": torch.__version__, "torchvision": torchvision.__version__,
                "seconds": round(time.perf_counter() - t0, 1),
                "entries": entries, "skipped": skipped}
    if args.merge and (args.out / "manifest.json").is_file():
        old = json.loads((args.out / "manifest.json").read_text())
        redone = {e["arch"] for e in entries}
        fresh = {e["name"]: e for e in entries}
        kept = [fresh.pop(e["name"], e) for e in old["entries"] if e["arch"] not in redone or e["name"] in fresh]
        manifest.update(set=old["set"], seconds=old["seconds"], entries=kept + list(fresh.values()))
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    frozen = sum(1 for e in entries if e["pt"])
    print(f"{len(entries)} entries ({frozen} frozen) from {len(archs)} architectures in "
          f"{manifest['seconds']} s; manifest: {args.out / 'manifest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
