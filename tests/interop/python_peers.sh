#!/usr/bin/env bash
# Interop with the Python flow users have today (python3-torch / onnxruntime from the toolchain):
# - Python's torch.jit.load reads kiln's INT8 file and agrees with kiln's FP32 on the argmax;
# - Python's quantize_dynamic + script makes a module kiln exports and ONNX Runtime matches;
# - torch.onnx.export of the same model and kiln's export both agree with LibTorch (kiln compare).
source "$(dirname "$0")/../cli/lib.sh"
HERE=$(realpath "$2")
cd "$WORK"
"$KILN" freeze --model simple_cnn --seed 4 --dataset none --out f >/dev/null
"$KILN" quantize f/model_scripted.pt -o int8.pt >/dev/null
check "python loads kiln's INT8 module" python3 "$HERE/python_peers.py" kiln-int8 f/model_scripted.pt int8.pt
check "python quantize_dynamic + script" python3 "$HERE/python_peers.py" python-int8 f/model_scripted.pt py_int8.pt
"$KILN" export py_int8.pt -o py_int8.onnx >/dev/null
check "kiln exports Python's INT8 module" test -s py_int8.onnx
check "ORT matches Python's INT8 module (E ≤ 1e-3)" "$KILN" compare py_int8.pt py_int8.onnx --dataset none
check "torch.onnx.export (peer exporter)" python3 "$HERE/python_peers.py" torch-onnx-export f/model_scripted.pt peer.onnx
"$KILN" export f/model_scripted.pt -o kiln.onnx >/dev/null
check "peer ONNX matches LibTorch" "$KILN" compare f/model_scripted.pt peer.onnx --dataset none --max-mae 1e-6
check "kiln ONNX matches LibTorch" "$KILN" compare f/model_scripted.pt kiln.onnx --dataset none --max-mae 1e-6
finish
