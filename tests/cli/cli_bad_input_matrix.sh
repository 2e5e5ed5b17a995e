#!/usr/bin/env bash
# The bad-input matrix: every subcommand × {missing path, directory instead of file, empty file,
# truncated file, random bytes, wrong dtype, wrong shape, NaN/Inf, absurdly large declared
# dimensions, unwritable output}, where the case applies. Each case must:
#   - exit 1 (bad input) or 2 (bad usage), within CPU_S seconds of CPU time (wall clock: WALL_S,
#     generous, as a shared machine may starve the test) and MEM_KB of address space;
#   - print exactly one error line, `kiln: error: …` naming the problem, as the last stderr line
#     (the only other stderr lines allowed are kiln's own `COMMAND: …` progress lines, e.g. bench);
#   - print no crash text (terminate called, Aborted, stack traces, sanitizer reports);
#   - leave no output: the case's output path does not exist, no staging/temporary files remain.
# Not applicable, and why: doctor reads no user file (it reports a broken KILN_DATA_DIR folder
# rather than failing); NaN/Inf cannot be expressed
# in IDX (uint8) or a TorchScript archive kiln checks; optimize/bench of a NaN, int64 or odd-shaped
# model is legitimate work, not an error.
source "$(dirname "$0")/lib.sh"
FUZZ_CORPUS=$(cd "$(dirname "$0")/../fuzz/corpus" && pwd)
CPU_S=${KILN_MATRIX_CPU_S:-60}
WALL_S=${KILN_MATRIX_WALL_S:-600}
MEM_KB=${KILN_MATRIX_MEM_KB:-6291456}  # 6 GiB: LibTorch + ONNX Runtime map ~1 GiB before any work
cd "$WORK" || exit 1

# bad ID RC_RE PATTERN OUT -- ARGS...: one matrix cell. OUT ('-' for none) must not exist afterwards.
bad() {
  local id=$1 rc_re=$2 pattern=$3 out=$4
  shift 5
  local err rc
  err=$( (ulimit -v "$MEM_KB" -t "$CPU_S"; timeout "$WALL_S" "$KILN" "$@") 2>&1 >/dev/null)
  rc=$?
  local last errors other crash
  last=$(printf '%s\n' "$err" | tail -n 1)
  errors=$(printf '%s\n' "$err" | grep -c '^kiln: error: ' || true)
  other=$(printf '%s\n' "$err" | grep -v '^kiln: error: ' | grep -vE '^\[[0-9a-z_]+\] running…$' |
    grep -vcE '^[a-z][a-z_-]*: [^ ]' || true)  # progress lines: "bench: …", "[01_train] running…"
  crash=$(printf '%s\n' "$err" | grep -cE 'terminate called|Aborted|core dumped|Exception raised from|Traceback|Sanitizer|frame #|Schema error' || true)
  local why=""
  [[ $rc =~ ^($rc_re)$ ]] || why+="exit $rc (want $rc_re); "
  [[ $errors == 1 && $last =~ ^kiln:\ error:\ .*($pattern) ]] || why+="error line '$last' (want one, matching '$pattern'); "
  [[ $other == 0 && $crash == 0 ]] || why+="other stderr lines: $(printf '%s' "$err" | grep -v '^kiln: error: ' | head -3 | tr '\n' '|'); "
  [[ $out == - || ! -e $out ]] || why+="left $out behind; "
  local debris
  debris=$(find "$WORK" -name '.*.partial' -o -name '.*.tmp' -o -name '.*.old' | head -3)
  [[ -z $debris ]] || why+="left staging files: $debris; "
  if [[ -n $why ]]; then
    echo "FAIL [$id] kiln $*: $why"
    FAILS=$((FAILS + 1))
    find "$WORK" \( -name '.*.partial' -o -name '.*.tmp' -o -name '.*.old' \) -exec rm -rf {} + 2>/dev/null
  else
    PASSES=$((PASSES + 1))
  fi
}

