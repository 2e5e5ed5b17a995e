"""Exports every frozen corpus entry with kiln and with the peer (torch.onnx.export) side by side,
checks both ONNX files against the eager references in ONNX Runtime, and prints one table.

    run_corpus.py --kiln KILN --corpus DIR --work DIR [--json OUT.json] [--markdown OUT.md]
                  [--require-kiln] [--require-parity] [--export-timeout S] [--kiln-opset N]
                  [--only ARCH,...] [--merge-json OLD.json]

--only exports the entries of those architectures (or entry names) alone; with --merge-json the
other rows are taken from a previous report of the same corpus, so that a rerun of a few rows
gives the whole table.

A row passes when the ONNX checker (full_check) accepts the file and, for every reference case
and every output, the shapes and dtypes match and mean|ort - ref| / max(mean|ref|, 1e-12) <= 1e-4 (or <= 2 x the entry's fp32_noise:
the distance of eager float32 from float64, which deep random-weight nets amplify)
(onnx_check.py). Outputs
are matched by name for kiln (the manifest's names) and by position for the peer; kiln's file
must also declare the manifest's input names with every symbolic dim as a dim_param.
Exit status: 0, or 1 when --require-kiln and a kiln row fails, or when --require-parity and a
row passes for the peer but fails for kiln.
"""
import argparse
import contextlib
import json
import multiprocessing
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXPORT_TIMEOUT_S = 120  # per export, kiln or peer; --export-timeout changes it (heavy rows, tests of the harness)
CHECK_TIMEOUT_S = 600


@dataclass
class Setup:
    kiln: list          # the kiln command line
    corpus: Path        # the corpus folder (manifest paths are relative to it)
    timeout_s: float    # per export
    checker: object     # the multiprocessing context whose fork server runs the ONNX checks
    peer: object        # the PeerServer the peer's exports fork from
    opset: int = None   # kiln's --opset, None for its default


# ---------------------------------------------------------------------------------------------
# Child processes: the exporters (wall time, peak RSS, timeout) and the isolated checks.

@contextlib.contextmanager
def kill_after(timeout_s: float, kill):
    """Calls kill() if the block is still running after timeout_s; yields the event that says
    whether it did."""
    timed_out = threading.Event()

    def fire():
        timed_out.set()
        with contextlib.suppress(ProcessLookupError):
            kill()

    timer = threading.Timer(timeout_s, fire)
    timer.start()
    try:
        yield timed_out
    finally:
        timer.cancel()
        timer.join()


def not_started(why: str, timed_out: bool = False) -> dict:
    """An exporter result for a process that never ran (or whose result was lost)."""
    return {"rc": None, "signal": None, "timed_out": timed_out, "seconds": 0.0, "rss_mib": None,
            "spawn_error": why}


def ended(status: int, timed_out: bool, timeout_s: float, seconds: float, rss_kib: float) -> dict:
    """An exporter result from a raw wait status: exit code, or the signal that ended it."""
    code = os.waitstatus_to_exitcode(status)
    return {"rc": code if code >= 0 else None, "signal": -code if code < 0 else None,
            "timed_out": timed_out, "timeout_s": timeout_s, "seconds": seconds,
            "rss_mib": rss_kib / 1024.0}


def run_child(cmd, timeout_s, stdout_path: Path, stderr_path: Path) -> dict:
    """Runs cmd in its own session; peak RSS from wait4 (the child and the descendants it waited
    for, in KiB, including the ~12 MiB this process had when it forked); on timeout the whole
    process group is killed."""
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        t0 = time.perf_counter()
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env,
                                    start_new_session=True)
        except OSError as exc:
            return not_started(str(exc))
        with kill_after(timeout_s, lambda: os.killpg(proc.pid, signal.SIGKILL)) as timed_out:
            _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return ended(status, timed_out.is_set(), timeout_s, seconds, usage.ru_maxrss)


