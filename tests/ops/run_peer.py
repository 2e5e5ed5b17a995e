"""The peer on the op suite: torch.onnx.export (TorchScript-based, dynamo=False) of every
manifest case, checked in ONNX Runtime against the same .pb references with the same rule.

    run_peer.py --manifest DIR/manifest.json --out peer.json [--work DIR] [--timeout 30] [--only REGEX]

Per case, in a child forked from this process (torch, onnx and onnxruntime imported once here;
a crash or a hang past --timeout is that case's failure): torch.jit.load the .pt,
torch.onnx.export(opset_version=case opset, input_names from the specs, dynamic_axes for every
symbolic dim) on the example inputs (stage "export"; seconds = the export call alone), then ONNX
Runtime (CPU, one thread, optimizations off) at every check size, inputs by name (an input the
peer pruned is left out), outputs by position with None outputs dropped (stage "check").
Writes the results schema of run_kiln_cli.py.
"""
import argparse
import json
import os
import re
import shlex
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import common  # noqa: E402

t_import = time.perf_counter()
with common.fd_silenced(2):
    import numpy  # noqa: F401
    import onnx  # noqa: F401
    import onnxruntime  # noqa: F401
    import torch
    try:
        import torchvision  # noqa: F401 - registers torchvision::* ops and the peer's symbolics for them
    except ImportError:
        pass
IMPORT_SECONDS = time.perf_counter() - t_import


def peer_case(case: dict, root: Path, path: Path) -> dict:
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    names = [common.parse_spec(s)[0] for s in case["inputs"]]
    model = torch.jit.load(str(root / case["pt"])).eval()
    args = tuple(torch.from_numpy(common.read_pb(str(root / p)).copy()) for p in case["checks"][0]["inputs"])
    axes = {}
    for spec in case["inputs"]:
        sym = common.spec_symbols(spec)
        if sym:
            axes[common.parse_spec(spec)[0]] = sym
    t0 = time.perf_counter()
    try:
        torch.onnx.export(model, args, str(path), opset_version=case.get("opset", 17), dynamo=False,
                          input_names=names, dynamic_axes=axes or None)
    except Exception as exc:  # noqa: BLE001 - the exporter's failure is the case's result
        return {"ok": False, "stage": "export", "error": common.one_line(exc),
                "seconds": round(time.perf_counter() - t0, 3), "max_rel_err": None}
    seconds = round(time.perf_counter() - t0, 3)
    chk = common.check_onnx(str(path), case, str(root), require_all_inputs=False)
    return {"ok": chk["ok"], "stage": None if chk["ok"] else "check", "error": chk["error"],
            "seconds": seconds, "max_rel_err": chk["max_rel_err"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--work", default=None, help="where the .onnx files go (default: next to --out)")
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--only", default=None, help="cases whose name matches REGEX")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    manifest_path = Path(args.manifest).resolve()
    root = manifest_path.parent
    manifest = json.loads(manifest_path.read_text())
    cases = manifest["cases"]
    if args.only:
        cases = [c for c in cases if re.search(args.only, c["name"])]
    work = Path(args.work or (Path(args.out).resolve().parent / "peer-onnx")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    results = []
    for case in cases:
        path = work / f"{case['name']}.onnx"
        t = time.perf_counter()
        r = common.in_child(lambda: peer_case(case, root, path), args.timeout)
        res = {"name": case["name"], "ok": bool(r.get("ok")), "stage": r.get("stage", "export"),
               "error": r.get("error"), "seconds": r.get("seconds", round(time.perf_counter() - t, 3)),
               "max_rel_err": r.get("max_rel_err")}
        if res["ok"]:
            res["stage"] = None
            path.unlink(missing_ok=True)
        if args.verbose or not res["ok"]:
            print(f"{'ok  ' if res['ok'] else 'FAIL'} {case['name']}"
                  + ("" if res["ok"] else f" [{res['stage']}] {res['error']}"), flush=True)
        results.append(res)
    seconds = time.perf_counter() - t0
    passed = sum(r["ok"] for r in results)
    out = {"command": shlex.join([os.path.relpath(sys.argv[0])] + sys.argv[1:]), "runner": "run_peer.py",
           "torch": torch.__version__, "import_seconds": round(IMPORT_SECONDS, 2),
           "seconds": round(seconds, 1), "results": results}
    Path(args.out).write_text(json.dumps(out, indent=1))
    print(f"run_peer: {passed}/{len(results)} cases pass in {seconds:.1f} s (+{IMPORT_SECONDS:.1f} s import)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