# --- fixtures -----------------------------------------------------------------------------------
shared_models mlp frozen  # mlp, random weights: frozen and exported
cp frozen/model.onnx good.onnx
cp frozen/model_scripted.pt good.pt
"$KILN" pack --model good.onnx --reference good.pt --dataset none --name mlp --out art >/dev/null 2>&1
check "fixtures: a frozen model, its ONNX export and an artifact" test -s good.pt -a -s good.onnx -a -s art/metadata.yaml
mkdir -p adir
echo "a file, not a folder" >afile
for ext in onnx pt; do
  : >"empty.$ext"
  head -c 4096 /dev/urandom >"random.$ext"
done
head -c "$(($(stat -c %s good.onnx) / 2))" good.onnx >trunc.onnx
head -c "$(($(stat -c %s good.pt) / 2))" good.pt >trunc.pt

# ONNX models that are well-formed but wrong for kiln's inputs, and tensors for the artifact.
python3 - <<'PY'
import numpy as np, onnx
from onnx import TensorProto, helper, numpy_helper

def model(nodes, inputs, outputs, inits=()):
    g = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])

vi = helper.make_tensor_value_info
# wrong dtype: int64 input
onnx.save(model([helper.make_node("Cast", ["x"], ["y"], to=TensorProto.FLOAT)],
                [vi("x", TensorProto.INT64, ["N", 1, 28, 28])], [vi("y", TensorProto.FLOAT, ["N", 1, 28, 28])]),
          "int_input.onnx")
# wrong shape: N x 3 x 32 x 32
onnx.save(model([helper.make_node("Relu", ["x"], ["y"])],
                [vi("x", TensorProto.FLOAT, ["N", 3, 32, 32])], [vi("y", TensorProto.FLOAT, ["N", 3, 32, 32])]),
          "shape3x32.onnx")
# NaN weights in the real model
m = onnx.load("good.onnx")
w = numpy_helper.to_array(m.graph.initializer[0]).copy()
w.flat[:] = np.nan
m.graph.initializer[0].CopyFrom(numpy_helper.from_array(w, m.graph.initializer[0].name))
onnx.save(m, "nan.onnx")
# absurd declared dimensions: an input of 10^15 floats; an initializer of 2^40 floats holding 16 bytes
onnx.save(model([helper.make_node("Relu", ["x"], ["y"])],
                [vi("x", TensorProto.FLOAT, [100000, 100000, 100000])], [vi("y", TensorProto.FLOAT, [100000, 100000, 100000])]),
          "huge_input.onnx")
t = TensorProto(name="W", data_type=TensorProto.FLOAT, dims=[1 << 20, 1 << 20], raw_data=b"\0" * 16)
onnx.save(model([helper.make_node("Add", ["x", "W"], ["y"])],
                [vi("x", TensorProto.FLOAT, ["N", 1])], [vi("y", TensorProto.FLOAT, ["N", 1 << 20])], [t]),
          "huge_init.onnx")
# external data outside the model's folder
for name, loc in (("abs_external.onnx", "/etc/passwd"), ("dotdot_external.onnx", "../../../../etc/passwd")):
    t = TensorProto(name="W", data_type=TensorProto.FLOAT, dims=[4], data_location=TensorProto.EXTERNAL)
    e = t.external_data.add()
    e.key, e.value = "location", loc
    onnx.save(model([helper.make_node("Add", ["x", "W"], ["y"])],
                    [vi("x", TensorProto.FLOAT, ["N", 4])], [vi("y", TensorProto.FLOAT, ["N", 4])], [t]), name)
# golden inputs for the artifact: wrong dtype, wrong shape, NaN, absurd dims
g = onnx.load_tensor("art/test_data_set_0/input_0.pb")
x = numpy_helper.to_array(g)
onnx.save_tensor(numpy_helper.from_array(x.astype(np.int64), g.name), "golden_int64.pb")
onnx.save_tensor(numpy_helper.from_array(np.zeros((2, 3, 32, 32), np.float32), g.name), "golden_shape.pb")
x = x.copy(); x.flat[0] = np.nan; x.flat[1] = np.inf
onnx.save_tensor(numpy_helper.from_array(x, g.name), "golden_nan.pb")
onnx.save_tensor(TensorProto(name=g.name, data_type=TensorProto.FLOAT, dims=[1 << 31, 1 << 31], raw_data=b"\0" * 16),
                 "golden_huge.pb")
PY
check "fixtures: bad ONNX models and tensors" test -s nan.onnx -a -s golden_huge.pb