class PeerServer:
    """`peer_export.py --serve`: torch imported once, each export in a child forked from it. A
    fresh `python3 peer_export.py` per model paid the import (~2.5 s here) 36 times; the report
    adds the once-measured import to each peer process time, so that the whole-process comparison
    still prices what a user's one-off export script pays."""

    def __init__(self):
        self.proc = None
        self.import_seconds = None

    def _start(self):
        self.proc = subprocess.Popen([sys.executable, str(HERE / "peer_export.py"), "--serve"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env=dict(os.environ, OMP_WAIT_POLICY="PASSIVE"))
        ready = json.loads(self.proc.stdout.readline() or "{}")
        if not ready.get("ready"):
            raise RuntimeError("peer_export.py --serve did not start")
        self.import_seconds = ready["import_seconds"]

    def run(self, entry_file: Path, out: Path, stdout_path: Path, stderr_path: Path, timeout_s: float) -> dict:
        """run_child's result for one export in a forked child."""
        if self.proc is None or self.proc.poll() is not None:
            try:
                self._start()
            except (OSError, RuntimeError, ValueError) as exc:  # the row says so; the next row retries
                self.proc = None
                return not_started(f"peer server: {exc}")
        req = {"entry": str(entry_file), "out": str(out), "stdout": str(stdout_path), "stderr": str(stderr_path)}
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        pid = json.loads(self.proc.stdout.readline())["pid"]
        with kill_after(timeout_s, lambda: os.kill(pid, signal.SIGKILL)) as timed_out:
            line = self.proc.stdout.readline()
        if not line:  # the server itself died: a crash of the row, and a fresh server next time
            self.proc = None
            return not_started("the peer server died", timed_out.is_set())
        done = json.loads(line)
        return {**ended(done["status"], timed_out.is_set(), timeout_s,
                        done["seconds"] + self.import_seconds, done["rss_kib"]),
                "fork_seconds": done["seconds"]}

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait()


def first_stderr_line(path: Path) -> str:
    """The first line worth showing: ORT's schema-registration noise and blank lines skipped,
    and the first line that says "error:" (kiln's "kiln: error: ...") preferred to warnings
    printed before it."""
    lines = [ln.strip() for ln in path.read_text(errors="replace").splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("Schema error")]
    errors = [ln for ln in lines if "error:" in ln.lower()]
    return (errors or lines or [""])[0][:300]


def process_failure(run: dict, stderr_path: Path):
    """A short reason when the exporter process itself failed, else None."""
    if run.get("spawn_error"):
        return f"cannot start: {run['spawn_error']}"
    if run["timed_out"]:
        return f"timeout after {run['timeout_s']:g} s"
    if run["signal"]:
        name = signal.Signals(run["signal"]).name if run["signal"] in signal.valid_signals() else run["signal"]
        said = first_stderr_line(stderr_path)
        return f"crashed ({name})" + (f": {said}" if said else "")
    if run["rc"] != 0:
        return first_stderr_line(stderr_path) or f"exit status {run['rc']}"
    return None


def start_checker_server():
    """A fork server that has already imported onnx/onnxruntime (onnx_check): each check forks
    from it, so that a checker or ORT crash on a bad file is a row's result rather than the
    harness's end, and this process stays lean (a child's peak RSS includes the RSS of the
    process that forked it, so the exporters fork from a ~12 MiB Python)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["onnx_check"])
    return ctx


def isolated_check(setup: Setup, onnx_path: Path, entry: dict, by_name: bool) -> dict:
    receiver, sender = setup.checker.Pipe(duplex=False)
    child = setup.checker.Process(target=_check_main, args=(sender, onnx_path, entry, setup.corpus, by_name))
    child.start()
    sender.close()
    result = None
    if receiver.poll(CHECK_TIMEOUT_S):
        with contextlib.suppress(EOFError):
            result = receiver.recv()
    else:
        child.kill()
    child.join()
    if result is None:
        code = child.exitcode
        how = f"signal {signal.Signals(-code).name}" if code and code < 0 else f"exit {code}"
        return {"ok": False, "reason": f"checker/ORT process died ({how})", "mae": None}
    return result


def _check_main(sender, onnx_path, entry, corpus, by_name):
    import onnx_check  # preloaded in the fork server: no import cost here
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # ORT's C++ chatter stays out of the table
    os.dup2(devnull, 2)
    try:
        result = onnx_check.check_onnx(onnx_path, entry, corpus, by_name)
    except Exception as exc:  # noqa: BLE001 - reported as the row's reason
        result = {"ok": False, "reason": onnx_check.one_line(exc), "mae": None}
    sender.send(result)


# ---------------------------------------------------------------------------------------------
# The two exporters on one entry.

# kiln being rebuilt under the harness (its binary or its kiln-torch helper missing or
# half-written) is not the row's failure: wait and try again.
KILN_REBUILT = ("cannot start", "No such file or directory", "Text file busy", "Permission denied",
                "error while loading shared libraries")


def kiln_side(setup: Setup, entry: dict, work: Path) -> dict:
    for _ in range(6):
        row = kiln_side_once(setup, entry, work)
        if row["ok"] or not any(s in (row["reason"] or "") for s in KILN_REBUILT):
            return row
        time.sleep(30)
    return row


def case_npz(setup: Setup, case: dict, work: Path) -> Path:
    """One reference case's inputs as an .npz named by input (what kiln's --example reads)."""
    import numpy as np

    path = work / f"example_{case['name']}.npz"
    np.savez(path, **{name: np.load(setup.corpus / rel) for name, rel in case["inputs"].items()})
    return path


def kiln_side_once(setup: Setup, entry: dict, work: Path) -> dict:
    out = work / "kiln.onnx"
    out.unlink(missing_ok=True)
    cmd = setup.kiln + ["export", str(setup.corpus / entry["pt"])]
    for spec in entry["inputs"]:
        cmd += ["--input", spec]
    if entry.get("example"):  # the generator's valid example values (lengths, masks)
        cmd += ["--example", str(setup.corpus / entry["example"])]
    elif entry.get("family") == "detection" and len(entry.get("cases", [])) >= 2:
        # A detector verified on seeded noise images compares top-k / NMS picks among candidates
        # whose scores are closer than the model's own float32 noise (Mask R-CNN: detections swap
        # on noise images, none on the generator's); a user passes real images. kiln verifies on
        # the corpus's own two images, the second as the second size.
        for flag, case in (("--example", entry["cases"][0]), ("--second-example", entry["cases"][1])):
            cmd += [flag, str(case_npz(setup, case, work))]
    if setup.opset is not None:
        cmd += ["--opset", str(setup.opset)]
    # The bound the row is judged by (onnx_check): twice the model's own float32 noise where that
    # exceeds 1e-4. kiln's float64 check finds it itself where the model runs in float64; a trace
    # with float32 constants baked in (the R-CNNs) cannot, and is told the bound instead.
    noise = entry.get("fp32_noise") or 0.0
    if 2.0 * noise > 1e-4:
        cmd += ["--verify-tolerance", f"{2.0 * noise:.6g}"]
    report_file = work / "kiln_report.json"
    report_file.unlink(missing_ok=True)
    cmd += ["-o", str(out), "--report", str(report_file)]
    run = run_child(cmd, setup.timeout_s, work / "kiln.stdout", work / "kiln.stderr")
    # seconds: kiln's export phase (freeze, convert, infer, check, serialize, write), the
    # counterpart of the peer's export call; process_seconds is the whole process.
    row = {"seconds": None, "process_seconds": run["seconds"], "rss_mib": run["rss_mib"], "command": shlex.join(cmd)}
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        report = json.loads(report_file.read_text())
        # The peer's timer covers torch.onnx.export alone (the .pt is loaded before it, nothing
        # is verified): kiln's counterpart is its export phase; load and verification apart.
        row["seconds"] = report["timings"]["export_s"]
        row["verify_seconds"] = report["timings"]["verify_s"]
        row["total_seconds"] = report.get("seconds")
    reason = process_failure(run, work / "kiln.stderr")
    if reason is None and not out.is_file():
        reason = "exit 0 but no ONNX file"
    if reason:
        return {**row, "ok": False, "reason": reason, "mae": None}
    return {**row, **isolated_check(setup, out, entry, by_name=True)}


def peer_side(setup: Setup, entry: dict, work: Path) -> dict:
    out = work / "peer.onnx"
    out.unlink(missing_ok=True)
    entry_file = work / "entry.json"
    entry_file.write_text(json.dumps({**entry, "corpus": str(setup.corpus)}))
    run = setup.peer.run(entry_file, out, work / "peer.stdout", work / "peer.stderr", setup.timeout_s)
    # process_seconds: the forked child's time plus the import of torch, measured once by the server.
    row = {"seconds": None, "process_seconds": run["seconds"], "fork_seconds": run.get("fork_seconds"),
           "rss_mib": run["rss_mib"]}
    reason = process_failure(run, work / "peer.stderr")
    report = last_json_line(work / "peer.stdout")
    if reason is None and report is None:
        reason = "no result line from peer_export.py"
    if reason is None:
        row["seconds"] = report.get("seconds")
        if not report.get("ok"):
            reason = report.get("error") or "export failed"
        elif not out.is_file():
            reason = "export returned but no ONNX file"
    if reason:
        return {**row, "ok": False, "reason": reason, "mae": None}
    return {**row, **isolated_check(setup, out, entry, by_name=False)}


def last_json_line(path: Path):
    for line in reversed(path.read_text(errors="replace").splitlines()):
        with contextlib.suppress(ValueError):
            value = json.loads(line)
            if isinstance(value, dict) and "ok" in value:
                return value
    return None


# ---------------------------------------------------------------------------------------------
# Report.

def fmt_result(side: dict, width: int = 70) -> str:
    if side["ok"]:
        return "ok"
    reason = (side["reason"] or "").replace("|", "\\|")
    return "FAIL: " + (reason if len(reason) <= width else reason[:width - 1] + "…")


def fmt_num(value, spec: str) -> str:
    return "–" if value is None else format(value, spec)


def markdown(rows: list, summary: str, notes: list) -> str:
    head = ["model", "mode", "params (M)", "kiln", "kiln rel MAE", "peer", "peer rel MAE",
            "export s kiln / peer", "kiln verify s", "process s kiln / peer", "peak RSS MiB kiln / peer"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * len(head)) + "|"]
    for r in rows:
        k, p = r["kiln"], r["peer"]
        lines.append("| " + " | ".join([
            r["arch"], r["mode"], f"{r['params'] / 1e6:.2f}",
            fmt_result(k), fmt_num(k["mae"], ".1e"), fmt_result(p), fmt_num(p["mae"], ".1e"),
            f"{fmt_num(k['seconds'], '.2f')} / {fmt_num(p['seconds'], '.2f')}",
            fmt_num(k.get('verify_seconds'), '.2f'),
            f"{fmt_num(k.get('process_seconds'), '.2f')} / {fmt_num(p.get('process_seconds'), '.2f')}",
            f"{fmt_num(k['rss_mib'], '.0f')} / {fmt_num(p['rss_mib'], '.0f')}"]) + " |")
    return "\n".join(lines + ["", summary] + notes) + "\n"


def summarize(rows: list) -> str:
    n = len(rows)
    kiln_ok = sum(r["kiln"]["ok"] for r in rows)
    peer_ok = sum(r["peer"]["ok"] for r in rows)
    behind = [f"{r['arch']}/{r['mode']}" for r in rows if r["peer"]["ok"] and not r["kiln"]["ok"]]
    parity = "yes" if not behind else f"no ({', '.join(behind)})"
    ahead = [f"{r['arch']}/{r['mode']}" for r in rows if r["kiln"]["ok"] and not r["peer"]["ok"]]
    both = [r for r in rows if r["kiln"]["ok"] and r["peer"]["ok"]]
    faster = sum(r["kiln"]["seconds"] is not None and r["peer"]["seconds"] is not None
                 and r["kiln"]["seconds"] <= r["peer"]["seconds"] for r in both)
    faster_process = sum(r["kiln"].get("process_seconds") is not None and r["peer"].get("process_seconds") is not None
                         and r["kiln"]["process_seconds"] <= r["peer"]["process_seconds"] for r in both)
    return (f"kiln: {kiln_ok}/{n} passed; peer: {peer_ok}/{n}; kiln ≥ peer on every row: {parity}; "
            f"where both pass, kiln's export phase is no slower than the peer's export call on {faster}/{len(both)} rows, "
            f"and kiln's whole process (with its ONNX Runtime verification) than the peer's on {faster_process}/{len(both)}"
            f"; kiln alone passes: {len(ahead)}" + (f" ({', '.join(ahead)})" if ahead else "")
            + f"; only the peer passes: {len(behind)}")


def kiln_build(kiln: list) -> str:
    """When the kiln binary (and its kiln-torch helper beside it) were last written: a note, and a
    way to tell that kiln was rebuilt while the harness ran."""
    import datetime
    exe = Path(kiln[0])
    if not exe.is_file():
        return f"{exe} missing"
    stamps = []
    for f in (exe, exe.parent / "kiln-torch"):
        if f.is_file():
            when = datetime.datetime.fromtimestamp(f.stat().st_mtime, datetime.timezone.utc)
            stamps.append(f"{f.name} {when:%Y-%m-%d %H:%M:%S} UTC")
    return ", ".join(stamps)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kiln", required=True, help="the kiln binary (a command line is split like a shell's)")
    ap.add_argument("--corpus", required=True, type=Path)
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--markdown", type=Path)
    ap.add_argument("--require-kiln", action="store_true")
    ap.add_argument("--require-parity", action="store_true")
    ap.add_argument("--kiln-opset", type=int, help="kiln's --opset (default: kiln's own default; the peer "
                    "writes opset 17)")
    ap.add_argument("--only", help="comma-separated architectures or entry names to export (default: all)")
    ap.add_argument("--merge-json", type=Path, help="a previous --json report: its rows for the entries not rerun")
    ap.add_argument("--export-timeout", type=float, default=EXPORT_TIMEOUT_S,
                    help=f"seconds per export, kiln or peer (default {EXPORT_TIMEOUT_S})")
    args = ap.parse_args()
    setup = Setup(shlex.split(args.kiln), args.corpus.resolve(), args.export_timeout, start_checker_server(),
                  PeerServer(), args.kiln_opset)
    manifest = json.loads((setup.corpus / "manifest.json").read_text())
    build_at_start = kiln_build(setup.kiln)
    # A frozen module that does not reproduce eager (a trace that baked a size in) is listed, not
    # counted: no exporter can match references its input file does not compute.
    targets = [e for e in manifest["entries"] if e.get("pt") and not e.get("frozen_mismatch")]
    order = [e["name"] for e in targets]
    if args.only:
        wanted = set(args.only.split(","))
        targets = [e for e in targets if e["arch"] in wanted or e["name"] in wanted]
    earlier = {}
    if args.merge_json:
        rerun = {e["name"] for e in targets}
        earlier = {r["name"]: r for r in json.loads(args.merge_json.read_text())["rows"]
                   if r["name"] in order and r["name"] not in rerun}
    t0 = time.perf_counter()
    rows, phase = [], {"kiln": 0.0, "peer": 0.0}
    for i, entry in enumerate(targets, 1):
        work = (args.work / entry["name"]).resolve()
        work.mkdir(parents=True, exist_ok=True)
        row = {"name": entry["name"], "arch": entry["arch"], "mode": entry["mode"],
               "family": entry["family"], "params": entry["params"], "fp32_noise": entry.get("fp32_noise")}
        for side, export in (("kiln", kiln_side), ("peer", peer_side)):
            t = time.perf_counter()
            row[side] = export(setup, entry, work)
            phase[side] += time.perf_counter() - t
        rows.append(row)
        print(f"[{i}/{len(targets)}] {entry['name']}: kiln {fmt_result(row['kiln'], 50)}; "
              f"peer {fmt_result(row['peer'], 50)}", file=sys.stderr, flush=True)
    setup.peer.close()
    if earlier:  # the whole table, in manifest order
        fresh = {r["name"]: r for r in rows}
        rows = [fresh.get(n) or earlier[n] for n in order if n in fresh or n in earlier]
    notes = [f"Not frozen by Python (not exported): {e['arch']}/{e['mode']}: {e['freeze_error']}"
             for e in manifest["entries"] if not e.get("pt")]
    notes += [f"Frozen file does not reproduce eager (not counted): {e['arch']}/{e['mode']}: {e['frozen_mismatch']}"
              for e in manifest["entries"] if e.get("pt") and e.get("frozen_mismatch")]
    if setup.peer.import_seconds is not None:
        notes.append(f"Peer process seconds: each export forks from a server that imported torch once "
                     f"({setup.peer.import_seconds:.1f} s); that import is added to every peer row, as a "
                     f"one-off export script pays it")
    if earlier:
        notes.append(f"{len(rows) - len(targets)} rows from {args.merge_json}, {len(targets)} rerun here")
    build_at_end = kiln_build(setup.kiln)
    notes.append(f"kiln build: {build_at_start}" + ("" if build_at_end == build_at_start else
                                                    f"; REBUILT during the run, now {build_at_end}")
                 + (f"; kiln --opset {setup.opset}" if setup.opset is not None else ""))
    notes.append(f"Harness time: {time.perf_counter() - t0:.0f} s (kiln side {phase['kiln']:.0f} s, "
                 f"peer side {phase['peer']:.0f} s, each including its ONNX checks); "
                 f"{len(manifest.get('skipped', []))} torchvision models skipped (manifest.json)")
    summary = summarize(rows)
    report = markdown(rows, summary, [""] + notes)
    print(report, end="")
    if args.markdown:
        args.markdown.write_text(report)
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "notes": notes, "rows": rows}, indent=1) + "\n")
    if args.require_kiln and not all(r["kiln"]["ok"] for r in rows):
        return 1
    if args.require_parity and any(r["peer"]["ok"] and not r["kiln"]["ok"] for r in rows):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
