#!/usr/bin/env python3
"""validate.py at parity with `kiln validate` (issue 33): both checkers run over a fresh artifact
and every corruption below, and must give the same verdict — the expected one — validate.py as FAIL
lines (never a traceback), kiln as one `kiln: error:` line naming the check. validate.py runs twice:
with every package it can use and without the optional ones (onnx, PyYAML), whose absence must not
weaken a security check.

Two artifacts are built by hand (no `kiln pack`, which makes only single-input float32 artifacts):
  float: x float32 [N,4] → Gemm → Relu → y; two golden sets.
  multi: tokens int64 [N,3] and attention_mask bool [N,3] (metadata lists inputs in kiln's key
         order, the model in its own) → tokens where masked (int64), their float sum [N,1] and the
         inverted mask (bool); integer and bool outputs compared exactly (bound 0).
Usage: validate_parity.py KILN WORKDIR VALIDATE_PY   (prints FAIL lines; exit 1 when any)
"""
import hashlib
import math
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def quiet_import(name):
    """Debian's onnxruntime prints ~570 harmless "Schema error" lines when it loads."""
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        return __import__(name)
    finally:
        os.dup2(saved, 2)
        os.close(devnull)
        os.close(saved)


ort = quiet_import("onnxruntime")
# ONNX Runtime's schema lines come again at its first session: this script reports on stdout only.
_devnull = os.open(os.devnull, os.O_WRONLY)
os.dup2(_devnull, 2)

KILN, WORK, VALIDATE_PY = sys.argv[1], sys.argv[2], sys.argv[3]
KEY_ORDER = ["schema_version", "model_name", "version", "opset", "precision", "optimization", "runtime",
             "latency_ms", "accuracy_drop"]


# ---- metadata.yaml as kiln writes it (artifact/metadata.cpp) -------------------------------------

def looks_like_non_string(s):
    if s in ("", "null", "~", "true", "false", "yes", "no"):
        return True
    try:
        float(s)
        return not s.strip() != s
    except ValueError:
        return False


def emit(value, indent=0):
    pad = " " * indent
    if isinstance(value, dict):
        keys = [k for k in KEY_ORDER if k in value] + sorted(k for k in value if k not in KEY_ORDER)
        out = []
        for k in keys:
            v = value[k]
            if isinstance(v, dict) and v:
                out.append(f"{pad}{k}:\n{emit(v, indent + 2)}")
            else:
                out.append(f"{pad}{k}: {emit(v)}")
        return "\n".join(out)
    if isinstance(value, list):
        return "[" + ", ".join(emit(v) for v in value) + "]"
    if value is None:
        return "~"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        t = repr(value)
        return t if ("." in t or "n" in t) else t.replace("e", ".0e") if "e" in t else t + ".0"
    if isinstance(value, dict):
        return "{}"
    return f'"{value}"' if looks_like_non_string(value) else value


def write_metadata(folder, meta):
    with open(os.path.join(folder, "metadata.yaml"), "w", encoding="utf-8") as f:
        f.write("# kiln artifact metadata (schema 1). Checked by kiln validate and validate.py.\n")
        f.write(emit(meta) + "\n")


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def signature(values):
    names = {1: "float32", 7: "int64", 9: "bool", 10: "float16", 11: "float64", 2: "uint8", 3: "int8",
             6: "int32", 5: "int16", 16: "bfloat16"}
    out = {}
    for v in values:
        dims = [d.dim_param if d.HasField("dim_param") else d.dim_value for d in v.type.tensor_type.shape.dim]
        out[v.name] = {"dtype": names[v.type.tensor_type.elem_type], "shape": dims}
    return out


def rehash(folder):
    meta_path = os.path.join(folder, "metadata.yaml")
    text = open(meta_path, encoding="utf-8").read()
    files = {}
    for base, _, names in os.walk(folder):
        for n in names:
            rel = os.path.relpath(os.path.join(base, n), folder)
            if rel != "metadata.yaml" and not os.path.islink(os.path.join(base, n)):
                files[rel] = sha256(os.path.join(base, n))
    # Only the listed files' hashes change: other edits to the text stay.
    for rel, digest in files.items():
        text = re.sub(rf"(\n  {re.escape(rel)}: )[0-9a-f]{{64}}", lambda m: m.group(1) + digest, text)
    open(meta_path, "w", encoding="utf-8").write(text)