# IDX datasets, one broken file each (train images), the other three small and valid.
idx() {  # idx FILE TYPE RANK DIMS... : header, then the declared bytes (capped at 1 MiB)
  local f=$1 type=$2 rank=$3
  shift 3
  local n=1
  printf "\\x00\\x00\\x$type\\x$(printf %02x "$rank")" >"$f"
  for d in "$@"; do
    printf "\\x$(printf %02x $((d >> 24 & 255)))\\x$(printf %02x $((d >> 16 & 255)))\\x$(printf %02x $((d >> 8 & 255)))\\x$(printf %02x $((d & 255)))" >>"$f"
    n=$((n * d > 1048576 ? 1048576 : n * d))  # capped before it can overflow
  done
  head -c "$n" /dev/zero >>"$f"
}
dataset() {  # dataset NAME: a folder mnist-like with 16 samples
  mkdir -p "data_$1/mnist"
  idx "data_$1/mnist/train-images-idx3-ubyte" 08 3 16 28 28
  idx "data_$1/mnist/train-labels-idx1-ubyte" 08 1 16
  idx "data_$1/mnist/t10k-images-idx3-ubyte" 08 3 16 28 28
  idx "data_$1/mnist/t10k-labels-idx1-ubyte" 08 1 16
  echo "data_$1/mnist/train-images-idx3-ubyte"
}
f=$(dataset empty) && : >"$f"
f=$(dataset trunc) && head -c 5000 "$f" >"$f.x" && mv "$f.x" "$f"
f=$(dataset random) && head -c 12560 /dev/urandom >"$f"
f=$(dataset dtype) && idx "$f" 0d 3 16 28 28         # float32 elements
f=$(dataset shape) && idx "$f" 08 2 16 784            # rank 2, not 3
f=$(dataset huge) && idx "$f" 08 3 4294967295 65535 65535
f=$(dataset missing) && rm "$f"                       # not a fallback to the bundled copy
f=$(dataset dir) && rm "$f" && mkdir "$f"

# artifact variants: the file replaced and its hash updated, so the check under test is reached
variant() {  # variant NAME FILE SOURCE: copy of art/ with FILE replaced by SOURCE (hash updated)
  rm -rf "$1" && cp -r art "$1"
  local old new
  old=$(sha256sum "art/$2" | cut -d' ' -f1)
  if [[ -d $3 ]]; then rm -f "$1/$2" && mkdir "$1/$2"; else cp "$3" "$1/$2"; fi
  new=$(sha256sum "$1/$2" 2>/dev/null | cut -d' ' -f1)
  sed -i "s/$old/${new:-$old}/" "$1/metadata.yaml"
}
variant art_trunc model_opt.onnx trunc.onnx
variant art_random_meta metadata.yaml random.onnx
variant art_empty_model model_opt.onnx empty.onnx
variant art_dir_model model_opt.onnx adir
variant art_int64 test_data_set_0/input_0.pb golden_int64.pb
variant art_shape test_data_set_0/input_0.pb golden_shape.pb
variant art_nan test_data_set_0/input_0.pb golden_nan.pb
variant art_huge test_data_set_0/input_0.pb golden_huge.pb
variant art_external model_opt.onnx abs_external.onnx
# A TorchScript archive disguised as the model: validate must not hand it to LibTorch.
variant art_pt model_opt.onnx good.pt
mkdir -p art_emptydir

# Issue 33 fixtures: hostile metadata, NaN/Inf/empty golden data, nested subgraphs, a 100k chain,
# bad best.json files, empty calibration batches, a TorchScript op no library provides.
meta_variant() {  # meta_variant NAME PYTHON-EXPR: a copy of art/ whose metadata.yaml text is EXPR(text)
  rm -rf "$1" && cp -r art "$1"
  python3 - "$1/metadata.yaml" "$2" <<'PY'
import sys
p, expr = sys.argv[1], sys.argv[2]
text = open(p, encoding="utf-8").read()
open(p, "w", encoding="utf-8").write(eval(expr, {"text": text}))
PY
}
meta_variant art_alias 'text + "rec: &r\n  self: *r\n"'
meta_variant art_bomb 'text + "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "\n".join("a%d: &a%d [%s]" % (i, i, ", ".join(["*a%d" % (i - 1)] * 9)) for i in range(1, 9)) + "\n"'
meta_variant art_deep 'text + "deep: " + "[" * 5000 + "]" * 5000 + "\n"'
python3 - <<'PY'
import hashlib, re, shutil
import numpy as np, onnx
from onnx import TensorProto, helper, numpy_helper

