#!/usr/bin/env bash
# kiln precision (FP32 / BF16 / FP16 autocast / dynamic INT8): the report's rows, accuracy,
# differences and conclusion lines agree with each other and with the files
# (check_precision_report.py); bad options are exact one-line errors. No timing is asserted.
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$WORK"
shared_models cnn m || exit 1  # simple_cnn, random weights, frozen
expect_exact 2 "kiln: error: unknown dataset 'cifar10' (known: mnist, fashion-mnist)" -- \
  precision m/model_scripted.pt --dataset cifar10 --out p
check "nothing written after a refused run" test ! -e p
"$KILN" precision m/model_scripted.pt --runs 3 --warmup 1 --batch 1,4 --samples 200 --out p >p.out 2>p.err
check "precision succeeds" test $? -eq 0
check "report, Markdown and the INT8 model written" test -s p/precision_report.json -a -s p/precision_report.md -a -s p/model_int8.pt
check "stdout is the Markdown report" cmp -s p.out p/precision_report.md
check "rows, accuracy, differences and conclusions consistent" python3 "$HERE/check_precision_report.py" p \
  m/model_scripted.pt --batches 1,4 --runs 3 --samples 200
finish
