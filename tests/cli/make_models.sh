#!/usr/bin/env bash
# The models the CLI tests share, made once per ctest run (the fixture test `fixture.models`,
# FIXTURES_SETUP) instead of in each script. Random weights (`--dataset none`, kiln's default seed),
# so every run makes the same files:
#   DIR/cnn: simple_cnn frozen (model_scripted.pt, model_traced.pt), exported with its
#            BatchNormalizations kept (model.onnx: what the optimizer and the quantizer's
#            pre-optimization fold, as in the pipeline), optimized with the default passes
#            (opt.onnx, opt.json: the optimize report)
#   DIR/mlp: mlp frozen, exported (model.onnx) and optimized (model_opt.onnx)
# Written to DIR.partial and renamed, so a consumer never sees half of it.
#   make_models.sh KILN DIR
set -euo pipefail
KILN=$(realpath "$1")
DIR=$(realpath -m "$2")
rm -rf "$DIR" "$DIR.partial"
P=$DIR.partial
"$KILN" freeze --model simple_cnn --dataset none --out "$P/cnn" >/dev/null
"$KILN" export "$P/cnn/model_scripted.pt" --keep-batch-norm -o "$P/cnn/model.onnx" >/dev/null
"$KILN" optimize "$P/cnn/model.onnx" -o "$P/cnn/opt.onnx" --report "$P/cnn/opt.json" >/dev/null
"$KILN" freeze --model mlp --dataset none --out "$P/mlp" >/dev/null
"$KILN" export "$P/mlp/model_scripted.pt" -o "$P/mlp/model.onnx" >/dev/null
"$KILN" optimize "$P/mlp/model.onnx" -o "$P/mlp/model_opt.onnx" >/dev/null
mv "$P" "$DIR"