def rehash(folder, rel):
    p = f"{folder}/metadata.yaml"
    digest = hashlib.sha256(open(f"{folder}/{rel}", "rb").read()).hexdigest()
    text = re.sub(rf"(\n  {re.escape(rel)}: )[0-9a-f]{{64}}", lambda m: m.group(1) + digest, open(p).read())
    open(p, "w").write(text)

def golden_variant(name, change):
    shutil.copytree("art", name)
    for rel in ("test_data_set_0/input_0.pb", "test_data_set_0/output_0.pb"):
        t = onnx.load_tensor(f"{name}/{rel}")
        x = change(rel, numpy_helper.to_array(t))
        if x is not None:
            onnx.save_tensor(numpy_helper.from_array(x, t.name), f"{name}/{rel}")
            rehash(name, rel)

golden_variant("art_nan_out", lambda rel, x: np.full_like(x, np.nan) if "output" in rel else None)
golden_variant("art_inf_out", lambda rel, x: np.full_like(x, np.inf) if "output" in rel else None)
golden_variant("art_batch0", lambda rel, x: x[:0])

# nested If subgraphs, 24 deep (ONNX Runtime's session creation doubles per level)
def leaf(out):
    return helper.make_graph([helper.make_node("Identity", ["x"], [out])], out + "_g", [],
                             [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)])
inner = leaf("l0")
for level in range(1, 24):
    out = f"o{level}"
    inner = helper.make_graph([helper.make_node("If", ["c"], [out], then_branch=inner, else_branch=leaf(out + "_e"))],
                              f"level{level}", [], [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)])
g = helper.make_graph([helper.make_node("If", ["c"], ["y"], then_branch=inner, else_branch=leaf("y_e"))], "nested",
                      [helper.make_tensor_value_info("c", TensorProto.BOOL, []),
                       helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), "nested_if.onnx")
shutil.copytree("art", "art_nested")
shutil.copy("nested_if.onnx", "art_nested/model_opt.onnx")
rehash("art_nested", "model_opt.onnx")

# best.json files a user (or an attacker) could hand to bench --config
def best(threads):
    return '{"best": {"latency": {"options": {"intra_op_threads": %s, "optimization": "all", "provider": "cpu", "allow_spinning": true}}}}' % threads
open("best_threads.json", "w").write(best("100000"))
open("best_1e12.json", "w").write(best("1e12"))
open("best_list.json", "w").write("[1, 2, 3]")
open("best_type.json", "w").write('{"best": [1]}')

# empty calibration batches: a folder with one .pb of 0 samples
import os
os.makedirs("calib_empty", exist_ok=True)
onnx.save_tensor(numpy_helper.from_array(np.zeros((0, 1, 28, 28), np.float32), "x"), "calib_empty/batch_0.pb")
PY
mkdir -p notes_dir && echo "my notes" >notes_dir/notes.txt && echo "a file" >out_file
# A TorchScript function calling an op that no loaded library provides (LibTorch's message for it
# starts with an empty line).
# (a file: torch.jit.script reads the class's source, which stdin does not keep)
cat >unknown_op.py <<'PY'
import torch
torch.library.define("evilns::boom", "(Tensor x) -> Tensor")
torch.library.impl("evilns::boom", "cpu", lambda x: x)
class M(torch.nn.Module):
    def forward(self, x):
        return torch.ops.evilns.boom(x)
torch.jit.script(M()).save("unknown_op.pt")
PY
python3 unknown_op.py
check "fixtures: issue 33 cases" test -s art_nested/model_opt.onnx -a -s best_list.json -a -s unknown_op.pt \
  -a -s calib_empty/batch_0.pb -a -d art_batch0

