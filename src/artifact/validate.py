#!/usr/bin/env python3
"""Checks this artifact without kiln: file hashes, the model's signature and opset, and the
golden inputs' outputs within the equivalence bound recorded in metadata.yaml.

Needs Python 3 with onnxruntime and numpy (onnx and PyYAML are used when present).
Usage: python3 validate.py [ARTIFACT_DIR] [--max-mae BOUND]
Exit code: 0 when every check passes, 1 when one fails, 2 on bad usage.
"""
import argparse
import hashlib
import os
import struct
import sys

import numpy as np


def quietly(load):
    """Debian's onnxruntime prints hundreds of harmless "Schema error" lines on stderr when it
    first loads; keep them out of the report."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        return load()
    finally:
        os.dup2(saved, 2)
        os.close(devnull)
        os.close(saved)


ort = quietly(lambda: __import__("onnxruntime"))

# TensorProto.DataType → numpy dtype (the types kiln writes)
DTYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 5: np.int16, 6: np.int32, 7: np.int64,
          9: np.bool_, 10: np.float16, 11: np.float64}


def parse_scalar(text):
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    if text in ("null", "~", ""):
        return None
    if text in ("true", "false"):
        return text == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse_flow_list(text):
    inner = text.strip()[1:-1].strip()
    return [parse_scalar(part) for part in inner.split(",")] if inner else []


def load_yaml(text):
    """The subset kiln writes: block maps (2-space indent), scalars, flow lists."""
    try:
        import yaml  # noqa: PLC0415
        return yaml.safe_load(text)
    except ImportError:
        pass
    root, stack = {}, [(-1, None)]
    stack[0] = (-1, root)
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        line = raw.strip()
        key, _, value = line.partition(":")
        while stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        key = parse_scalar(key)
        value = value.strip()
        if value == "":
            parent[key] = {}
            stack.append((indent, parent[key]))
        elif value.startswith("["):
            parent[key] = parse_flow_list(value)
        else:
            parent[key] = parse_scalar(value)
    return root


def varint(buf, pos):
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def read_tensor_pb(path):
    """A serialized onnx.TensorProto (dims, data_type, raw_data or float_data)."""
    try:
        import onnx  # noqa: PLC0415
        from onnx import numpy_helper  # noqa: PLC0415
        proto = onnx.TensorProto()
        with open(path, "rb") as f:
            proto.ParseFromString(f.read())
        return numpy_helper.to_array(proto)
    except ImportError:
        pass
    buf = open(path, "rb").read()
    dims, dtype, raw, floats, pos = [], 1, None, [], 0
    while pos < len(buf):
        tag, pos = varint(buf, pos)
        field, wire = tag >> 3, tag & 7
        if wire == 0:
            value, pos = varint(buf, pos)
            if field == 1:
                dims.append(value)
            elif field == 2:
                dtype = value
        elif wire == 2:
            length, pos = varint(buf, pos)
            chunk = buf[pos:pos + length]
            pos += length
            if field == 1:  # packed dims
                p = 0
                while p < len(chunk):
                    value, p = varint(chunk, p)
                    dims.append(value)
            elif field == 9:
                raw = chunk
            elif field == 4:
                floats.extend(struct.unpack(f"<{len(chunk) // 4}f", chunk))
        elif wire == 5:
            pos += 4
        elif wire == 1:
            pos += 8
        else:
            raise ValueError(f"{path}: not a TensorProto")
    np_type = DTYPES.get(dtype)
    if np_type is None:
        raise ValueError(f"{path}: unsupported data type {dtype}")
    data = np.frombuffer(raw, dtype=np_type) if raw is not None else np.array(floats, dtype=np_type)
    return data.reshape(dims)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("artifact", nargs="?", default=here)
    parser.add_argument("--max-mae", type=float, default=None)
    args = parser.parse_args()
    root = args.artifact
    failures = []

    def report(check, ok, detail):
        print(f"{'PASS' if ok else 'FAIL'}  {check:<14} {detail}")
        if not ok:
            failures.append(check)

    try:
        meta = load_yaml(open(os.path.join(root, "metadata.yaml"), encoding="utf-8").read())
        ok = isinstance(meta, dict) and all(k in meta for k in ("opset", "equivalence", "files", "inputs", "outputs"))
        report("metadata", ok, "readable" if ok else "missing required keys")
    except (OSError, ValueError) as e:
        report("metadata", False, str(e).splitlines()[0])
        return 1
    if failures:
        return 1

    bad = []
    for name, digest in meta["files"].items():
        path = os.path.join(root, name)
        if os.path.isabs(name) or ".." in name.split("/"):
            bad.append(f"{name} escapes the artifact")
        elif not os.path.isfile(path):
            bad.append(f"{name} is missing")
        elif hashlib.sha256(open(path, "rb").read()).hexdigest() != digest:
            bad.append(f"{name} does not match its SHA-256")
    report("hashes", not bad, bad[0] if bad else f"{len(meta['files'])} files match")
    if bad:
        return 1

    model_path = os.path.join(root, "model_opt.onnx")
    def check_with_onnx():
        import onnx  # noqa: PLC0415
        model = onnx.load(model_path)
        onnx.checker.check_model(model, full_check=True)
        return next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))

    try:
        opset = quietly(check_with_onnx)
        report("onnx_checker", True, "full check passed")
        report("opset", opset == meta["opset"], f"metadata {meta['opset']} / model {opset}")
    except ImportError:
        print("SKIP  onnx_checker   the onnx package is not installed")
    except Exception as e:  # noqa: BLE001 - the checker's own exception types vary by version
        report("onnx_checker", False, str(e).splitlines()[0])

    try:
        session = quietly(lambda: ort.InferenceSession(model_path, providers=["CPUExecutionProvider"]))
    except Exception as e:  # noqa: BLE001 - any load failure is a failed check
        report("golden", False, str(e).splitlines()[0])
        return 1
    names = [i.name for i in session.get_inputs()]
    report("signature", names == list(meta["inputs"].keys()) and [o.name for o in session.get_outputs()] == list(meta["outputs"].keys()),
           f"inputs {names}")

    bound = args.max_mae if args.max_mae is not None else float(meta["equivalence"]["bound"])
    total, count, sets = 0.0, 0, 0
    k = 0
    while os.path.isdir(os.path.join(root, f"test_data_set_{k}")):
        folder = os.path.join(root, f"test_data_set_{k}")
        inputs = {}
        i = 0
        while os.path.exists(os.path.join(folder, f"input_{i}.pb")):
            inputs[names[i]] = read_tensor_pb(os.path.join(folder, f"input_{i}.pb"))
            i += 1
        outputs = session.run(None, inputs)
        for j, got in enumerate(outputs):
            expected = read_tensor_pb(os.path.join(folder, f"output_{j}.pb"))
            if expected.shape != got.shape or not np.all(np.isfinite(got)):
                report("golden", False, f"test_data_set_{k}: shape {got.shape} vs {expected.shape} or NaN/Inf")
                return 1
            total += float(np.abs(expected.astype(np.float64) - got.astype(np.float64)).sum())
            count += expected.size
        sets += 1
        k += 1
    mae = total / count if count else float("inf")
    report("golden", sets > 0 and mae <= bound, f"{sets} sets, E = {mae:.3g} (bound {bound:g})")
    print("artifact valid" if not failures else "artifact INVALID")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
