"""kiln's in-process runner (kiln_op_suite, op_suite_runner.cpp) on a manifest, robust to a crash.

    run_kiln_runner.py --runner build/kiln_op_suite --manifest DIR/manifest.json --out kiln.json
                       [--only REGEX] [--timeout-per-case 5]

kiln_op_suite exports every case in one process and writes its results only at the end, so a
crash (a signal, an abort from the allocator) or a hang in one case would lose them all. This runs
it on the manifest; when it dies without results, it runs the two halves of the cases separately,
down to the single case that dies, which is recorded as that case's failure (stage "export",
error "kiln_op_suite crashed (SIGABRT): <its last stderr line>") while every other case keeps the
runner's own result. Writes the results schema of run_kiln_cli.py (README.md), with "crashed":
the names of the cases that took the runner down. No torch here (only the standard library).
"""
import argparse
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path


def describe(rc) -> str:
    if rc is None:
        return "timed out"
    if rc < 0:
        try:
            return signal.Signals(-rc).name
        except ValueError:
            return f"signal {-rc}"
    return f"exit status {rc}"


class Runner:
    def __init__(self, runner: str, manifest_path: Path, timeout_per_case: float):
        self.runner = runner
        self.manifest_path = manifest_path
        self.manifest = json.loads(manifest_path.read_text())
        self.timeout_per_case = timeout_per_case
        self.runs = 0
        self.crashed = []

    def run(self, cases):
        """{name: result} for cases, from one runner process or, when it dies, from its halves."""
        if not cases:
            return {}
        self.runs += 1
        tag = f".kiln_runner_{os.getpid()}_{self.runs}"
        sub_manifest = self.manifest_path.parent / f"{tag}.json"  # beside the original: relative paths hold
        sub_results = self.manifest_path.parent / f"{tag}.results.json"
        sub_manifest.write_text(json.dumps({**self.manifest, "cases": cases}))
        sub_results.unlink(missing_ok=True)
        proc = subprocess.Popen([self.runner, str(sub_manifest), str(sub_results)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, errors="replace")
        try:
            out, err = proc.communicate(timeout=60 + self.timeout_per_case * len(cases))
            rc = proc.returncode
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            rc = None
        shutil.rmtree(f"/tmp/kiln_op_suite_{proc.pid}", ignore_errors=True)  # the runner's work folder
        sub_manifest.unlink(missing_ok=True)
        results = None
        if rc == 0 and sub_results.exists():
            try:
                results = {r["name"]: r for r in json.loads(sub_results.read_text())["results"]}
            except (ValueError, KeyError):
                results = None
        sub_results.unlink(missing_ok=True)
        if results is not None:
            for line in err.splitlines():
                if line.startswith("FAIL "):
                    print(line, file=sys.stderr, flush=True)
            return results
        if len(cases) == 1:
            lines = [ln.strip() for ln in err.splitlines() if ln.strip() and not ln.startswith("FAIL ")]
            error = f"kiln_op_suite crashed ({describe(rc)})" + (f": {lines[-1]}" if lines else "")
            name = cases[0]["name"]
            self.crashed.append(name)
            print(f"CRASH {name}: {error}", file=sys.stderr, flush=True)
            return {name: {"name": name, "ok": False, "stage": "export", "error": error[:400], "seconds": None,
                           "max_rel_err": None}}
        print(f"run_kiln_runner: the runner died ({describe(rc)}) on {len(cases)} cases; running their halves",
              file=sys.stderr, flush=True)
        half = len(cases) // 2
        return {**self.run(cases[:half]), **self.run(cases[half:])}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runner", required=True, help="kiln_op_suite")
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default=None, help="cases whose name matches REGEX")
    ap.add_argument("--timeout-per-case", type=float, default=5.0,
                    help="a runner process may take 60 s + this per case before it counts as hung")
    args = ap.parse_args()
    runner = Runner(os.path.abspath(args.runner), Path(args.manifest).resolve(), args.timeout_per_case)
    cases = [c for c in runner.manifest["cases"] if not args.only or re.search(args.only, c["name"])]
    t0 = time.perf_counter()
    by_name = runner.run(cases)
    seconds = time.perf_counter() - t0
    results = [by_name.get(c["name"], {"name": c["name"], "ok": False, "stage": "missing",
                                        "error": "no result from kiln_op_suite", "seconds": None, "max_rel_err": None})
               for c in cases]
    out = {"command": shlex.join([os.path.relpath(sys.argv[0])] + sys.argv[1:]), "runner": "kiln_op_suite",
           "seconds": round(seconds, 1), "runner_processes": runner.runs, "crashed": runner.crashed,
           "results": results}
    Path(args.out).write_text(json.dumps(out, indent=1))
    passed = sum(r["ok"] for r in results)
    print(f"run_kiln_runner: {passed}/{len(results)} cases pass in {seconds:.1f} s ({runner.runs} runner processes"
          + (f"; crashed on {', '.join(runner.crashed)}" if runner.crashed else "") + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