# --- the matrix -----------------------------------------------------------------------------
# data info (and train below) read KILN_DATA_DIR
for c in empty:'empty file' trunc:'truncated' random:'not an IDX file|element type|declares' \
  dtype:'element type 0x0d' shape:'declares 2 dimensions' huge:'absurdly large' \
  missing:'no train-images-idx3-ubyte\[\.gz\] file' dir:'train-images-idx3-ubyte: is a directory'; do
  KILN_DATA_DIR=$WORK/data_${c%%:*} bad "data/${c%%:*}" 1 "${c#*:}" - -- data info --dataset mnist
  KILN_DATA_DIR=$WORK/data_${c%%:*} bad "train/${c%%:*}" 1 "${c#*:}" "t_${c%%:*}" -- train --model mlp --epochs 1 \
    --train-limit 16 --out "t_${c%%:*}"
done
bad train/unwritable 1 'afile' - -- train --model mlp --epochs 1 --train-limit 16 --out afile/t

# TorchScript inputs: freeze, export, quantize, precision, compare (reference)
# (a file that is not a zip archive is tried as ONNX where ONNX is accepted: protobuf says why)
for c in missing:'no such file|not found' dir:'is a directory' empty:'empty|not a TorchScript' \
  trunc:'not a TorchScript|truncated|cannot' random:'not a TorchScript|protobuf parsing failed'; do
  case=${c%%:*} re=${c#*:}
  src=$case.pt
  [[ $case == missing ]] && src=nowhere.pt
  [[ $case == dir ]] && src=adir
  bad "freeze/$case" 1 "$re" "f_$case" -- freeze --torchscript "$src" --input-shape 1x1x28x28 --out "f_$case"
  bad "export/$case" 1 "$re" "e_$case.onnx" -- export "$src" -o "e_$case.onnx"
  bad "quantize/$case" 1 "$re" "q_$case.pt" -- quantize "$src" -o "q_$case.pt"
  bad "precision/$case" 1 "$re" "p_$case" -- precision "$src" --dataset none --runs 2 --warmup 1 --out "p_$case"
  bad "precision-int8/$case" 1 "$re" "pi_$case" -- precision good.pt --int8 "$src" --dataset none --runs 2 --warmup 1 --out "pi_$case"
  bad "pack-reference/$case" 1 "$re" "a_ref_$case" -- pack --model good.onnx --reference "$src" --dataset none --out "a_ref_$case"
  bad "validate-reference/$case" 1 "$re" - -- validate art --reference "$src"
done
bad freeze/shape 1 'rejects input shape' f_shape -- freeze --model mlp --dataset none --input-shape 1x3x32x32 --out f_shape
bad freeze/huge 1 'too large|rejects' f_huge -- freeze --model mlp --dataset none --input-shape 100000x100000x100000 --out f_huge
bad freeze/unwritable 1 'afile' - -- freeze --model mlp --dataset none --out afile/f
bad export/shape 1 'rejects input shape' e_shape.onnx -- export good.pt --input-shape 1x3x32x32 -o e_shape.onnx
bad export/huge 1 'too large|rejects' e_huge.onnx -- export good.pt --input-shape 100000x100000x100000 -o e_huge.onnx
# --input specs: malformed is a usage error naming the flag; a wrong count or dtype is the model's
bad export/spec-dtype 2 "--input: input spec 'x:complex64:1x1x28x28': dtype 'complex64'" e_spec.onnx -- export good.pt --input x:complex64:1x1x28x28 -o e_spec.onnx
bad export/spec-form 2 "--input: input spec 'x:1x1x28x28' is not NAME:DTYPE:DIMS" e_spec.onnx -- export good.pt --input x:1x1x28x28 -o e_spec.onnx
bad export/spec-size 2 "--input: .*size '0' is not a positive integer" e_spec.onnx -- export good.pt --input x:float32:batch=0x1x28x28 -o e_spec.onnx
bad export/spec-twice 2 "input 'x' is declared twice" e_spec.onnx -- export good.pt --input x:float32:1x1x28x28 --input x:float32:1x1x28x28 -o e_spec.onnx
bad export/spec-count 1 "forward takes 1 inputs; 2 declared" e_spec.onnx -- export good.pt --input a:float32:1x1x28x28 --input b:float32:1x1x28x28 -o e_spec.onnx
bad export/spec-int 1 "rejects input shape 1x1x28x28" e_spec.onnx -- export good.pt --input x:int64:1x1x28x28 -o e_spec.onnx
bad export/check-no-out 2 "-o/--out is required \\(or --check\\)" - -- export good.pt
bad compare/spec 2 "--input: input spec" - -- compare good.pt good.onnx --input x:float32:1xbatch
bad export/unwritable 1 'afile' - -- export good.pt -o afile/e.onnx
bad quantize/unwritable 1 'afile' - -- quantize good.pt -o afile/q.pt
bad precision/shape 1 'rejects input shape' p_shape -- precision good.pt --dataset none --runs 2 --warmup 1 --input-shape 1x3x32x32 --out p_shape
bad precision/huge 1 'too large|rejects' p_huge -- precision good.pt --dataset none --runs 2 --warmup 1 --input-shape 100000x100000x100000 --out p_huge
bad precision/unwritable 1 'afile' - -- precision good.pt --dataset none --runs 2 --warmup 1 --out afile/p

# ONNX inputs: compare (target), optimize, bench, pack
for c in missing:'no such file' dir:'is a directory' empty:'empty file' trunc:'not an ONNX model|protobuf parsing failed' \
  random:'not an ONNX model|protobuf parsing failed' dtype:'expects int64|does not take the inputs.*int64' shape:'expects float32 Nx3x32x32|rejects input shape' \
  nan:'NaN' huge_input:'needs more than' huge_init:'needs more than' abs_external:'absolute external data' \
  dotdot_external:'outside the model' einsum:'has rank 2 but its term' stride0:'has stride 0'; do
  case=${c%%:*} re=${c#*:}
  src=$case.onnx
  case $case in
    missing) src=nowhere.onnx ;;
    einsum) src=$FUZZ_CORPUS/onnx_model/einsum-term-longer-than-rank.onnx ;;  # crashed ONNX 1.17's inference
    stride0) src=$FUZZ_CORPUS/onnx_model/conv-stride-0.onnx ;;  # SIGFPE in ONNX 1.17's inference
    dir) src=adir ;;
    dtype) src=int_input.onnx ;;
    shape) src=shape3x32.onnx ;;
  esac
  # A comparison that ran and failed (NaN) writes its complete report: that is output, not debris.
  report=c_$case.json
  [[ $case == nan ]] && report=-
  bad "compare/$case" 1 "$re" "$report" -- compare good.onnx "$src" --samples 8 --dataset none --report "c_$case.json"
  bad "pack/$case" 1 "$re" "a_$case" -- pack --model "$src" --reference good.pt --dataset none --out "a_$case"
  if [[ ! $case =~ ^(dtype|shape|nan)$ ]]; then  # optimizing or timing such models is legitimate
    bad "optimize/$case" 1 "$re" "o_$case.onnx" -- optimize "$src" -o "o_$case.onnx"
    bad "bench/$case" 1 "$re" "b_$case.md" -- bench "$src" --runs 2 --warmup 1 --batch 1 --no-sgemm --out "b_$case.md"
  fi