def make_artifact(folder, model, sets, bound, name):
    os.makedirs(folder)
    onnx.save(model, os.path.join(folder, "model_opt.onnx"))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    for k, inputs in enumerate(sets):
        d = os.path.join(folder, f"test_data_set_{k}")
        os.makedirs(d)
        for i, (input_name, x) in enumerate(inputs):
            onnx.save_tensor(numpy_helper.from_array(x, input_name), os.path.join(d, f"input_{i}.pb"))
        outs = session.run(None, dict(inputs))
        for j, (o, y) in enumerate(zip(session.get_outputs(), outs)):
            onnx.save_tensor(numpy_helper.from_array(y, o.name), os.path.join(d, f"output_{j}.pb"))
    shutil.copy(VALIDATE_PY, os.path.join(folder, "validate.py"))
    files = {}
    for base, _, names in os.walk(folder):
        for n in names:
            rel = os.path.relpath(os.path.join(base, n), folder)
            files[rel] = sha256(os.path.join(base, n))
    meta = {
        "schema_version": 1, "model_name": name, "version": "1.0.0", "opset": 17, "precision": "fp32",
        "optimization": ["eliminate_deadend"], "runtime": f"onnxruntime {ort.__version__}", "latency_ms": 0.01,
        "accuracy_drop": None,
        "equivalence": {"bound": bound, "measured": 0.0, "metric": "mean_abs_error"},
        "inputs": signature(model.graph.input), "outputs": signature(model.graph.output),
        "files": files, "kiln_version": "0.1.0", "created": "2026-01-01T00:00:00Z",
    }
    write_metadata(folder, meta)


def float_model():
    rng = np.random.default_rng(1)
    w = numpy_helper.from_array(rng.standard_normal((3, 4)).astype(np.float32), "W")
    b = numpy_helper.from_array(rng.standard_normal(3).astype(np.float32), "b")
    g = helper.make_graph([helper.make_node("Gemm", ["x", "W", "b"], ["h"], transB=1),
                           helper.make_node("Relu", ["h"], ["y"])], "float",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])], [w, b])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def multi_model():
    zero = numpy_helper.from_array(np.array(0, np.int64), "zero")
    g = helper.make_graph([
        helper.make_node("Where", ["attention_mask", "tokens", "zero"], ["kept"]),
        helper.make_node("Cast", ["kept"], ["kept_f"], to=TensorProto.FLOAT),
        helper.make_node("ReduceSum", ["kept_f"], ["total"], keepdims=1),
        helper.make_node("Not", ["attention_mask"], ["inverted"]),
    ], "multi",
        [helper.make_tensor_value_info("tokens", TensorProto.INT64, ["N", 3]),
         helper.make_tensor_value_info("attention_mask", TensorProto.BOOL, ["N", 3])],
        [helper.make_tensor_value_info("kept", TensorProto.INT64, ["N", 3]),
         helper.make_tensor_value_info("total", TensorProto.FLOAT, [1, 1]),
         helper.make_tensor_value_info("inverted", TensorProto.BOOL, ["N", 3])], [zero])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


rng = np.random.default_rng(7)
BASE = os.path.join(WORK, "parity")
shutil.rmtree(BASE, ignore_errors=True)
os.makedirs(BASE)
make_artifact(os.path.join(BASE, "float"), float_model(),
              [[("x", rng.standard_normal((2, 4)).astype(np.float32))],
               [("x", rng.standard_normal((3, 4)).astype(np.float32))]], 1e-5, "tiny")
make_artifact(os.path.join(BASE, "multi"), multi_model(),
              [[("tokens", rng.integers(0, 1000, (2, 3)).astype(np.int64)),
                ("attention_mask", rng.integers(0, 2, (2, 3)).astype(np.bool_))],
               [("tokens", rng.integers(0, 1000, (4, 3)).astype(np.int64)),
                ("attention_mask", rng.integers(0, 2, (4, 3)).astype(np.bool_))]], 0.0, "multi")


# ---- corruptions ------------------------------------------------------------------------------

def edit_meta(folder, old, new, count=1):
    p = os.path.join(folder, "metadata.yaml")
    text = open(p, encoding="utf-8").read()
    assert re.search(old, text, flags=re.M), (folder, old)
    open(p, "w", encoding="utf-8").write(re.sub(old, new, text, count=count, flags=re.M))


def replace_tensor(folder, rel, array, name=None, rehash_after=True):
    p = os.path.join(folder, rel)
    old = onnx.load_tensor(p)
    onnx.save_tensor(numpy_helper.from_array(array, old.name if name is None else name), p)
    if rehash_after:
        rehash(folder)


def write_bytes(folder, rel, data, rehash_after=True):
    with open(os.path.join(folder, rel), "wb") as f:
        f.write(data)
    if rehash_after:
        rehash(folder)


