"""Shared by the op suite's scripts: input specs, the comparison rule, forked children.

No torch here (run_kiln_cli.py imports only numpy, onnx and onnxruntime).
"""
import contextlib
import json
import os
import select
import signal
import time
import zlib

MAX_REL_ERR = 1e-4  # relative mean abs error bound, as kiln's own verification and the corpus


# ---------------------------------------------------------------------------------------------
# Input specs: NAME:DTYPE:DIMS[:LO..HI], DIMS x-separated, each N or SYMBOL=N (kiln's syntax).

def parse_spec(spec: str):
    """(name, dtype, [(symbol or None, size)], (lo, hi) or None)."""
    parts = spec.split(":")
    name, dtype, dims = parts[0], parts[1], parts[2]
    rng = None
    if len(parts) > 3:
        lo, hi = parts[3].split("..")
        rng = (float(lo), float(hi))
    out = []
    for d in dims.split("x"):
        if "=" in d:
            sym, n = d.split("=")
            out.append((sym, int(n)))
        else:
            out.append((None, int(d)))
    return name, dtype, out, rng


def format_spec(name, dtype, dims, rng=None) -> str:
    text = "x".join(f"{s}={n}" if s else str(n) for s, n in dims)
    if rng is not None:
        text += ":" + "..".join(_num(v) for v in rng)
    return f"{name}:{dtype}:{text}"


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def static_spec(spec: str) -> str:
    """The spec with every symbolic dim made static at its example size."""
    name, dtype, dims, rng = parse_spec(spec)
    return format_spec(name, dtype, [(None, n) for _, n in dims], rng)


def spec_symbols(spec: str) -> dict:
    """{axis: symbol} of a spec's symbolic dims."""
    _, _, dims, _ = parse_spec(spec)
    return {i: s for i, (s, _) in enumerate(dims) if s}


def seed_of(*parts) -> int:
    return zlib.crc32("/".join(str(p) for p in parts).encode())


# ---------------------------------------------------------------------------------------------
# The comparison rule (kiln's runner applies the same one).

def compare(got, ref, exact: bool, bound: float = MAX_REL_ERR, step: float = None):
    """(ok, rel_err, problem). Shapes and dtypes must match. Exact outputs (ints, bools) must be
    equal. Floats: NaN where the reference has NaN and equal infinities are matches; the rest must
    have mean|got - ref| / max(mean|ref|, 1e-12) <= bound (1e-4; a quantized row's own), or, for a
    quantized output with a step, no element more than one step off."""
    import numpy as np
    got = np.asarray(got)
    if got.shape != ref.shape:
        return False, None, f"shape {list(got.shape)}, expected {list(ref.shape)}"
    if got.dtype != ref.dtype:
        return False, None, f"dtype {got.dtype}, expected {ref.dtype}"
    if got.size == 0:
        return True, 0.0, None
    if exact:
        bad = int(np.count_nonzero(got != ref))
        return (bad == 0, 0.0 if bad == 0 else float("inf"),
                None if bad == 0 else f"{bad} of {got.size} values differ (exact output)")
    g, r = got.astype(np.float64), ref.astype(np.float64)
    same = (np.isnan(g) & np.isnan(r)) | (g == r)
    if np.isnan(r).any() or np.isinf(r).any() or np.isnan(g).any() or np.isinf(g).any():
        nonfinite = ~np.isfinite(r) | ~np.isfinite(g)
        if not np.all(same[nonfinite]):
            return False, float("inf"), f"{int(np.count_nonzero(~same[nonfinite]))} NaN/inf values differ"
        keep = ~nonfinite
        g, r = g[keep], r[keep]
        if g.size == 0:
            return True, 0.0, None
    err = float(np.abs(g - r).mean() / max(float(np.abs(r).mean()), 1e-12))
    if step is not None and np.isfinite(err) and float(np.abs(g - r).max()) <= step * (1 + 1e-5):
        return True, err, None
    if not np.isfinite(err) or err > bound:
        return False, err, f"rel mean abs error {err:.2e} > {bound:.0e}"
    return True, err, None