done
bad compare/unwritable 1 'afile' - -- compare good.onnx good.onnx --samples 8 --dataset none --report afile/c.json
bad optimize/unwritable 1 'afile' - -- optimize good.onnx -o afile/o.onnx
bad bench/shape 1 'input shape|expects' b_shape.md -- bench good.onnx shape3x32.onnx --runs 2 --warmup 1 --batch 1 --no-sgemm --out b_shape.md
bad bench/unwritable 1 'afile' - -- bench good.onnx --runs 2 --warmup 1 --batch 1 --no-sgemm --out afile/b.md
bad pack/unwritable 1 'afile' - -- pack --model good.onnx --reference good.pt --dataset none --out afile/a

# validate: the artifact folder and what is inside it
bad validate/missing 1 'not an artifact folder' - -- validate nowhere
bad validate/file 1 'not an artifact folder' - -- validate afile
bad validate/empty 1 'metadata' - -- validate art_emptydir
bad validate/dir 1 'model_opt.onnx' - -- validate art_dir_model
bad validate/empty_model 1 'model_opt.onnx|empty' - -- validate art_empty_model
bad validate/trunc 1 'not an ONNX model' - -- validate art_trunc
bad validate/random 1 'metadata' - -- validate art_random_meta
bad validate/dtype 1 'golden: .*int64|golden: .*expects float32' - -- validate art_int64
bad validate/shape 1 'golden: .*3x32x32' - -- validate art_shape
bad validate/nan 1 'golden: .*NaN' - -- validate art_nan
bad validate/huge 1 'golden: .*needs more than' - -- validate art_huge
bad validate/external 1 'external_data: .*absolute' - -- validate art_external
bad validate/torchscript 1 'onnx_checker: model_opt.onnx: not an ONNX model' - -- validate art_pt
bad validate/unwritable 1 'afile' - -- validate art --junit afile/j.xml

