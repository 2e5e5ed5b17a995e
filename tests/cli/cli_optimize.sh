#!/usr/bin/env bash
# kiln optimize as a user meets it: bad inputs give one line and exit 1 or 2 with nothing written;
# a good model is optimized, verified and written with its report.
source "$(dirname "$0")/lib.sh"

mkdir -p "$WORK/adir"
: >"$WORK/empty.onnx"
head -c 4096 /dev/urandom >"$WORK/random.onnx"
printf 'not a model at all' >"$WORK/text.onnx"

expect 1 "missing.onnx: no such file" -- optimize "$WORK/missing.onnx" -o "$WORK/out.onnx"
expect 1 "adir: is a directory" -- optimize "$WORK/adir" -o "$WORK/out.onnx"
expect 1 "empty.onnx: empty file" -- optimize "$WORK/empty.onnx" -o "$WORK/out.onnx"
expect 1 "random.onnx: not an ONNX model" -- optimize "$WORK/random.onnx" -o "$WORK/out.onnx"
expect 1 "text.onnx: not an ONNX model" -- optimize "$WORK/text.onnx" -o "$WORK/out.onnx"
expect 2 "unknown pass 'fuse_everything'" -- optimize "$WORK/random.onnx" -o "$WORK/out.onnx" --passes eliminate_identity,fuse_everything
expect 2 "--out is required \(where to write the optimized model\)" -- optimize "$WORK/random.onnx"
expect 2 "IN.onnx is required \(the ONNX model to optimize\)" -- optimize -o "$WORK/out.onnx"
expect 2 "--rtol must be a non-negative number" -- optimize "$WORK/random.onnx" -o "$WORK/out.onnx" --rtol -1
expect 2 "--passes has an empty pass name" -- optimize "$WORK/random.onnx" -o "$WORK/out.onnx" --passes eliminate_identity,,fuse_bn_into_conv
check "nothing written after failed runs" test ! -e "$WORK/out.onnx"
check "no temporary files left" bash -c "! ls -a '$WORK' | grep -q '\.tmp$'"

# --list-passes: one pass per line, name first.
list=$("$KILN" optimize --list-passes)
check "--list-passes lists 15 passes" test "$(printf '%s\n' "$list" | grep -c '')" = 15
check "--list-passes names fuse_bn_into_conv first on its line" bash -c "printf '%s\n' \"$list\" | grep -q '^fuse_bn_into_conv '"

# A Conv → BatchNormalization → Identity model written by ONNX's Python helper (interop only).
require_python onnx numpy
python3 - "$WORK/cnn.onnx" <<'PY'
import sys, numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto
rng = np.random.default_rng(0)
def init(name, shape, lo=-1, hi=1):
    return numpy_helper.from_array(rng.uniform(lo, hi, shape).astype(np.float32), name)
nodes = [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
         helper.make_node("BatchNormalization", ["c", "s", "b", "m", "v"], ["n"]),
         helper.make_node("Relu", ["n"], ["r"]),
         helper.make_node("Identity", ["r"], ["y"])]
graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2, 6, 6])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4, 6, 6])],
                          [init("w", (4, 2, 3, 3)), init("s", (4,), 0.5, 2), init("b", (4,)), init("m", (4,)),
                           init("v", (4,), 0.1, 2)])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
onnx.save(model, sys.argv[1])
PY
out=$("$KILN" optimize "$WORK/cnn.onnx" -o "$WORK/cnn_opt.onnx" --report "$WORK/report.json" 2>"$WORK/stderr")
rc=$?
check "optimize succeeds (rc=$rc)" test "$rc" = 0
check "stderr stays empty" test ! -s "$WORK/stderr"
check "output written" test -s "$WORK/cnn_opt.onnx"
check "report written" test -s "$WORK/report.json"
check "verification passed in the table" bash -c "printf '%s' \"$out\" | grep -q 'verification: .*passed'"
check "BatchNormalization gone" python3 -c "
import onnx, sys
m = onnx.load('$WORK/cnn_opt.onnx'); onnx.checker.check_model(m, full_check=True)
ops = [n.op_type for n in m.graph.node]
sys.exit(0 if ops == ['Conv', 'Relu'] and m.graph.output[0].name == 'y' else 1)"
check "report has the per-pass numbers" python3 -c "
import json, sys
r = json.load(open('$WORK/report.json'))
bn = [x for x in r['runs'] if x['pass'] == 'fuse_bn_into_conv' and x['rewrites'] == 1]
sys.exit(0 if bn and 'max_rel' in bn[0] and r['verification']['passed'] and r['after']['nodes'] == 2 else 1)"
# Verification refuses a model whose outputs moved: with tolerance 0 the fused rounding counts.
expect 1 "verification failed: output 'y'.*nothing written \(--rtol raises the bound" -- optimize "$WORK/cnn.onnx" -o "$WORK/strict.onnx" --rtol 0
check "nothing written when verification fails" test ! -e "$WORK/strict.onnx"
"$KILN" optimize "$WORK/cnn.onnx" -o "$WORK/noverify.onnx" --no-verify --passes eliminate_identity >/dev/null
check "--no-verify with one pass writes" test -s "$WORK/noverify.onnx"
finish