def read_pb(path: str):
    import onnx
    from onnx import numpy_helper
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def check_onnx(onnx_path: str, case: dict, root: str, require_all_inputs: bool = True) -> dict:
    """Runs the file in ONNX Runtime (CPU, one thread, graph optimizations off) at every check of
    the case: inputs by name (an input the file does not declare is an error when
    require_all_inputs, else left out: the peer prunes unused inputs), outputs by position (None
    outputs dropped). {ok, error, max_rel_err}."""
    import numpy as np
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    try:
        sess = ort.InferenceSession(onnx_path, opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": "ORT load: " + one_line(exc), "max_rel_err": None}
    names = [parse_spec(s)[0] for s in case["inputs"]]
    declared = [i.name for i in sess.get_inputs()]
    missing = [n for n in names if n not in declared]
    if missing and require_all_inputs:
        return {"ok": False, "error": f"inputs {declared} lack {missing}", "max_rel_err": None}
    unknown = [d for d in declared if d not in names]
    if unknown:
        return {"ok": False, "error": f"unexpected inputs {unknown}", "max_rel_err": None}
    worst = 0.0
    for check in case["checks"]:
        arrays = [read_pb(os.path.join(root, p)) for p in check["inputs"]]
        feed = {k: v for k, v in zip(names, arrays) if k in declared}
        sizes = ",".join(f"{k}={v}" for k, v in check["sizes"].items()) or "static"
        try:
            got = [v for v in sess.run(None, feed) if v is not None]
        except Exception as exc:  # noqa: BLE001
            return {"ok": False, "error": f"ORT run at {sizes}: {one_line(exc)}", "max_rel_err": None}
        if len(got) != len(check["outputs"]):
            return {"ok": False, "error": f"{len(got)} outputs, {len(check['outputs'])} expected ({sizes})",
                    "max_rel_err": None}
        for j, (g, p) in enumerate(zip(got, check["outputs"])):
            ok, err, problem = compare(g, read_pb(os.path.join(root, p)), case["exact"][j],
                                       case.get("tolerance") or MAX_REL_ERR, case.get("step"))
            if err is not None:
                worst = max(worst, err)
            if not ok:
                return {"ok": False, "error": f"output {j} at {sizes}: {problem}", "max_rel_err": worst}
    return {"ok": True, "error": None, "max_rel_err": worst}


def one_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    if len(lines) > 1 and lines[0].startswith("The following operation failed in the TorchScript interpreter"):
        lines = [lines[-1]]  # the TorchScript traceback's last line is the error itself
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"[:400]


@contextlib.contextmanager
def fd_silenced(*fds):
    """fd-level silence (onnx + onnxruntime loaded together print schema noise from C++)."""
    saved = [os.dup(fd) for fd in fds]
    devnull = os.open(os.devnull, os.O_WRONLY)
    for fd in fds:
        os.dup2(devnull, fd)
    try:
        yield
    finally:
        for fd, s in zip(fds, saved):
            os.dup2(s, fd)
            os.close(s)
        os.close(devnull)


def in_child(fn, timeout_s: float) -> dict:
    """Runs fn() (which returns a JSON-able dict) in a forked child with stdout/stderr silenced;
    a crash, a non-zero exit or a timeout is a result: {"ok": False, "error": ...}."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(r)
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            try:
                result = fn()
            except BaseException as exc:  # noqa: BLE001 - the result says it
                result = {"ok": False, "error": one_line(exc)}
            os.write(w, json.dumps(result, default=str).encode())
        except BaseException:  # noqa: BLE001
            code = 1
        finally:
            os._exit(code)
    os.close(w)
    chunks, deadline, timed_out = [], time.monotonic() + timeout_s, False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([r], [], [], left)
        if ready:
            data = os.read(r, 1 << 16)
            if not data:
                break
            chunks.append(data)
    if timed_out:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    if timed_out:
        return {"ok": False, "error": f"timeout after {timeout_s:.0f} s"}
    try:
        return json.loads(b"".join(chunks).decode())
    except ValueError:
        code = os.waitstatus_to_exitcode(status)
        why = f"signal {-code}" if code < 0 else f"exit {code}"
        return {"ok": False, "error": f"child died ({why}) without a result"}
