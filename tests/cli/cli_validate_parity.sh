#!/usr/bin/env bash
# validate.py at parity with kiln validate (issue 33): the same verdict on every corruption of a
# float artifact and a multi-input int64+bool one, FAIL lines and no traceback, with and without
# the optional Python packages (tests/cli/validate_parity.py).
source "$(dirname "$0")/lib.sh"
require_python numpy onnx onnxruntime
SRC=$(cd "$CLI_TESTS/../.." && pwd)
if python3 "$CLI_TESTS/validate_parity.py" "$KILN" "$WORK" "$SRC/src/artifact/validate.py"; then
  PASSES=$((PASSES + 1))
else
  FAILS=$((FAILS + 1))
fi
finish