def golden(folder, rel):
    return numpy_helper.to_array(onnx.load_tensor(os.path.join(folder, rel)))


def nested_if(depth):
    def leaf(out):
        return helper.make_graph([helper.make_node("Identity", ["x"], [out])], out + "_g", [],
                                 [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)])
    inner = leaf("l0")
    for level in range(1, depth):
        out = f"o{level}"
        inner = helper.make_graph([helper.make_node("If", ["c"], [out], then_branch=inner, else_branch=leaf(out + "_e"))],
                                  f"level{level}", [], [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)])
    return inner


def model_with(folder, change):
    p = os.path.join(folder, "model_opt.onnx")
    m = onnx.load(p, load_external_data=False)
    change(m)
    onnx.save(m, p)
    rehash(folder)


def external_outside(m):
    t = m.graph.initializer[0]
    t.ClearField("raw_data")
    t.ClearField("float_data")
    t.data_location = TensorProto.EXTERNAL
    e = t.external_data.add()
    e.key, e.value = "location", "../outside.bin"


def external_link(folder):
    def change(m):
        t = m.graph.initializer[0]
        t.ClearField("raw_data")
        t.ClearField("float_data")
        t.data_location = TensorProto.EXTERNAL
        e = t.external_data.add()
        e.key, e.value = "location", "weights.bin"
    model_with(folder, change)


def deep_if(m):
    g = nested_if(24)
    n = helper.make_node("If", ["c"], ["deep"], then_branch=g, else_branch=g)
    m.graph.node.append(n)


def symlink_outside(folder):
    outside = os.path.join(BASE, "outside.onnx")
    shutil.copy(os.path.join(folder, "model_opt.onnx"), outside)
    os.remove(os.path.join(folder, "model_opt.onnx"))
    os.symlink(outside, os.path.join(folder, "model_opt.onnx"))


CASES = []  # (name, base artifact, action(folder), kiln check, verdict)


def case(name, base, check, action):
    CASES.append((name, base, action, check))


case("fresh float artifact", "float", None, lambda d: None)
case("fresh multi-input int64+bool artifact", "multi", None, lambda d: None)
# metadata: types, YAML features kiln refuses, bounds
case("files: as a list", "float", "metadata", lambda d: edit_meta(d, r"^files:\n(  .*\n)+", "files: [a, b]\n"))
case("inputs: as a string", "float", "metadata", lambda d: edit_meta(d, r"^inputs:\n(  .*\n)+", "inputs: x\n"))
case("bound: abc", "float", "metadata", lambda d: edit_meta(d, r"^  bound: .*$", "  bound: abc"))
case("bound: .inf", "float", "metadata", lambda d: edit_meta(d, r"^  bound: .*$", "  bound: .inf"))
case("bound: 1e999 (not finite)", "float", "metadata", lambda d: edit_meta(d, r"^  bound: .*$", "  bound: 1e999"))
case("tabs in the indentation", "float", "metadata", lambda d: edit_meta(d, r"^  bound:", "\tbound:"))
case("deep nesting", "float", "metadata",
     lambda d: edit_meta(d, r"^model_name: .*$", "model_name: tiny\nextra: " + "[" * 40 + "]" * 40))
case("deep block nesting", "float", "metadata",
     lambda d: edit_meta(d, r"^model_name: .*$", "model_name: tiny\n" + "".join("  " * i + "k:\n" for i in range(40)) + "  " * 40 + "v: 1"))
case("self-referencing alias", "float", "metadata", lambda d: edit_meta(d, r"^model_name: .*$", "model_name: tiny\nrec: &r\n  self: *r"))
case("alias bomb", "float", "metadata", lambda d: edit_meta(d, r"^model_name: .*$", "model_name: tiny\n" + "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "\n".join(
    f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9))))
case("a second YAML document", "float", "metadata", lambda d: open(os.path.join(d, "metadata.yaml"), "a").write("---\na: 1\n"))
case("metadata.yaml over 1 MiB", "float", "metadata", lambda d: open(os.path.join(d, "metadata.yaml"), "a").write("# " + "x" * (1 << 20) + "\n"))
case("metadata.yaml not YAML", "float", "metadata", lambda d: write_bytes(d, "metadata.yaml", b"{{{", False))
case("metadata.yaml missing", "float", "metadata", lambda d: os.remove(os.path.join(d, "metadata.yaml")))
case("missing key created", "float", "metadata", lambda d: edit_meta(d, r"^created: .*\n", ""))
# hashes: links, unlisted files, missing files
case("symlink to a model outside the artifact", "float", "hashes", symlink_outside)
case("unlisted file", "float", "hashes", lambda d: open(os.path.join(d, "notes.txt"), "w").write("x"))
case("extra unlisted output_1.pb", "float", "hashes",
     lambda d: shutil.copy(os.path.join(d, "test_data_set_0/output_0.pb"), os.path.join(d, "test_data_set_0/output_1.pb")))
