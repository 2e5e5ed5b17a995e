#!/usr/bin/env bash
# Errors a user can cause: one line on stderr, exit 1 (bad input) or 2 (bad usage), nothing written.
source "$(dirname "$0")/lib.sh"

printf 'not a model' >"$WORK/junk.pt"
mkdir -p "$WORK/emptydir"
: >"$WORK/empty.pt"

# Exact lines: the message names the value or file and says what to do, nothing else on stderr.
expect_exact 2 "kiln: error: unknown command 'frobnicate' (see kiln --help)" -- frobnicate
expect_exact 2 "kiln: error: --out is required (see kiln --help)" -- train --model simple_cnn
expect_exact 2 "kiln: error: unknown model 'resnet' (built-in models: simple_cnn, branchy, mlp)" -- train --model resnet --out "$WORK/t"
expect_exact 2 "kiln: error: unknown dataset 'cifar10' (known: mnist, fashion-mnist)" -- train --dataset cifar10 --out "$WORK/t"
expect_exact 2 "kiln: error: unknown dataset 'cifar10' (known: mnist, fashion-mnist)" -- data info --dataset cifar10
expect_exact 2 "kiln: error: --model or --torchscript: give exactly one of them (a built-in model name or a TorchScript file)" -- freeze --out "$WORK/f"
expect_exact 1 "kiln: error: $WORK/nowhere: weights folder not found (run kiln train --out $WORK/nowhere)" -- \
  freeze --model mlp --weights "$WORK/nowhere" --out "$WORK/f"
expect_exact 1 "kiln: error: $WORK/emptydir/weights.pt: missing (run kiln train --out $WORK/emptydir)" -- \
  freeze --model mlp --weights "$WORK/emptydir" --out "$WORK/f"
zip_error="not a TorchScript archive (PytorchStreamReader failed reading zip archive: not a ZIP archive)"
expect_exact 1 "kiln: error: $WORK/junk.pt: $zip_error" -- freeze --torchscript "$WORK/junk.pt" --input-shape 1x1x28x28 --out "$WORK/f"
expect_exact 1 "kiln: error: $WORK/empty.pt: $zip_error" -- freeze --torchscript "$WORK/empty.pt" --input-shape 1x1x28x28 --out "$WORK/f"
expect_exact 1 "kiln: error: $WORK/emptydir: is a directory, expected a TorchScript .pt file" -- \
  freeze --torchscript "$WORK/emptydir" --input-shape 1x1x28x28 --out "$WORK/f"
expect_exact 2 "kiln: error: --input-shape is required with a TorchScript model (e.g. 1x1x28x28)" -- freeze --torchscript "$WORK/junk.pt" --out "$WORK/f"
expect_exact 2 "kiln: error: invalid shape '1xfoo': 'foo' is not a positive integer" -- freeze --model mlp --input-shape 1xfoo --out "$WORK/f"
# LibTorch's own first line follows the colon (LibTorch 2.6, scripts/packages.txt).
expect_exact 1 "kiln: error: the model rejects input shape 2x3x32x32: Given groups=1, weight of size [32, 1, 3, 3], expected input[2, 3, 32, 32] to have 1 channels, but got 3 channels instead" -- \
  freeze --model simple_cnn --input-shape 2x3x32x32 --dataset none --out "$WORK/f"
expect_exact 1 "kiln: error: $WORK/junk.pt: exists and is not a directory" -- freeze --model mlp --dataset none --out "$WORK/junk.pt/sub"
check "nothing half-written after failed freezes" test ! -e "$WORK/f"
check "no staging folders left" bash -c "! ls -a '$WORK' | grep -q partial"

# A malformed data file: one line naming the file, exit 1.
mkdir -p "$WORK/data/mnist"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  printf '\0\0\x08\x01\0\0\0\x05abc' >"$WORK/data/mnist/$f"
done
# The first file read (the training images) is named, with its magic number's problem.
KILN_DATA_DIR="$WORK/data" expect_exact 1 "kiln: error: $WORK/data/mnist/train-images-idx3-ubyte: IDX magic 2049 declares 1 dimensions, expected 3" -- data info
finish
