#!/usr/bin/env bash
# Two binaries (docs/architecture.md): `kiln` links no LibTorch and runs data, optimize, compare,
# diff, quantize-onnx, convert-fp16 and validate itself; everything else — and any of those given a
# TorchScript file — it hands to kiln-torch beside it, same arguments, same one-line errors.
# What each process really maps is read from the loader (LD_DEBUG=files), not assumed.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
TORCH_BIN=$(dirname "$KILN")/kiln-torch
check "kiln-torch is built beside kiln" test -x "$TORCH_BIN"

# The loader's view at start: no LibTorch, no OpenMP, no OpenBLAS in kiln; LibTorch in kiln-torch.
trace=$(LD_TRACE_LOADED_OBJECTS=1 "$KILN" 2>&1)
check "kiln needs ONNX Runtime" grep -q 'libonnxruntime' <<<"$trace"
check "kiln needs no LibTorch, libgomp or OpenBLAS at start" \
  bash -c '! grep -Eq "libtorch|libc10|libgomp|openblas" <<<"$1"' _ "$trace"
check "kiln-torch needs LibTorch" bash -c 'LD_TRACE_LOADED_OBJECTS=1 "$1" 2>&1 | grep -q libtorch_cpu' _ "$TORCH_BIN"

# loaded NAME ARGS...: run kiln under LD_DEBUG and list every object the loader initialised.
loaded() {
  local name=$1
  shift
  rm -f "$WORK/ld.$name".*
  LD_DEBUG=files LD_DEBUG_OUTPUT="$WORK/ld.$name" "$KILN" "$@" >"$WORK/out.$name" 2>&1
  echo $? >"$WORK/rc.$name"
}
no_torch_in() { ! cat "$WORK/ld.$1".* | grep -q 'calling init: .*libtorch'; }
torch_in() { cat "$WORK/ld.$1".* | grep -q 'calling init: .*libtorch_cpu'; }

loaded version --version
check "--version answers" grep -qE '^[0-9]+\.[0-9]+' "$WORK/out.version"
check "--version loads no LibTorch" no_torch_in version

# A model and an artifact to work on (freeze, export and pack are handed to kiln-torch).
loaded freeze freeze --model mlp --dataset none --out frozen
check "freeze is handed off and loads LibTorch" torch_in freeze
check "freeze wrote the TorchScript files" test -s frozen/model_scripted.pt
"$KILN" export frozen/model_scripted.pt -o model.onnx >/dev/null 2>&1
loaded optimize optimize model.onnx -o model_opt.onnx
check "optimize runs in kiln: rc 0, no LibTorch" bash -c '[[ $(cat rc.optimize) == 0 ]]' && check "optimize loads no LibTorch" no_torch_in optimize
"$KILN" pack --model model_opt.onnx --reference model.onnx --name mlp --dataset none --out art >/dev/null 2>&1
check "pack (kiln-torch) wrote the artifact" test -s art/metadata.yaml

loaded validate validate art
check "validate runs in kiln and passes" bash -c '[[ $(cat rc.validate) == 0 ]]'
check "validate loads no LibTorch" no_torch_in validate
loaded validate_onnx validate art --reference model.onnx
check "validate against an ONNX reference: passes, no LibTorch" \
  bash -c '[[ $(cat rc.validate_onnx) == 0 ]] && ! cat ld.validate_onnx.* | grep -q "calling init: .*libtorch"'
loaded validate_pt validate art --reference frozen/model_scripted.pt
check "validate against a TorchScript reference is handed off: passes, LibTorch loaded" \
  bash -c '[[ $(cat rc.validate_pt) == 0 ]]' && check "… and LibTorch was loaded" torch_in validate_pt
check "… with the reference check in its report" grep -q 'reference' "$WORK/out.validate_pt"

loaded compare_onnx compare model.onnx model_opt.onnx --samples 0
check "compare ONNX vs ONNX in kiln: rc 0" bash -c '[[ $(cat rc.compare_onnx) == 0 ]]' && check "… no LibTorch" no_torch_in compare_onnx
loaded compare_pt compare frozen/model_scripted.pt model.onnx --samples 0
check "compare .pt vs ONNX is handed off: rc 0" bash -c '[[ $(cat rc.compare_pt) == 0 ]]' && check "… LibTorch loaded" torch_in compare_pt
loaded diff_onnx diff model.onnx model_opt.onnx --dataset none --samples 1
check "diff ONNX vs ONNX in kiln: rc 0" bash -c '[[ $(cat rc.diff_onnx) == 0 ]]' && check "… no LibTorch" no_torch_in diff_onnx

# Same errors either side of the hand-off: one line, the right code.
expect_exact 2 "kiln: error: unknown command 'frobnicate' (see kiln --help)" -- frobnicate
expect 1 "^kiln: error: .*nowhere.pt" -- export nowhere.pt -o x.onnx
expect 1 "^kiln: error: .*no such file" -- optimize nowhere.onnx -o x.onnx
check "kiln --help (kiln-torch's) lists every command" \
  bash -c '"$1" --help | grep -q "train" && "$1" --help | grep -q "validate"' _ "$KILN"
# kiln-torch missing: a one-line error naming it, exit 1; kiln's own commands still run.
mkdir alone && cp "$KILN" alone/kiln
KILN=$WORK/alone/kiln
expect 1 "^kiln: error: cannot start .*/alone/kiln-torch: No such file or directory" -- train --model mlp --out t
expect 1 "^kiln: error: cannot start .*/alone/kiln-torch" -- validate "$WORK/art" --reference "$WORK/frozen/model_scripted.pt"
check "kiln alone still validates an artifact" bash -c '"$1" validate "$2" >/dev/null' _ "$KILN" "$WORK/art"
finish