case("missing output_0.pb", "float", "hashes", lambda d: os.remove(os.path.join(d, "test_data_set_0/output_0.pb")))
case("flipped byte in the model", "float", "hashes", lambda d: write_bytes(d, "model_opt.onnx", open(os.path.join(d, "model_opt.onnx"), "rb").read()[:-1] + b"\x00", False))
case("file entry escaping the artifact", "float", "hashes",
     lambda d: edit_meta(d, r"^files:\n", "files:\n  ../escape.txt: " + "a" * 64 + "\n"))
# the model
case("external data outside the artifact", "float", "external_data", lambda d: model_with(d, external_outside))
case("external data through a link leading outside", "float", "hashes|external_data", lambda d: (
    open(os.path.join(BASE, "weights_outside.bin"), "wb").write(b"\0" * 48),
    os.symlink(os.path.join(BASE, "weights_outside.bin"), os.path.join(d, "weights.bin")), external_link(d)))
case("subgraphs nested 24 deep", "float", "onnx_checker|external_data|signature", lambda d: model_with(d, deep_if))
case("random bytes as the model", "float", "onnx_checker", lambda d: write_bytes(d, "model_opt.onnx", os.urandom(4096)))
case("truncated model", "float", "onnx_checker",
     lambda d: write_bytes(d, "model_opt.onnx", open(os.path.join(d, "model_opt.onnx"), "rb").read()[:100]))
case("opset edited", "float", "opset", lambda d: edit_meta(d, r"^opset: 17", "opset: 18"))
case("signature edited", "float", "signature", lambda d: edit_meta(d, r"shape: \[N, 4\]", "shape: [N, 5]"))
# golden data
case("golden outputs all NaN", "float", "golden",
     lambda d: replace_tensor(d, "test_data_set_0/output_0.pb", np.full_like(golden(d, "test_data_set_0/output_0.pb"), np.nan)))
case("golden outputs all Inf", "float", "golden",
     lambda d: replace_tensor(d, "test_data_set_0/output_0.pb", np.full_like(golden(d, "test_data_set_0/output_0.pb"), np.inf)))
case("NaN golden input", "float", "golden",
     lambda d: replace_tensor(d, "test_data_set_0/input_0.pb", np.full((2, 4), np.nan, np.float32)))
case("test set of batch 0", "float", "golden", lambda d: (
    replace_tensor(d, "test_data_set_0/input_0.pb", np.zeros((0, 4), np.float32), rehash_after=False),
    replace_tensor(d, "test_data_set_0/output_0.pb", np.zeros((0, 3), np.float32))))
case("perturbed golden output", "float", "golden",
     lambda d: replace_tensor(d, "test_data_set_1/output_0.pb", golden(d, "test_data_set_1/output_0.pb") + 0.01))
case("wrong-shape golden input", "float", "golden",
     lambda d: replace_tensor(d, "test_data_set_0/input_0.pb", np.zeros((2, 5), np.float32)))
case("int64 golden input", "float", "golden",
     lambda d: replace_tensor(d, "test_data_set_0/input_0.pb", golden(d, "test_data_set_0/input_0.pb").astype(np.int64)))
case("random bytes as a golden .pb", "float", "golden", lambda d: write_bytes(d, "test_data_set_0/input_0.pb", os.urandom(64)))
case("short golden .pb", "float", "golden",
     lambda d: write_bytes(d, "test_data_set_0/input_0.pb", open(os.path.join(d, "test_data_set_0/input_0.pb"), "rb").read()[:-4]))
case("huge declared golden .pb", "float", "golden", lambda d: write_bytes(
    d, "test_data_set_0/input_0.pb",
    TensorProto(name="x", data_type=TensorProto.FLOAT, dims=[1 << 31, 1 << 31], raw_data=b"\0" * 16).SerializeToString()))
case("extra listed input_1.pb", "float", "golden",
     lambda d: (shutil.copy(os.path.join(d, "test_data_set_0/input_0.pb"), os.path.join(d, "test_data_set_0/input_1.pb")),
                edit_meta(d, r"^files:\n", "files:\n  test_data_set_0/input_1.pb: " + "a" * 64 + "\n"), rehash(d)))