# Issue 33: hostile metadata, NaN/Inf/empty golden data, bounds given as -1 or nan, nested subgraphs
bad validate/alias 1 'metadata: .*YAML anchors \(&r\) are not allowed' - -- validate art_alias
bad validate/alias-bomb 1 'metadata: .*YAML anchors \(&a0\) are not allowed' - -- validate art_bomb
bad validate/deep 1 'metadata: .*nested deeper than 32 levels' - -- validate art_deep
bad validate/nan-golden 1 'golden: NaN/Inf values: [0-9]+ in the golden outputs, 0 in the model' - -- validate art_nan_out
bad validate/inf-golden 1 'golden: NaN/Inf values: [0-9]+ in the golden outputs' - -- validate art_inf_out
bad validate/batch0 1 'golden: 1 of [0-9]+ outputs have no elements' - -- validate art_batch0
bad validate/nested-if 1 'external_data: model_opt.onnx: node .* nested more than 12 deep' - -- validate art_nested
bad validate/max-mae-negative 2 '--max-mae must be non-negative' - -- validate art --max-mae -1
bad validate/max-mae-nan 2 '--max-mae must be non-negative' - -- validate art --max-mae nan
bad validate/max-drop-negative 2 '--max-accuracy-drop must be non-negative' - -- validate art --max-accuracy-drop -5
bad optimize/nested-if 1 'nested_if.onnx: node .* nested more than 12 deep' o_nested.onnx -- optimize nested_if.onnx -o o_nested.onnx
bad compare/nested-if 1 'nested more than 12 deep' - -- compare good.onnx nested_if.onnx --dataset none
bad compare/wrong-input-name 1 "--input 'wrong': good.onnx has no input of that name" - -- compare good.onnx good.onnx --input wrong:float32:N=2/3x1x28x28
bad compare/atol-negative 2 '--atol must be non-negative' - -- compare good.onnx good.onnx --dataset none --atol -1
bad diff/rtol-nan 2 '--rtol must be non-negative' - -- diff good.onnx good.onnx --rtol nan
bad bench/threads 2 '--threads must be at most [0-9]+ \(4 × the [0-9]+ logical cores here\), not 100000' b_thr.md -- bench good.onnx --threads 100000 --runs 2 --warmup 1 --batch 1 --no-sgemm --out b_thr.md
bad bench/config-threads 1 'best_threads.json \(best.latency\): intra_op_threads 100000 is more than' b_cfg.md -- bench good.onnx --config best_threads.json --runs 2 --warmup 1 --batch 1 --no-sgemm --out b_cfg.md
bad bench/config-1e12 1 "best_1e12.json \(best.latency\): 'intra_op_threads' must be an integer, not number" b_cfg.md -- bench good.onnx --config best_1e12.json --runs 2 --warmup 1 --batch 1 --no-sgemm --out b_cfg.md
bad bench/config-list 1 'best_list.json: a JSON array, not an object' b_cfg.md -- bench good.onnx --config best_list.json --runs 2 --warmup 1 --batch 1 --no-sgemm --out b_cfg.md
bad bench/config-type 1 "best_type.json: no 'best.latency' configuration" b_cfg.md -- bench good.onnx --config best_type.json --runs 2 --warmup 1 --batch 1 --no-sgemm --out b_cfg.md
bad quantize-onnx/calib-empty 1 'batch_0.pb: an empty (calibration )?batch' qo_empty.onnx -- quantize-onnx good.onnx --calibrate calib_empty -o qo_empty.onnx
bad convert-fp16/calib-empty 1 'batch_0.pb: an empty (calibration )?batch' f16_empty.onnx -- convert-fp16 good.onnx --calibrate calib_empty -o f16_empty.onnx
# Never destroy what kiln did not make: pack --out refuses a folder that is not an artifact, a file
bad pack/out-not-artifact 1 'notes_dir is not a kiln artifact \(no metadata.yaml\)' - -- pack --model good.onnx --reference good.pt --dataset none --out notes_dir
bad pack/out-file 1 'out_file exists and is not a folder' - -- pack --model good.onnx --reference good.pt --dataset none --out out_file
check "pack --out left the user's folder and file alone" grep -qx 'my notes' notes_dir/notes.txt
check "pack --out left the user's file alone" grep -qx 'a file' out_file
# Outputs and reports land together: an unwritable report leaves no model behind
bad optimize/report-unwritable 1 'afile' o_rep.onnx -- optimize good.onnx -o o_rep.onnx --report afile/r.json
bad export/report-unwritable 1 'afile' e_rep.onnx -- export good.pt -o e_rep.onnx --report afile/r.json
# The first line with text of LibTorch's message, naming the op and its namespace
bad export/unknown-op 1 "unknown_op.pt: the model calls evilns::boom, which no loaded op library provides \(pass the library that registers 'evilns' ops" e_unk.onnx -- export unknown_op.pt -o e_unk.onnx
# SIGTERM and SIGINT end kiln by the signal and leave no temporary file or staging folder
python3 - "$KILN" <<'PY' >signal.txt 2>&1
import os, signal, subprocess, sys, time
from onnx import TensorProto, helper
import onnx
n = 100000
nodes = [helper.make_node("Relu", ["X"], ["v0"])] + [helper.make_node("Identity", [f"v{i}"], [f"v{i + 1}"]) for i in range(n)]
nodes.append(helper.make_node("Identity", [f"v{n}"], ["Y"]))
g = helper.make_graph(nodes, "chain", [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", 4])],
                      [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["N", 4])])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), "chain.onnx")
