"""Helpers that op_table.py rows call in their consts/mods (constructors run in Python, before
the module is frozen; nothing here is compiled by TorchScript)."""
import torch
from torch import Tensor
from collections import OrderedDict
from typing import Dict, List, Tuple, Union


def bn_eval(channels: int):
    """A BatchNorm2d with non-trivial running statistics and affine parameters."""
    bn = torch.nn.BatchNorm2d(channels)
    with torch.no_grad():
        bn.running_mean.copy_(torch.randn(channels) * 0.1)
        bn.running_var.copy_(torch.rand(channels) + 0.5)
        bn.weight.copy_(torch.randn(channels))
        bn.bias.copy_(torch.randn(channels))
    return bn.eval()


# aten::__interpolate cannot be spelled inside a class body (Python mangles __names there):
# module-level functions that TorchScript compiles and inlines into the row's forward.
def aten_interpolate(x: torch.Tensor, size: list[int], mode: str) -> torch.Tensor:
    return torch.ops.aten.__interpolate(x, size=size, mode=mode)


def aten_interpolate_scale(x: torch.Tensor, scale: list[float], mode: str) -> torch.Tensor:
    return torch.ops.aten.__interpolate(x, scale_factor=scale, mode=mode, align_corners=False)


def quantized(module, out_scale: float = 0.05, out_zero_point: int = 64):
    """A torch.ao quantized module (Conv*, ConvTranspose*, Linear, their ReLU fusions) with random
    int8 weights (per tensor, scale 0.02), a random bias and the given output qparams (its
    default weights are zeros, which any exporter passes)."""
    torch.manual_seed(1)
    if len(getattr(module, "kernel_size", ())) == 3 and torch.backends.quantized.engine == "qnnpack":
        return _quantized_3d(module, out_scale, out_zero_point)
    w = module.weight()
    qw = torch.quantize_per_tensor(torch.randn(w.shape) * 0.3, 0.02, 0, torch.qint8)
    b = module.bias()
    module.set_weight_bias(qw, None if b is None else torch.randn(b.shape) * 0.1)
    module.scale = out_scale
    module.zero_point = out_zero_point
    return module.eval()


def _quantized_3d(module, out_scale, out_zero_point):
    """quantized() for Conv3d/ConvReLU3d/ConvTranspose3d while QNNPACK is the engine (the
    generator's, for its references): QNNPACK prepacks 3-d convolutions but cannot unpack them
    (module.weight(), and torch.jit.save's __getstate__, raise "QNNPACK only supports
    conv2d_unpack"), so the weights are packed with ONEDNN (the shapes come from the module's
    attributes, every row's module has a bias). The eager reference then runs ONEDNN's kernel; a
    loader with QNNPACK repacks them (kiln), within one output step of it for Conv3d."""
    k = tuple(module.kernel_size)
    if module.transposed:
        shape = (module.in_channels, module.out_channels // module.groups) + k
    else:
        shape = (module.out_channels, module.in_channels // module.groups) + k
    qw = torch.quantize_per_tensor(torch.randn(shape) * 0.3, 0.02, 0, torch.qint8)
    bias = torch.randn(module.out_channels) * 0.1
    engine = torch.backends.quantized.engine
    torch.backends.quantized.engine = "onednn"
    try:
        module.set_weight_bias(qw, bias)
    finally:
        torch.backends.quantized.engine = engine
    module.scale = out_scale
    module.zero_point = out_zero_point
    return module.eval()


def qnorm(module):
    """A quantized LayerNorm/GroupNorm/InstanceNorm with non-trivial affine parameters (output
    qparams are constructor arguments)."""
    with torch.no_grad():
        if getattr(module, "weight", None) is not None:
            module.weight.copy_(torch.randn(module.weight.shape))
            module.bias.copy_(torch.randn(module.bias.shape) * 0.1)
    return module.eval()


def dynamic_linear(module):
    """A dynamically quantized Linear (LinearReLU) with random int8 weights and a bias."""
    torch.manual_seed(1)
    qw = torch.quantize_per_tensor(torch.randn(module.weight().shape) * 0.3, 0.02, 0, torch.qint8)
    module.set_weight_bias(qw, torch.randn(module.weight().shape[0]) * 0.1)
    return module.eval()


def pair(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Returns a tuple, so that the caller unpacks it (prim::TupleUnpack after inlining)."""
    return x + 1.0, x * 2.0


def tensor_or_int(v: Union[Tensor, int]) -> Tensor:
    """prim::isinstance: TorchScript keeps the type test of a Union argument (inlined into the
    caller, the test stays in the frozen graph)."""
    if isinstance(v, Tensor):
        return v * 2.0
    return torch.full([1], float(v))


class Holder(torch.nn.Module):
    """A submodule whose forward-time state is written by its parent (`self.h.store(y)`), as
    RAFT's CorrBlock keeps its pyramid: prim::SetAttr, then prim::GetAttr reads it back."""

    def __init__(self):
        super().__init__()
        self.items: list[torch.Tensor] = []

    def store(self, x: torch.Tensor):
        self.items = [x, x * 2.0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


@torch.jit.script
class Batch:
    """A TorchScript class built in forward (prim::CreateObject), as torchvision's ImageList:
    its constructor writes the attributes, the caller reads them back."""

    def __init__(self, tensors: torch.Tensor, sizes: List[Tuple[int, int]]):
        self.tensors = tensors
        self.sizes = sizes


def ordered_dict(pairs: List[Tuple[str, Tensor]]) -> Dict[str, Tensor]:
    """OrderedDict(pairs), which TorchScript compiles to aten::dict over the list (the rows' own
    module has no collections import): torchvision's FPN and SSDlite build their outputs so."""
    return OrderedDict(pairs)