case("extra listed output_1.pb", "float", "golden",
     lambda d: (shutil.copy(os.path.join(d, "test_data_set_0/output_0.pb"), os.path.join(d, "test_data_set_0/output_1.pb")),
                edit_meta(d, r"^files:\n", "files:\n  test_data_set_0/output_1.pb: " + "a" * 64 + "\n"), rehash(d)))
# the multi-input artifact: integer and bool values compared exactly, inputs by name
case("int64 output off by one", "multi", "golden",
     lambda d: replace_tensor(d, "test_data_set_1/output_0.pb", golden(d, "test_data_set_1/output_0.pb") + 1))
case("bool output flipped", "multi", "golden",
     lambda d: replace_tensor(d, "test_data_set_0/output_2.pb", ~golden(d, "test_data_set_0/output_2.pb")))
case("inputs swapped in name", "multi", "golden", lambda d: (
    replace_tensor(d, "test_data_set_0/input_0.pb", golden(d, "test_data_set_0/input_0.pb"), name="attention_mask", rehash_after=False),
    replace_tensor(d, "test_data_set_0/input_1.pb", golden(d, "test_data_set_0/input_1.pb"), name="tokens")))
case("bool input given as int64", "multi", "golden",
     lambda d: replace_tensor(d, "test_data_set_0/input_1.pb", golden(d, "test_data_set_0/input_1.pb").astype(np.int64)))
case("unknown input name", "multi", "golden",
     lambda d: replace_tensor(d, "test_data_set_1/input_0.pb", golden(d, "test_data_set_1/input_0.pb"), name="ids"))
case("missing second input", "multi", "golden", lambda d: (
    os.remove(os.path.join(d, "test_data_set_0/input_1.pb")), edit_meta(d, r"^  test_data_set_0/input_1.pb: .*\n", "")))


# ---- running both checkers ----------------------------------------------------------------------

BARE = ("import runpy, sys; sys.modules['yaml'] = None; sys.modules['onnx'] = None; "
        "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')")


def run_kiln(folder):
    p = subprocess.run([KILN, "validate", folder], capture_output=True, text=True, timeout=600)
    lines = [l for l in p.stderr.splitlines() if l]
    return p.returncode, lines


CRASH = re.compile(r"AddressSanitizer|UndefinedBehaviorSanitizer|runtime error:|terminate called|Segmentation")


def run_py(folder, bare):
    script = os.path.join(VALIDATE_PY)
    cmd = [sys.executable, "-c", BARE, script, folder] if bare else [sys.executable, script, folder]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


fails = 0
for name, base, action, check in CASES:
    folder = os.path.join(BASE, "case_" + re.sub(r"[^a-z0-9]+", "_", name.lower()))
    shutil.copytree(os.path.join(BASE, base), folder, symlinks=True)
    action(folder)
    want = 0 if check is None else 1
    problems = []
    rc, err = run_kiln(folder)
    if any(CRASH.search(l) for l in err):  # the sanitizer build runs this script too
        problems.append(f"kiln validate: crash or sanitizer report: {[l for l in err if CRASH.search(l)][:3]}")
    if rc != want:
        problems.append(f"kiln validate exit {rc}, want {want}: {err[-1:] if err else ''}")
    elif want == 1 and not (len(err) == 1 and re.match(rf"kiln: error: ({check}): ", err[0])):
        problems.append(f"kiln validate: want one 'kiln: error: {check}: …' line, got {err}")
    for bare in (False, True):
        mode = "validate.py without onnx/PyYAML" if bare else "validate.py"
        prc, out, perr = run_py(folder, bare)
        if "Traceback" in perr or "Traceback" in out:
            problems.append(f"{mode}: traceback: {perr.strip().splitlines()[-1:]}")
        if prc != want:
            problems.append(f"{mode} exit {prc}, want {want}: {[l for l in out.splitlines() if l.startswith('FAIL')][:1]}")
        elif want == 1 and not re.search(rf"^FAIL  ({check}) ", out, flags=re.M):
            problems.append(f"{mode}: no 'FAIL  {check}' line: {out.strip().splitlines()}")
        elif want == 0 and "artifact valid" not in out:
            problems.append(f"{mode}: no 'artifact valid' line: {out}")
    if problems:
        fails += 1
        print(f"FAIL [{name}]: " + "; ".join(problems))
    shutil.rmtree(folder, ignore_errors=True)
print(f"validate parity: {len(CASES) - fails}/{len(CASES)} cases agree")
sys.exit(1 if fails else 0)