for sig in (signal.SIGTERM, signal.SIGINT):
    os.makedirs("sig", exist_ok=True)
    # (SIGINT back to its default first: a shell may have started this script with it ignored)
    p = subprocess.Popen([sys.argv[1], "optimize", "chain.onnx", "-o", "sig/o.onnx", "--report", "sig/r.json"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 60
    while time.time() < deadline and not any(f.endswith(".tmp") for f in os.listdir("sig")):
        time.sleep(0.05)
    p.send_signal(sig)
    rc = p.wait()
    left = os.listdir("sig")
    print(f"{signal.Signals(sig).name}: rc {rc}, left {left}")
    if rc != -sig or left:
        sys.exit(1)
PY
sig_rc=$?
check "SIGTERM/SIGINT: killed by the signal, nothing left ($(tr '\n' ' ' <signal.txt))" test "$sig_rc" -eq 0

# pipeline: unwritable run folder, a broken dataset
bad pipeline/unwritable 1 'afile' - -- pipeline --quick --out afile/run
# The training stage runs as a child `kiln train`; its one-line error (the file and the problem)
# becomes the pipeline's.
# The run folder it created is removed when no stage finished (no empty run folder left).
KILN_DATA_DIR=$WORK/data_trunc bad pipeline/trunc_dataset 1 'truncated' p_trunc -- pipeline --quick --model mlp --out p_trunc
KILN_DATA_DIR=$WORK/data_dir bad pipeline/dir_dataset 1 'train-images-idx3-ubyte: is a directory' p_dir -- pipeline --quick \
  --model mlp --out p_dir

# quantize-onnx, when this build has it
if "$KILN" --help 2>/dev/null | grep -q '^  quantize-onnx '; then
  for c in missing:'no such file' dir:'is a directory' empty:'empty file' trunc:'not an ONNX model|protobuf' \
    random:'not an ONNX model|protobuf' huge_init:'needs more than' abs_external:'absolute external data'; do
    case=${c%%:*} re=${c#*:}
    src=$case.onnx
    [[ $case == missing ]] && src=nowhere.onnx
    [[ $case == dir ]] && src=adir
    bad "quantize-onnx/$case" 1 "$re" "qo_$case.onnx" -- quantize-onnx "$src" --mode dynamic -o "qo_$case.onnx"
  done
  bad quantize-onnx/unwritable 1 'afile' - -- quantize-onnx good.onnx --mode dynamic -o afile/q.onnx
fi
finish
