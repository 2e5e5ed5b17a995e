"""The peer exporter for one corpus entry: torch.onnx.export (TorchScript-based, opset 17).

    peer_export.py ENTRY_JSON OUT.onnx

ENTRY_JSON is a manifest entry, as a file or inline JSON, whose "pt" and case paths are absolute
or relative to its "corpus" key (run_corpus.py writes such a file). Prints one JSON line
{"ok", "seconds", "error"}: seconds is the export call alone; error the first line of the
exception. Exits 0 even when the export fails, so that the caller reads the line either way.
"""
import json
import sys
import time
import warnings
from pathlib import Path

OPSET = 17


def load_entry(arg: str) -> dict:
    return json.loads(arg if arg.lstrip().startswith("{") else Path(arg).read_text())


def example_inputs(entry: dict, root: Path) -> tuple:
    """The inputs of the first case (every symbol at its example size), in declaration order."""
    import numpy as np
    import torch
    case = entry["cases"][0]
    names = [spec.split(":")[0] for spec in entry["inputs"]]
    return tuple(torch.from_numpy(np.load(root / case["inputs"][n])) for n in names)


def dynamic_axes(entry: dict) -> dict:
    """Every SYMBOL=N dimension of the inputs and every symbolic output dimension."""
    axes = {}
    for spec in entry["inputs"]:
        name, _, dims = spec.split(":")
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
    root = Path(entry.get("corpus", "."))
    model = torch.jit.load(str(root / entry["pt"])).eval()
    args = example_inputs(entry, root)
    t0 = time.perf_counter()
    torch.onnx.export(model, args, out, opset_version=OPSET, dynamo=False,
                      input_names=[s.split(":")[0] for s in entry["inputs"]],
                      output_names=entry["outputs"], dynamic_axes=dynamic_axes(entry))
    return time.perf_counter() - t0


def main() -> int:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    warnings.filterwarnings("ignore")  # exporter warnings go nowhere useful in a table
    result = {"ok": False, "seconds": None, "error": None}
    try:
        result["seconds"] = round(export(load_entry(sys.argv[1]), sys.argv[2]), 3)
        result["ok"] = True
    except Exception as exc:  # noqa: BLE001 - any failure is a result, reported on one line
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        result["error"] = f"{type(exc).__name__}: {lines[0] if lines else ''}"[:300]
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
