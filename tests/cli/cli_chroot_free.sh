#!/usr/bin/env bash
# The chroot-free kiln (docs/toolchain.md): linked for the toolchain root ROOT, every library the
# loader maps at start and every one opened later (ONNX Runtime, LibTorch, OpenBLAS through its
# alternatives link) comes from inside ROOT, never from the host; kiln finds the root's
# Fashion-MNIST. Run it inside the root (ctest) and on the host: the same binary serves both.
#   cli_chroot_free.sh KILN ROOT   (ROOT: "" or "/" when the build is native: nothing to check)
source "$(dirname "$0")/lib.sh"
ROOT=${2%/}
if [[ -z $ROOT ]]; then
  echo "native build: nothing to check"
  finish
  exit $?
fi
# Inside the root its host path leads to / (the root's self-link); on the host, to ROOT itself.
real_root=$(realpath "$ROOT")
inside_root() {  # inside_root PATH: named under ROOT and, really, a file of the root
  local real
  real=$(realpath "$1") || return 1
  [[ $1 == "$ROOT"/* ]] && { [[ $real_root == / ]] || [[ $real == "$real_root"/* ]]; }
}

# The loader's view at start: LD_TRACE_LOADED_OBJECTS (what ldd does), with the root's loader, for
# both binaries (kiln, and kiln-torch that it starts for the LibTorch commands).
for bin in "$KILN" "$(dirname "$KILN")/kiln-torch"; do
  name=$(basename "$bin")
  trace=$(LD_TRACE_LOADED_OBJECTS=1 "$bin" 2>&1)
  # shellcheck disable=SC2016  # $1 is the inner shell's
  check "$name: the loader resolves every library" bash -c '! grep -q "not found" <<<"$1"' _ "$trace"
  paths=$(awk '$2 == "=>" { print $3 } $2 != "=>" && $1 ~ /^\// { print $1 }' <<<"$trace")
  n=$(grep -c '' <<<"$paths")
  check "$name: at least 20 libraries traced (got $n)" test "$n" -ge 20
  bad=
  for p in $paths; do inside_root "$p" || bad+=" $p"; done
  check "$name: every library at start from the root:${bad:- yes}" test -z "$bad"
done
# shellcheck disable=SC2016
check "OpenBLAS is LibTorch's BLAS (alternatives followed inside the root)" \
  bash -c 'grep -E "libblas\.so\.3 => [^ ]*openblas" <<<"$1" >/dev/null' _ "$trace"

# What a run opens later (dlopen), as the loader reports it: doctor (kiln-torch, through the
# hand-off) starts ONNX Runtime and LibTorch.
LD_DEBUG=files LD_DEBUG_OUTPUT="$WORK/lddebug" "$KILN" doctor >/dev/null 2>&1
check "doctor runs chroot-free" test $? -eq 0
inits=$(cat "$WORK"/lddebug.* 2>/dev/null | sed -n 's/.*calling init: //p' | sort -u)
n=$(grep -c '' <<<"$inits")
check "the loader initialised at least 20 objects (got $n)" test "$n" -ge 20
bad=
for p in $inits; do inside_root "$p" || bad+=" $p"; done
check "every object initialised during doctor from the root:${bad:- yes}" test -z "$bad"

# Data files of Debian 13 packages through the configured prefix.
info=$(KILN_DATA_DIR='' "$KILN" data info --dataset fashion-mnist 2>&1)
check "fashion-mnist found in the root: $(head -1 <<<"$info")" grep -q 'train     60000 images' <<<"$info"
finish
