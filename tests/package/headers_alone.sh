#!/usr/bin/env bash
# Every public header (include/kiln/*.h, the generated kiln/version.h) compiles on its own, with
# kiln's warnings as errors, from nothing but the public include folders: each includes what it
# uses and no internal header. None pulls in LibTorch, ONNX or ONNX Runtime (a consumer of
# kiln::core needs none of them installed): the compiler's list of opened headers is checked.
#   headers_alone.sh REPO BUILD [CXX]
set -euo pipefail
REPO=$1 BUILD=$2 CXX=${3:-c++}
fail=0 n=0
headers=("$REPO"/include/kiln/*.h "$BUILD"/include/kiln/version.h)
for h in "${headers[@]}"; do
  name=kiln/$(basename "$h")
  n=$((n + 1))
  if ! opened=$(echo "#include <$name>" | "$CXX" -std=c++20 -fsyntax-only -H -Wall -Wextra \
    -Wpedantic -Wnon-virtual-dtor -Werror -I"$REPO/include" -I"$BUILD/include" -x c++ - 2>&1); then
    echo "FAIL $name does not compile alone:"
    grep -v '^\.' <<<"$opened" | head -20
    fail=1
    continue
  fi
  if bad=$(grep -E '^\.+ .*/(torch|ATen|c10|onnx|onnxruntime)/' <<<"$opened" | head -3) && [[ -n $bad ]]; then
    echo "FAIL $name includes LibTorch/ONNX/ONNX Runtime headers:"
    echo "$bad"
    fail=1
  fi
  # Includes in quotes would be kiln's internal headers (src/): none in the public API.
  if grep -n '^#include "' "$h"; then
    echo "FAIL $name includes an internal header"
    fail=1
  fi
done
((n >= 12)) || { echo "FAIL only $n public headers found under $REPO/include/kiln"; fail=1; }
((fail == 0)) && echo "ok: $n public headers compile alone"
exit "$fail"
