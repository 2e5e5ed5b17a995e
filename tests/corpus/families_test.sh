#!/usr/bin/env bash
# The families-quick corpus (a detector, a segmenter, a video net, a quantized net, wav2vec2,
# Conformer with lengths, a MelSpectrogram front end, a BERT-style encoder with its attention
# mask, a scripted greedy decoding loop, nn.MultiheadAttention with masks, nn.TransformerEncoder;
# each traced and scripted) exported by kiln and by the peer torch.onnx.export in the same run.
# Fails when a row passes for the peer but not for kiln (--require-parity), or with the flags given.
#   families_test.sh KILN WORKDIR [run_corpus.py flags, default --require-parity]
set -euo pipefail
KILN=$(realpath "$1")
WORK=$2
shift 2
FLAGS=("$@")
[[ ${#FLAGS[@]} -gt 0 ]] || FLAGS=(--require-parity)
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$WORK"
python3 "$HERE/make_corpus.py" --out "$WORK/corpus" --set families-quick
python3 "$HERE/run_corpus.py" --kiln "$KILN" --corpus "$WORK/corpus" --work "$WORK/run" \
  --json "$WORK/report.json" --markdown "$WORK/report.md" "${FLAGS[@]}"
