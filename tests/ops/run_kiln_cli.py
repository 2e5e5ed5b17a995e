"""Stand-in for kiln's in-process op-suite runner: exports every manifest case with the kiln CLI
(one process per case) and checks the file in ONNX Runtime against the .pb references.

    run_kiln_cli.py --kiln build/kiln --manifest DIR/manifest.json --out kiln.json
                    [--work DIR] [--jobs 1|2] [--timeout 60] [--only REGEX]

Per case: `kiln export PT --input SPEC... --opset N -o FILE` (timeout 60 s; kiln verifies in ORT
itself and exits non-zero on any failure: stage "export", error = its first `error:` line), then
the file is run in ONNX Runtime (CPU, one thread, optimizations off) at every check size of the
case, inputs by name (kiln must declare every input), outputs by position, and compared with
common.compare (stage "check"). Each check runs in a forked child, so an ORT crash is that case's
failure. Writes {"command", "runner", "seconds", "results": [{name, ok, stage, error, seconds,
max_rel_err}]} — the schema kiln's C++ runner writes too (seconds: the export alone).
"""
import argparse
import concurrent.futures
import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import common  # noqa: E402

with common.fd_silenced(2):
    import numpy  # noqa: F401
    import onnx  # noqa: F401
    import onnxruntime  # noqa: F401


def first_error(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in lines:
        if ln.startswith("error:") or " error:" in ln[:40]:
            return ln[:400]
    return (lines[0] if lines else "no output")[:400]


# kiln being rebuilt under the runner (its binary or its kiln-torch helper missing or half-written)
# is not the case's failure: wait and try again.
INFRA = re.compile(r"cannot start .*kiln-torch|Permission denied|No such file or directory|Text file busy")


def export(kiln: str, case: dict, root: Path, work: Path, timeout: float) -> dict:
    for attempt in range(6):
        r = export_once(kiln, case, root, work, timeout)
        if r["ok"] or not INFRA.search(r["error"] or ""):
            return r
        time.sleep(20)
    return r


def export_once(kiln: str, case: dict, root: Path, work: Path, timeout: float) -> dict:
    out = work / f"{case['name']}.onnx"
    out.unlink(missing_ok=True)
    cmd = [kiln, "export", str(root / case["pt"])]
    for spec in case["inputs"]:
        cmd += ["--input", spec]
    cmd += ["--opset", str(case.get("opset", 17)), "-o", str(out)]
    t0 = time.perf_counter()
    if not os.access(kiln, os.X_OK):
        return {"ok": False, "stage": "export", "error": f"cannot start {kiln}: No such file or directory",
                "seconds": 0.0, "onnx": None, "cmd": cmd}
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout, env=dict(os.environ, OMP_WAIT_POLICY="PASSIVE"))
    except subprocess.TimeoutExpired:
        return {"ok": False, "stage": "export", "error": f"timeout after {timeout:.0f} s",
                "seconds": round(time.perf_counter() - t0, 3), "onnx": None, "cmd": cmd}
    seconds = round(time.perf_counter() - t0, 3)
    if proc.returncode != 0 or not out.exists():
        why = first_error(proc.stderr + "\n" + proc.stdout)
        if proc.returncode < 0:
            why = f"killed by signal {-proc.returncode}: {why}"
        return {"ok": False, "stage": "export", "error": why, "seconds": seconds, "onnx": None, "cmd": cmd}
    return {"ok": True, "stage": None, "error": None, "seconds": seconds, "onnx": str(out), "cmd": cmd}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kiln", required=True)
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--work", default=None, help="where the .onnx files go (default: next to --out)")
    ap.add_argument("--jobs", type=int, default=1, choices=(1, 2))
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--only", default=None, help="cases whose name matches REGEX")
    ap.add_argument("--merge", default=None, help="a previous results file: rerun only its failed (or "
                    "absent) cases, keep its passing ones")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    manifest_path = Path(args.manifest).resolve()
    root = manifest_path.parent
    manifest = json.loads(manifest_path.read_text())
    cases = manifest["cases"]
    if args.only:
        cases = [c for c in cases if re.search(args.only, c["name"])]
    kept = {}
    if args.merge:
        kept = {r["name"]: r for r in json.loads(Path(args.merge).read_text())["results"] if r["ok"]}
        cases = [c for c in cases if c["name"] not in kept]
    work = Path(args.work or (Path(args.out).resolve().parent / "kiln-onnx")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    kiln = str(Path(args.kiln).resolve())
    t0 = time.perf_counter()
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(export, kiln, c, root, work, args.timeout) for c in cases]
        for case, fut in zip(cases, futures):  # checks in this thread, in order, as exports finish
            r = fut.result()
            res = {"name": case["name"], "ok": r["ok"], "stage": r["stage"], "error": r["error"],
                   "seconds": r["seconds"], "max_rel_err": None}
            if r["ok"]:
                chk = common.in_child(lambda: common.check_onnx(r["onnx"], case, str(root), True), 60)
                res["ok"] = bool(chk.get("ok"))
                res["max_rel_err"] = chk.get("max_rel_err")
                if not res["ok"]:
                    res["stage"], res["error"] = "check", chk.get("error")
                if res["ok"]:  # a failing file stays, for debugging
                    Path(r["onnx"]).unlink(missing_ok=True)
            if args.verbose or not res["ok"]:
                print(f"{'ok  ' if res['ok'] else 'FAIL'} {case['name']}"
                      + ("" if res["ok"] else f" [{res['stage']}] {res['error']}"), flush=True)
            results.append(res)
    seconds = time.perf_counter() - t0
    if kept:
        order = {c["name"]: k for k, c in enumerate(manifest["cases"])}
        results = sorted(results + list(kept.values()), key=lambda r: order.get(r["name"], 1 << 30))
    passed = sum(r["ok"] for r in results)
    out = {"command": shlex.join([os.path.relpath(sys.argv[0])] + sys.argv[1:]), "runner": "run_kiln_cli.py",
           "seconds": round(seconds, 1), "results": results}
    Path(args.out).write_text(json.dumps(out, indent=1))
    print(f"run_kiln_cli: {passed}/{len(results)} cases pass in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
