"""The peer exporter for one corpus entry: torch.onnx.export (TorchScript-based, opset 17).

    peer_export.py ENTRY_JSON OUT.onnx
    peer_export.py --serve

ENTRY_JSON is a manifest entry, as a file or inline JSON, whose "pt" and case paths are absolute
or relative to its "corpus" key (run_corpus.py writes such a file). Prints one JSON line
{"ok", "seconds", "error"}: seconds is the export call alone; error the first line of the
exception. Exits 0 even when the export fails, so that the caller reads the line either way.

--serve (run_corpus.py): imports torch once, says {"ready": true, "import_seconds": S} on stdout,
then for each request line on stdin, {"entry", "out", "stdout", "stderr"}, forks a child that does
what the one-shot form does with its stdout and stderr in those files, answers {"pid": P} at once
(so that the caller can kill it on a timeout) and {"status", "seconds", "rss_kib"} when it has
ended (wait4: a raw wait status, fork-to-exit seconds, the child's peak RSS, which includes the
~270 MiB of torch it was forked with). One import for the whole corpus instead of one per model.
"""
import json
import os
import sys
import time
import warnings
from pathlib import Path

OPSET = 17


def load_entry(arg: str) -> dict:
    return json.loads(arg if arg.lstrip().startswith("{") else Path(arg).read_text())


def example_inputs(entry: dict, root: Path) -> tuple:
    """The example inputs, in declaration order: the entry's example file (torch.save of a dict by
    input name, what kiln gets with --example) when it has one, else the first case's inputs
    (every symbol at its example size; the same values)."""
    import numpy as np
    import torch
    names = [spec.split(":")[0] for spec in entry["inputs"]]
    if entry.get("example"):
        example = torch.load(str(root / entry["example"]))
        return tuple(example[n] for n in names)
    case = entry["cases"][0]
    return tuple(torch.from_numpy(np.load(root / case["inputs"][n])) for n in names)


def dynamic_axes(entry: dict) -> dict:
    """Every SYMBOL=N dimension of the inputs and every symbolic output dimension."""
    axes = {}
    for spec in entry["inputs"]:
        name, _, dims = spec.split(":")[:3]  # NAME:DTYPE:DIMS[:LO..HI]
        sym = {i: d.split("=")[0] for i, d in enumerate(dims.split("x")) if "=" in d}
        if sym:
            axes[name] = sym
    for name, dims in entry.get("output_dims", {}).items():
        sym = {i: d for i, d in enumerate(dims) if isinstance(d, str)}
        if sym:
            axes[name] = sym
    return axes


def export(entry: dict, out: str) -> float:
    import torch
    torch.set_num_threads(1)
    if entry.get("quantized_engine"):  # the engine the references were computed with
        torch.backends.quantized.engine = entry["quantized_engine"]
    root = Path(entry.get("corpus", "."))
    try:
        model = torch.jit.load(str(root / entry["pt"])).eval()
    except RuntimeError as exc:
        if "torchvision::" not in str(exc):
            raise
        import torchvision  # noqa: F401 - registers torchvision's ops, as a user's export script would
        model = torch.jit.load(str(root / entry["pt"])).eval()
    args = example_inputs(entry, root)
    t0 = time.perf_counter()
    torch.onnx.export(model, args, out, opset_version=OPSET, dynamo=False,
                      input_names=[s.split(":")[0] for s in entry["inputs"]],
                      output_names=entry["outputs"], dynamic_axes=dynamic_axes(entry))
    return time.perf_counter() - t0


def export_and_report(entry_arg: str, out: str) -> None:
    warnings.filterwarnings("ignore")  # exporter warnings go nowhere useful in a table
    result = {"ok": False, "seconds": None, "error": None}
    try:
        result["seconds"] = round(export(load_entry(entry_arg), out), 3)
        result["ok"] = True
    except Exception as exc:  # noqa: BLE001 - any failure is a result, reported on one line
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        result["error"] = f"{type(exc).__name__}: {lines[0] if lines else ''}"[:300]
    print(json.dumps(result), flush=True)


def serve() -> int:
    t0 = time.perf_counter()
    import numpy  # noqa: F401 - imported here once, as torch is
    import torch  # noqa: F401 - no op runs here: its thread pools start in the children
    answer = sys.stdout
    answer.write(json.dumps({"ready": True, "import_seconds": time.perf_counter() - t0}) + "\n")
    answer.flush()
    for line in sys.stdin:
        req = json.loads(line)
        t = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # the child: one export, as the one-shot form would run it
            code = 0
            try:
                devnull = os.open(os.devnull, os.O_RDONLY)
                os.dup2(devnull, 0)
                for fd, path in ((1, req["stdout"]), (2, req["stderr"])):
                    f = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                    os.dup2(f, fd)
                sys.stdout = os.fdopen(1, "w")
                sys.stderr = os.fdopen(2, "w")
                export_and_report(req["entry"], req["out"])
            except BaseException:  # noqa: BLE001 - the exit status says it; never back into the loop
                code = 1
            finally:
                os._exit(code)
        answer.write(json.dumps({"pid": pid}) + "\n")
        answer.flush()
        _, status, usage = os.wait4(pid, 0)
        answer.write(json.dumps({"status": status, "seconds": time.perf_counter() - t,
                                 "rss_kib": usage.ru_maxrss}) + "\n")
        answer.flush()
    return 0


def main() -> int:
    if sys.argv[1:] == ["--serve"]:
        return serve()
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    export_and_report(sys.argv[1], sys.argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main())
