#!/usr/bin/env bash
# Errors a user can cause: one line on stderr, exit 1 (bad input) or 2 (bad usage), nothing written.
source "$(dirname "$0")/lib.sh"

printf 'not a model' >"$WORK/junk.pt"
mkdir -p "$WORK/emptydir"
: >"$WORK/empty.pt"

expect 2 "unknown command .frobnicate." -- frobnicate
expect 2 "--out is required|out" -- train --model simple_cnn
expect 2 "unknown model 'resnet'" -- train --model resnet --out "$WORK/t"
expect 2 "unknown dataset 'cifar10'" -- train --dataset cifar10 --out "$WORK/t"
expect 2 "unknown dataset 'cifar10'" -- data info --dataset cifar10
expect 2 "exactly one of" -- freeze --out "$WORK/f"
expect 1 "weights folder not found" -- freeze --model mlp --weights "$WORK/nowhere" --out "$WORK/f"
expect 1 "weights.pt: missing" -- freeze --model mlp --weights "$WORK/emptydir" --out "$WORK/f"
expect 1 "not a TorchScript archive" -- freeze --torchscript "$WORK/junk.pt" --input-shape 1x1x28x28 --out "$WORK/f"
expect 1 "not a TorchScript archive" -- freeze --torchscript "$WORK/empty.pt" --input-shape 1x1x28x28 --out "$WORK/f"
expect 1 "is a directory" -- freeze --torchscript "$WORK/emptydir" --input-shape 1x1x28x28 --out "$WORK/f"
expect 2 "input-shape is required" -- freeze --torchscript "$WORK/junk.pt" --out "$WORK/f"
expect 2 "invalid shape" -- freeze --model mlp --input-shape 1xfoo --out "$WORK/f"
expect 1 "rejects input shape 2x3x32x32" -- freeze --model simple_cnn --input-shape 2x3x32x32 --dataset none --out "$WORK/f"
expect 1 "not a directory|cannot create" -- freeze --model mlp --dataset none --out "$WORK/junk.pt/sub"
check "nothing half-written after failed freezes" test ! -e "$WORK/f"
check "no staging folders left" bash -c "! ls -a '$WORK' | grep -q partial"

# A malformed data file: one line naming the file, exit 1.
mkdir -p "$WORK/data/mnist"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  printf '\0\0\x08\x01\0\0\0\x05abc' >"$WORK/data/mnist/$f"
done
KILN_DATA_DIR="$WORK/data" expect 1 "t10k-images-idx3-ubyte: IDX magic 2049 declares 1 dimensions, expected 3|train-images-idx3-ubyte: IDX magic" -- data info
printf '\0\0\x08\x01\0\0\0\x05abc' >"$WORK/data/mnist/t10k-labels-idx1-ubyte"
finish
