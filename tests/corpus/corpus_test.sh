#!/usr/bin/env bash
# ctest slow.corpus.export: the quick conformance corpus (torchvision networks and kiln's own
# RNN / dict / encoder-decoder models, each traced and scripted) exported by kiln and by the peer
# torch.onnx.export in the same run. Fails when kiln fails a row, or is behind the peer on one.
#   corpus_test.sh KILN WORKDIR
set -euo pipefail
KILN=$(realpath "$1")
WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$WORK"
python3 "$HERE/make_corpus.py" --out "$WORK/corpus" --set quick
python3 "$HERE/run_corpus.py" --kiln "$KILN" --corpus "$WORK/corpus" --work "$WORK/run" \
  --json "$WORK/report.json" --markdown "$WORK/report.md" --require-kiln --require-parity
