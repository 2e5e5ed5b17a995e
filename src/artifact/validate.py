#!/usr/bin/env python3
"""Checks this artifact without kiln: the same checks as `kiln validate` — metadata schema, file
hashes (nothing unlisted, no links), the model's external data, size and structure bounds, checker,
opset and signature, and the golden inputs' outputs within the recorded equivalence bound.

Needs Python 3 with onnxruntime and numpy. The security checks (links, external data paths, size
and nesting bounds, YAML anchors) read the files themselves and need nothing else; onnx adds its
checker, PyYAML its YAML scanner. Never imports code from the artifact.
Usage: python3 validate.py [ARTIFACT_DIR] [--max-mae BOUND]
Exit code: 0 when every check passes, 1 when one fails, 2 on bad usage.
"""
import argparse
import hashlib
import math
import os
import re
import stat
import struct
import sys

import numpy as np

# The bounds kiln validate applies (docs/security.md).
MAX_METADATA_BYTES = 1 << 20
MAX_METADATA_DEPTH = 32
MAX_METADATA_VALUES = 100000
MAX_SUBGRAPH_DEPTH = 12
MAX_MODEL_NODES = 1000000
MAX_MODEL_BYTES = (1 << 31) - 1
MAX_TENSOR_RANK = 32


class Fail(Exception):
    """A failed check; its message is the one-line detail."""


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


def max_tensor_bytes():
    env = os.environ.get("KILN_MAX_TENSOR_BYTES", "")
    if not env:
        return 4 << 30
    if not env.isdigit() or int(env) == 0 or int(env) >= 1 << 64:
        raise SystemExit(f"validate.py: KILN_MAX_TENSOR_BYTES='{env}' is not a positive number of bytes")
    return int(env)


# ---- metadata.yaml ------------------------------------------------------------------------------
# Read as kiln reads it: from parse events, plain scalars typed by kiln's rules (YAML 1.2 core:
# true/false, null/~, decimal integers, finite decimal numbers; everything else a string), anchors,
# aliases, a second document, depth > 32 and more than 100000 values refused.

INT_RE = re.compile(r"-?[0-9]+\Z")
FLOAT_RE = re.compile(r"-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\Z")
NULLS = ("", "~", "null", "Null", "NULL")


def scalar_value(text, plain):
    if not plain:
        return text
    if text == "true":
        return True
    if text == "false":
        return False
    if text in NULLS:
        return None
    if INT_RE.match(text) and -(1 << 63) <= int(text) < (1 << 63):
        return int(text)
    if FLOAT_RE.match(text):
        value = float(text)
        if math.isfinite(value):
            return value
    return text


def pyyaml_events(text):
    """(kind, line, anchor, value, plain) from PyYAML's parser, when PyYAML is installed."""
    import yaml  # noqa: PLC0415
    try:
        for e in yaml.parse(text, Loader=yaml.SafeLoader):
            line = e.start_mark.line + 1 if e.start_mark else 0
            if isinstance(e, yaml.AliasEvent):
                yield ("alias", line, None, None, None)
            elif isinstance(e, yaml.ScalarEvent):
                yield ("scalar", line, e.anchor, e.value, e.style is None)
            elif isinstance(e, yaml.MappingStartEvent):
                yield ("map", line, e.anchor, None, None)
            elif isinstance(e, yaml.SequenceStartEvent):
                yield ("seq", line, e.anchor, None, None)
            elif isinstance(e, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                yield ("end", line, None, None, None)
            elif isinstance(e, yaml.DocumentStartEvent):
                yield ("doc", line, None, None, None)
    except yaml.YAMLError as err:
        raise Fail(f"malformed YAML: {str(err).splitlines()[0]}") from None


class SubsetYaml:
    """Events for the YAML kiln writes, without PyYAML: block maps and sequences indented with
    spaces, flow lists and maps, plain, single- and double-quoted scalars, comments. Anything else
    is malformed (kiln validate would read it with yaml-cpp; an artifact kiln wrote never has it)."""

    def __init__(self, text):
        self.lines = []
        for number, raw in enumerate(text.split("\n"), 1):
            body = raw.rstrip("\r")
            stripped = body.lstrip(" ")
            if not stripped or stripped.startswith("#"):
                continue
            if stripped.startswith("\t") or "\t" in body[: len(body) - len(stripped)]:
                raise Fail(f"malformed YAML: a tab in the indentation (line {number})")
            if stripped in ("---", "...") or stripped.startswith("--- "):
                if self.lines:
                    raise Fail(f"more than one YAML document (line {number})")
                continue
            self.lines.append((number, len(body) - len(stripped), stripped))
        self.pos = 0
        self.events = []

    def parse(self):
        self.events.append(("doc", 1, None, None, None))
        if not self.lines:
            raise Fail("empty document")
        self.block(self.lines[0][1], 0)
        if self.pos != len(self.lines):
            raise Fail(f"malformed YAML (line {self.lines[self.pos][0]})")
        return self.events

    # A block node starting at line self.pos, indented `indent`.
    def block(self, indent, depth):
        number, ind, text = self.lines[self.pos]
        if depth >= MAX_METADATA_DEPTH:  # before recursing further: Python's stack is small
            raise Fail(f"nested deeper than {MAX_METADATA_DEPTH} levels (line {number})")
        if text.startswith("- ") or text == "-":
            self.sequence(ind, depth + 1)
        elif self.key_split(text, number) is not None:
            self.mapping(ind, depth + 1)
        else:
            self.pos += 1
            self.inline_value(text, number)

    def sequence(self, indent, depth):
        self.events.append(("seq", self.lines[self.pos][0], None, None, None))
        while self.pos < len(self.lines):
            number, ind, text = self.lines[self.pos]
            if ind < indent:
                break
            if ind > indent or not (text.startswith("- ") or text == "-"):
                raise Fail(f"malformed YAML (line {number})")
            rest = text[2:].lstrip(" ") if text != "-" else ""
            if not rest:
                self.pos += 1
                if self.pos < len(self.lines) and self.lines[self.pos][1] > indent:
                    self.block(self.lines[self.pos][1], depth)
                else:
                    self.events.append(("scalar", number, None, "", True))
            elif self.key_split(rest, number) is not None:
                # "- key: value" starts a map indented at the key's column
                column = ind + (len(text) - len(rest))
                self.lines[self.pos] = (number, column, rest)
                if depth >= MAX_METADATA_DEPTH:
                    raise Fail(f"nested deeper than {MAX_METADATA_DEPTH} levels (line {number})")
                self.mapping(column, depth + 1)
            else:
                self.pos += 1
                self.inline_value(rest, number)
        self.events.append(("end", 0, None, None, None))

    def mapping(self, indent, depth):
        self.events.append(("map", self.lines[self.pos][0], None, None, None))
        while self.pos < len(self.lines):
            number, ind, text = self.lines[self.pos]
            if ind < indent:
                break
            split = self.key_split(text, number)
            if ind > indent or split is None:
                raise Fail(f"malformed YAML (line {number})")
            key, plain, rest = split
            self.anchor_check(key if plain else "", number)
            self.events.append(("scalar", number, None, key, plain))
            self.pos += 1
            if rest:
                self.inline_value(rest, number)
            elif self.pos < len(self.lines) and (
                self.lines[self.pos][1] > indent
                or (self.lines[self.pos][1] == indent and self.lines[self.pos][2].startswith("- "))
            ):
                self.block(self.lines[self.pos][1], depth)
            else:
                self.events.append(("scalar", number, None, "", True))
        self.events.append(("end", 0, None, None, None))

    @staticmethod
    def anchor_check(text, number):
        if text.startswith("&"):
            raise Fail(f"YAML anchors ({text.split()[0]}) are not allowed in metadata (line {number})")
        if text.startswith("*"):
            raise Fail(f"YAML aliases (*name) are not allowed in metadata (line {number})")
        if text[:1] in ("!", "|", ">", "%", "@", "`"):
            raise Fail(f"malformed YAML: '{text[:1]}' is not in kiln's YAML (line {number})")

    # "key: rest" → (key, plain, rest) or None when the line is not a mapping entry.
    def key_split(self, text, number):
        if text[:1] in ("'", '"'):
            key, end = self.quoted(text, 0, number)
            after = text[end:]
            if after.startswith(":") and (len(after) == 1 or after[1] == " "):
                return key, False, after[1:].strip(" ")
            return None
        if text[:1] in ("[", "{", "?"):
            if text[:1] == "?":
                raise Fail(f"a mapping key is not a scalar (line {number})")
            return None
        match = re.match(r"([^#]*?):( |$)", text)
        if not match or " #" in match.group(1):
            return None
        return match.group(1).rstrip(" "), True, text[match.end():].strip(" ")

    def inline_value(self, text, number):
        text = self.strip_comment(text)
        if text[:1] in ("[", "{"):
            end = self.flow(text, 0, number, 1)
            if text[end:].strip(" "):
                raise Fail(f"malformed YAML (line {number})")
            return
        if text[:1] in ("'", '"'):
            value, end = self.quoted(text, 0, number)
            if text[end:].strip(" "):
                raise Fail(f"malformed YAML (line {number})")
            self.events.append(("scalar", number, None, value, False))
            return
        self.anchor_check(text, number)
        if text.startswith("- ") or ": " in text or text.endswith(":"):
            raise Fail(f"malformed YAML (line {number})")
        self.events.append(("scalar", number, None, text, True))

    @staticmethod
    def strip_comment(text):
        if text[:1] in ("'", '"', "[", "{"):
            return text
        cut = text.find(" #")
        return text if cut < 0 else text[:cut].rstrip(" ")

    def flow(self, text, i, number, depth):
        if depth > MAX_METADATA_DEPTH + 1:
            raise Fail(f"nested deeper than {MAX_METADATA_DEPTH} levels (line {number})")
        close = "]" if text[i] == "[" else "}"
        mapping = close == "}"
        self.events.append(("map" if mapping else "seq", number, None, None, None))
        i += 1
        expect_key = True
        while True:
            while i < len(text) and text[i] == " ":
                i += 1
            if i >= len(text):
                raise Fail(f"malformed YAML: unclosed flow collection (line {number})")
            if text[i] == close:
                self.events.append(("end", number, None, None, None))
                return i + 1
            if text[i] in "[{":
                if mapping and expect_key:
                    raise Fail(f"a mapping key is not a scalar (line {number})")
                i = self.flow(text, i, number, depth + 1)
            elif text[i] in "'\"":
                value, i = self.quoted(text, i, number)
                self.events.append(("scalar", number, None, value, False))
            else:
                end = i
                while end < len(text) and text[end] not in ",]}" and not (
                    mapping and expect_key and text[end] == ":"
                ):
                    end += 1
                token = text[i:end].strip(" ")
                self.anchor_check(token, number)
                self.events.append(("scalar", number, None, token, True))
                i = end
            while i < len(text) and text[i] == " ":
                i += 1
            if mapping and expect_key:
                if i >= len(text) or text[i] != ":":
                    raise Fail(f"malformed YAML (line {number})")
                i += 1
                expect_key = False
                continue
            expect_key = True
            if i < len(text) and text[i] == ",":
                i += 1
            elif i >= len(text) or text[i] != close:
                raise Fail(f"malformed YAML (line {number})")

    @staticmethod
    def quoted(text, i, number):
        quote = text[i]
        out = []
        i += 1
        while i < len(text):
            c = text[i]
            if c == quote:
                if quote == "'" and text[i + 1:i + 2] == "'":
                    out.append("'")
                    i += 2
                    continue
                return "".join(out), i + 1
            if c == "\\" and quote == '"':
                esc = text[i + 1:i + 2]
                simple = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "/": "/", "0": "\0",
                          " ": " ", "e": "\x1b", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
                if esc in simple:
                    out.append(simple[esc])
                    i += 2
                    continue
                size = {"x": 2, "u": 4, "U": 8}.get(esc)
                digits = text[i + 2:i + 2 + size] if size else ""
                if not size or len(digits) != size or not all(d in "0123456789abcdefABCDEF" for d in digits):
                    raise Fail(f"malformed YAML: bad escape (line {number})")
                out.append(chr(int(digits, 16)))
                i += 2 + size
                continue
            out.append(c)
            i += 1
        raise Fail(f"malformed YAML: unclosed quote (line {number})")


def load_metadata(text):
    """kiln's JSON form of metadata.yaml, or Fail with the reason."""
    try:
        import yaml  # noqa: F401, PLC0415
        events = pyyaml_events(text)
    except ImportError:
        events = iter(SubsetYaml(text).parse())
    stack, root, values, documents = [], None, 0, 0
    for kind, line, anchor, value, plain in events:
        if kind == "doc":
            documents += 1
            if documents > 1:
                raise Fail(f"more than one YAML document (line {line})")
            continue
        if kind == "alias":
            raise Fail(f"YAML aliases (*name) are not allowed in metadata (line {line})")
        if anchor:
            raise Fail(f"YAML anchors (&{anchor}) are not allowed in metadata (line {line})")
        if kind == "end":
            done = stack.pop()[0]
            node = done
        else:
            values += 1
            if values > MAX_METADATA_VALUES:
                raise Fail(f"more than {MAX_METADATA_VALUES} values (line {line})")
            awaiting_key = stack and isinstance(stack[-1][0], dict) and stack[-1][1] is None
            if kind in ("map", "seq"):
                if awaiting_key:
                    raise Fail(f"a mapping key is not a scalar (line {line})")
                if len(stack) >= MAX_METADATA_DEPTH:
                    raise Fail(f"nested deeper than {MAX_METADATA_DEPTH} levels (line {line})")
                stack.append([{} if kind == "map" else [], None])
                continue
            if awaiting_key:
                stack[-1][1] = "null" if plain and value in NULLS else value
                continue
            node = scalar_value(value, plain)
        if not stack:
            root = node
        elif isinstance(stack[-1][0], list):
            stack[-1][0].append(node)
        else:
            stack[-1][0][stack[-1][1]] = node
            stack[-1][1] = None
    if documents == 0:
        raise Fail("empty document")
    if not isinstance(root, dict):
        raise Fail("not a YAML mapping")
    return root


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def is_str(v):
    return isinstance(v, str) and v != ""


def schema_problems(m):
    """kiln's metadata_schema_problems: the same keys, types and order."""
    hex64 = re.compile(r"[0-9a-f]{64}\Z")
    rules = [
        ("schema_version", is_int, "an integer"),
        ("model_name", is_str, "a non-empty string"),
        ("version", is_str, "a string"),
        ("opset", is_int, "an integer"),
        ("precision", lambda v: isinstance(v, str) and v in ("fp32", "int8", "fp16", "bf16"),
         "one of fp32, int8, fp16, bf16"),
        ("optimization", lambda v: isinstance(v, list) and all(isinstance(e, str) for e in v),
         "a list of pass names"),
        ("runtime", lambda v: isinstance(v, str) and v.startswith("onnxruntime "), "'onnxruntime VERSION'"),
        ("latency_ms", lambda v: is_num(v) and v > 0, "a positive number"),
        ("accuracy_drop", lambda v: is_num(v) or v is None, "a number or null"),
        ("equivalence", lambda v: isinstance(v, dict) and is_num(v.get("bound", "")) and is_num(v.get("measured", "")),
         "a map with numeric 'bound' and 'measured'"),
        ("inputs", lambda v: isinstance(v, dict) and len(v) > 0, "a map of input signatures"),
        ("outputs", lambda v: isinstance(v, dict) and len(v) > 0, "a map of output signatures"),
        ("files", lambda v: isinstance(v, dict) and len(v) > 0 and all(isinstance(h, str) and hex64.match(h) for h in v.values()),
         "a map of file → SHA-256 (64 hex digits)"),
        ("kiln_version", is_str, "a string"),
        ("created", is_str, "a string"),
    ]
    problems = []
    for key, ok, kind in rules:
        if key not in m:
            problems.append(f"missing key '{key}'")
        elif not ok(m[key]):
            problems.append(f"key '{key}' must be {kind}")
    return problems


# ---- files ------------------------------------------------------------------------------------


def plain_file(root, rel):
    """Files the checks read are plain files inside the folder: a link could lead anywhere, a FIFO
    or a device would block."""
    try:
        st = os.lstat(os.path.join(root, rel))
    except OSError:
        raise Fail(f"{rel}: no such file") from None
    if not stat.S_ISREG(st.st_mode):
        raise Fail(f"{rel} is not a plain file")
    return os.path.join(root, rel)


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_hashes(root, files):
    for name in sorted(files):
        path = os.path.join(root, name)
        if os.path.isabs(name) or ".." in name:
            raise Fail(f"file entry {name} escapes the artifact")
        if not os.path.isfile(path):
            raise Fail(f"{name} is missing")
        if sha256_file(path) != files[name]:
            raise Fail(f"{name} does not match its SHA-256")
    for folder, dirs, names in os.walk(root):
        for name in sorted(dirs) + sorted(names):
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            if os.path.islink(path):
                raise Fail(f"{rel} is a symbolic link")
            if name in names and stat.S_ISREG(os.lstat(path).st_mode) and rel != "metadata.yaml" and rel not in files:
                raise Fail(f"{rel} is not listed in metadata.yaml")
    return len(files)


# ---- protobuf, read directly (no onnx package needed for the security checks) -------------------


def varint(buf, pos, end):
    result = shift = 0
    while True:
        if pos >= end or shift > 63:
            raise Fail("truncated")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def fields(buf, start, end):
    """(field, wire type, value) of one message: an int for varints and fixed, a (start, end)
    slice for length-delimited fields."""
    pos = start
    while pos < end:
        tag, pos = varint(buf, pos, end)
        field, wire = tag >> 3, tag & 7
        if field == 0:
            raise Fail("field 0")
        if wire == 0:
            value, pos = varint(buf, pos, end)
        elif wire == 1:
            if pos + 8 > end:
                raise Fail("truncated")
            value, pos = struct.unpack_from("<Q", buf, pos)[0], pos + 8
        elif wire == 5:
            if pos + 4 > end:
                raise Fail("truncated")
            value, pos = struct.unpack_from("<I", buf, pos)[0], pos + 4
        elif wire == 2:
            length, pos = varint(buf, pos, end)
            if pos + length > end:
                raise Fail("truncated")
            value, pos = (pos, pos + length), pos + length
        else:
            raise Fail(f"wire type {wire}")
        yield field, wire, value


def text(buf, span):
    return bytes(buf[span[0]:span[1]]).decode("utf-8", "replace")


def signed(value):
    return value - (1 << 64) if value >= 1 << 63 else value


def packed_ints(buf, wire, value):
    if wire == 0:
        return [signed(value)]
    out, pos = [], value[0]
    while pos < value[1]:
        v, pos = varint(buf, pos, value[1])
        out.append(signed(v))
    return out


def element_size(elem_type):
    return {11: 8, 7: 8, 13: 8, 14: 8, 15: 16, 1: 4, 6: 4, 12: 4, 10: 2, 16: 2, 5: 2, 4: 2}.get(elem_type, 1)


def check_tensor_size(dims, size, what, limit):
    total = size
    for d in dims:
        if d < 0:
            raise Fail(f"{what}: negative dimension in {'x'.join(map(str, dims))}")
        if d == 0:
            return
        total *= d
    if total > limit:
        raise Fail(f"{what}: shape {'x'.join(map(str, dims))} is too large: needs more than {limit} bytes "
                   "(limit: KILN_MAX_TENSOR_BYTES)")


class ModelFacts:
    """What the checks need from model_opt.onnx, read from its bytes with every bound kiln applies
    (structure first, then sizes and external data), before onnxruntime or onnx see it."""

    def __init__(self, buf, folder, what):
        self.buf, self.folder, self.what = buf, folder, what
        self.opsets, self.inputs, self.outputs = {}, {}, {}
        self.external = False
        self.limit = max_tensor_bytes()
        try:
            self.read()
        except Fail as e:
            if str(e).startswith(what):
                raise
            raise Fail(f"{what}: not an ONNX model (protobuf parse failed)") from None

    def read(self):
        buf, graph, ir_version = self.buf, None, 0
        lists = []  # (kind, span, depth): node lists to walk, without recursion
        for field, wire, value in fields(buf, 0, len(buf)):
            if field == 1 and wire == 0:
                ir_version = value
            elif field == 7 and wire == 2:
                graph = value
            elif field == 8 and wire == 2:
                domain, version = "", 0
                for f, w, v in fields(buf, *value):
                    if f == 1 and w == 2:
                        domain = text(buf, v)
                    elif f == 2 and w == 0:
                        version = signed(v)
                self.opsets[domain] = version
            elif field == 25 and wire == 2:
                lists.append(("function", value, 0))
        if graph is None or ir_version <= 0:
            raise Fail(f"{self.what}: not an ONNX model (no graph or IR version)")
        lists.insert(0, ("graph", graph, 0))
        nodes = 0
        self.tensors, self.value_infos = [], []
        while lists:
            kind, span, depth = lists.pop()
            for field, wire, value in fields(buf, *span):
                if wire != 2:
                    continue
                node_field = 1 if kind == "graph" else 7
                if field == node_field:
                    nodes += 1
                    if nodes > MAX_MODEL_NODES:
                        raise Fail(f"{self.what}: more than {MAX_MODEL_NODES} nodes (subgraphs and functions included); "
                                   f"kiln's bound is {MAX_MODEL_NODES}")
                    self.node(value, depth, lists)
                elif kind == "graph" and field == 5:
                    self.tensors.append(value)
                elif kind == "graph" and field == 15:
                    self.sparse(value)
                elif kind == "graph" and field in (11, 12):
                    info = self.value_info(value)
                    if field == 11:
                        self.value_infos.append(info)
                    if depth == 0 and span == graph:
                        (self.inputs if field == 11 else self.outputs)[info[0]] = info[1]
        for span in self.tensors:
            self.tensor(span)
        for name, sig, static in self.value_infos:
            if static is not None:
                check_tensor_size(static[1], element_size(static[0]), f"{self.what}: input '{name}'", self.limit)

    def node(self, span, depth, lists):
        buf = self.buf
        name = op = ""
        subgraphs = []
        for field, wire, value in fields(buf, *span):
            if wire != 2:
                continue
            if field == 3:
                name = text(buf, value)
            elif field == 4:
                op = text(buf, value)
            elif field == 5:
                for f, w, v in fields(buf, *value):
                    if w != 2:
                        continue
                    if f in (5, 10):
                        self.tensors.append(v)
                    elif f in (22, 23):
                        self.sparse(v)
                    elif f in (6, 11):
                        subgraphs.append(v)
        for g in subgraphs:
            if depth + 1 > MAX_SUBGRAPH_DEPTH:
                raise Fail(f"{self.what}: node '{name}' ({op}) holds subgraphs nested more than {MAX_SUBGRAPH_DEPTH} "
                           f"deep; kiln's bound is {MAX_SUBGRAPH_DEPTH} levels of If/Loop/Scan bodies")
            lists.append(("graph", g, depth + 1))

    def sparse(self, span):
        for f, w, v in fields(self.buf, *span):
            if f in (1, 2) and w == 2:
                self.tensors.append(v)

    def tensor(self, span):
        buf = self.buf
        dims, dtype, name, location, external = [], 0, "", 0, []
        for field, wire, value in fields(buf, *span):
            if field == 1:
                dims.extend(packed_ints(buf, wire, value))
            elif field == 2 and wire == 0:
                dtype = value
            elif field == 8 and wire == 2:
                name = text(buf, value)
            elif field == 14 and wire == 0:
                location = value
            elif field == 13 and wire == 2:
                key = val = ""
                for f, w, v in fields(buf, *value):
                    if f == 1 and w == 2:
                        key = text(buf, v)
                    elif f == 2 and w == 2:
                        val = text(buf, v)
                external.append((key, val))
        check_tensor_size(dims, element_size(dtype), f"{self.what}: tensor '{name}'", self.limit)
        if location == 1:
            self.external = True
            for key, loc in external:
                if key == "location":
                    self.check_external(name, loc)

    def check_external(self, name, loc):
        what = self.what
        if "_ORT_MEM_ADDR_" in loc:
            raise Fail(f"{what}: tensor '{name}' names ONNX Runtime's memory-address tag as its external data location")
        if not loc or os.path.isabs(loc):
            raise Fail(f"{what}: tensor '{name}' points at absolute external data path '{loc}'")
        if ".." in loc.split("/"):
            raise Fail(f"{what}: tensor '{name}' external data '{loc}' points outside the model's folder")
        base = os.path.realpath(self.folder)
        target = os.path.realpath(os.path.join(base, loc))
        if not os.path.isfile(target):
            raise Fail(f"{what}: tensor '{name}' external data file '{loc}' is missing")
        if os.path.commonpath([base, target]) != base:
            raise Fail(f"{what}: tensor '{name}' external data '{loc}' resolves outside the model's folder")

    def value_info(self, span):
        """(name, {dtype, shape} as kiln's io_signature writes it, (elem type, static dims) or None)."""
        buf = self.buf
        name, elem, dims, has_shape = "", 0, [], False
        for field, wire, value in fields(buf, *span):
            if field == 1 and wire == 2:
                name = text(buf, value)
            elif field == 2 and wire == 2:
                for f, w, v in fields(buf, *value):
                    if f != 1 or w != 2:
                        continue
                    for f2, w2, v2 in fields(buf, *v):
                        if f2 == 1 and w2 == 0:
                            elem = v2
                        elif f2 == 2 and w2 == 2:
                            has_shape = True
                            for f3, w3, v3 in fields(buf, *v2):
                                if f3 == 1 and w3 == 2:
                                    dim = 0
                                    for f4, w4, v4 in fields(buf, *v3):
                                        if f4 == 1 and w4 == 0:
                                            dim = signed(v4)
                                        elif f4 == 2 and w4 == 2:
                                            dim = text(buf, v4)
                                    dims.append(dim)
        static = (elem, [d if isinstance(d, int) and d >= 0 else 1 for d in dims]) if has_shape else None
        return name, {"dtype": DTYPE_NAMES.get(elem, str(elem)), "shape": dims}, static


# ---- tensors (.pb) ----------------------------------------------------------------------------

# ONNX element type → (kiln's name, numpy dtype of the stored bytes)
DTYPES = {1: ("float32", np.float32), 2: ("uint8", np.uint8), 3: ("int8", np.int8), 4: ("uint16", np.uint16),
          5: ("int16", np.int16), 6: ("int32", np.int32), 7: ("int64", np.int64), 9: ("bool", np.bool_),
          10: ("float16", np.float16), 11: ("float64", np.float64), 12: ("uint32", np.uint32),
          13: ("uint64", np.uint64), 16: ("bfloat16", np.uint16)}
DTYPE_NAMES = {k: v[0] for k, v in DTYPES.items()}


class Golden:
    """A TensorProto as kiln reads it: its name, element type, shape and values (bfloat16 kept as its
    bits); any other form fails with the reason."""

    def __init__(self, path, rel):
        limit = max_tensor_bytes()
        size = os.path.getsize(path)
        if size > limit:
            raise Fail(f"{rel}: too large for a tensor file ({size} bytes)")
        with open(path, "rb") as f:
            buf = f.read()
        dims, dtype, name, raw, typed, location, segment = [], 0, "", None, [], 0, False
        try:
            for field, wire, value in fields(buf, 0, len(buf)):
                if field == 1:
                    dims.extend(packed_ints(buf, wire, value))
                elif field == 2 and wire == 0:
                    dtype = value
                elif field == 3:
                    segment = True
                elif field == 8 and wire == 2:
                    name = text(buf, value)
                elif field == 9 and wire == 2:
                    raw = bytes(buf[value[0]:value[1]])
                elif field == 14 and wire == 0:
                    location = value
                elif field in (4, 5, 7, 10, 11):
                    typed.append((field, wire, value))
        except Fail:
            raise Fail(f"{rel}: not a TensorProto (.pb) file") from None
        if dtype == 0:
            raise Fail(f"{rel}: not a TensorProto (.pb) file (no element type)")
        if location == 1:
            raise Fail(f"{rel}: tensor '{name}' keeps its data in an external file (not supported)")
        if segment:
            raise Fail(f"{rel}: segmented tensors are not supported")
        if dtype not in DTYPES:
            raise Fail(f"{rel}: element type {dtype} is not supported")
        for d in dims:
            if d < 0:
                raise Fail(f"{rel}: tensor '{name}' has a negative dimension {d}")
        if len(dims) > MAX_TENSOR_RANK:
            raise Fail(f"{rel}: tensor '{name}' has {len(dims)} dimensions")
        kind, np_type = DTYPES[dtype]
        check_tensor_size(dims, np.dtype(np_type).itemsize, f"{rel}: tensor '{name}'", limit)
        count = int(np.prod(dims, dtype=object)) if dims else 1
        itemsize = np.dtype(np_type).itemsize
        if raw is None:
            raw = self.from_typed(buf, dtype, np_type, typed)
        if len(raw) != count * itemsize:
            raise Fail(f"{rel}: tensor '{name}' {kind} {'x'.join(map(str, dims)) or 'scalar'} needs "
                       f"{count * itemsize} bytes of data, has {len(raw)}")
        self.name, self.elem, self.kind = name, dtype, kind
        self.array = np.frombuffer(raw, dtype=np_type).reshape(dims)

    @staticmethod
    def from_typed(buf, dtype, np_type, typed):
        want = {1: 4, 11: 10, 7: 7, 12: 11, 13: 11}.get(dtype, 5)
        values = []
        for field, wire, value in typed:
            if field != want:
                continue
            if want == 4:
                if wire == 2:
                    values.extend(struct.unpack_from(f"<{(value[1] - value[0]) // 4}f", buf, value[0]))
                elif wire == 5:
                    values.append(struct.unpack("<f", struct.pack("<I", value))[0])
            elif want == 10:
                if wire == 2:
                    values.extend(struct.unpack_from(f"<{(value[1] - value[0]) // 8}d", buf, value[0]))
                elif wire == 1:
                    values.append(struct.unpack("<d", struct.pack("<Q", value))[0])
            else:
                values.extend(packed_ints(buf, wire, value))
        if dtype in (10, 16):  # stored as their bits in int32_data
            return np.array([v & 0xFFFF for v in values], dtype=np.uint16).tobytes()
        return np.array(values).astype(np_type).tobytes()

    def as_float64(self):
        if self.elem == 16:
            return (self.array.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
        return self.array.astype(np.float64)

    def ort_value(self, ort):
        if self.elem == 16:
            return ort.OrtValue.ortvalue_from_numpy_with_onnx_type(self.array, 16)
        return ort.OrtValue.ortvalue_from_numpy(np.ascontiguousarray(self.array))


def shape_text(shape):
    return "x".join(str(d) for d in shape) if len(shape) else "scalar"


# ---- the checks ---------------------------------------------------------------------------------


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("artifact", nargs="?", default=here)
    parser.add_argument("--max-mae", type=float, default=None)
    args = parser.parse_args()
    if args.max_mae is not None and not args.max_mae >= 0:
        print("validate.py: error: --max-mae must be non-negative", file=sys.stderr)
        return 2
    root = args.artifact
    if not os.path.isdir(root):
        print(f"validate.py: error: {root}: not an artifact folder", file=sys.stderr)
        return 1
    failures = []

    def report(check, ok, detail):
        detail = str(detail).splitlines()[0] if str(detail) else ""
        print(f"{'PASS' if ok else 'FAIL'}  {check:<14} {detail}")
        if not ok:
            failures.append(check)

    def finish():
        print("artifact valid" if not failures else "artifact INVALID")
        return 1 if failures else 0

    # 1. metadata
    try:
        path = plain_file(root, "metadata.yaml")
        if os.path.getsize(path) > MAX_METADATA_BYTES:
            raise Fail(f"metadata.yaml is larger than {MAX_METADATA_BYTES} bytes")
        with open(path, "rb") as f:
            raw = f.read()
        try:
            content = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Fail("metadata.yaml: a value is not valid UTF-8") from None
        meta = load_metadata(content)
        problems = schema_problems(meta)
        report("metadata", not problems, "schema valid" if not problems else f"{problems[0]} ({len(problems)} problems)")
        if problems:
            report("hashes", False, "skipped: metadata unreadable")
            return finish()
    except Fail as e:
        report("metadata", False, e)
        report("hashes", False, "skipped: metadata unreadable")
        return finish()

    # 2. hashes: every listed file, nothing unlisted, no links
    try:
        report("hashes", True, f"{check_hashes(root, meta['files'])} files match")
    except Fail as e:
        report("hashes", False, e)

    # 3-6. the model
    try:
        model_path = plain_file(root, "model_opt.onnx")
        if os.path.getsize(model_path) == 0:
            raise Fail("model_opt.onnx: empty file, not an ONNX model")
        if os.path.getsize(model_path) > MAX_MODEL_BYTES:
            raise Fail(f"model_opt.onnx: {os.path.getsize(model_path)} bytes is beyond protobuf's 2 GiB limit")
        with open(model_path, "rb") as f:
            buf = memoryview(f.read())
        facts = ModelFacts(buf, root, "model_opt.onnx")
    except Fail as e:
        # As kiln validate: a file that is no model fails the checker, a model past a bound (external
        # data, sizes, structure) the external_data check.
        report("onnx_checker" if "not an ONNX model" in str(e) or "not a plain file" in str(e)
               or "no such file" in str(e) else "external_data", False, e)
        return finish()
    report("external_data", True, "no path escapes the artifact, no tensor beyond the size limit")

    def check_with_onnx():
        import onnx  # noqa: PLC0415
        if facts.external:  # by path: external data is read beside the model, not the working directory
            onnx.checker.check_model(model_path, full_check=True)
            return
        model = onnx.ModelProto()
        model.ParseFromString(bytes(buf))
        onnx.checker.check_model(model, full_check=True)

    try:
        quietly(check_with_onnx)
        report("onnx_checker", True, "full check passed")
    except ImportError:
        print("SKIP  onnx_checker   the onnx package is not installed")
    except Exception as e:  # noqa: BLE001 - the checker's own exception types vary by version
        report("onnx_checker", False, f"model_opt.onnx: invalid ONNX model: {e}")
    opset = facts.opsets.get("", facts.opsets.get("ai.onnx", 0))
    report("opset", meta["opset"] == opset and is_int(meta["opset"]), f"metadata {meta['opset']} / model {opset}")
    sig_ok = meta["inputs"] == facts.inputs and meta["outputs"] == facts.outputs
    report("signature", sig_ok, "inputs and outputs match" if sig_ok else f"metadata {meta['inputs']} / model {facts.inputs}")

    # 7. golden outputs within the bound
    bound = args.max_mae if args.max_mae is not None else float(meta["equivalence"]["bound"])
    try:
        ort = quietly(lambda: __import__("onnxruntime"))
        options = ort.SessionOptions()
        options.log_severity_level = 3
        session = quietly(lambda: ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"]))
    except Exception as e:  # noqa: BLE001 - any load failure is a failed check
        report("golden", False, f"model_opt.onnx: ONNX Runtime cannot load it: {e}")
        return finish()
    try:
        detail = check_golden(root, session, ort, bound)
        report("golden", True, detail)
    except Fail as e:
        report("golden", False, e)
    except Exception as e:  # noqa: BLE001 - ONNX Runtime's run errors: a failed check, never a traceback
        report("golden", False, f"ONNX Runtime run failed: {e}")
    return finish()


def check_golden(root, session, ort, bound):
    wants = session.get_inputs()
    names = [w.name for w in wants]
    elem_of = {v: k for k, v in {1: "tensor(float)", 2: "tensor(uint8)", 3: "tensor(int8)", 4: "tensor(uint16)",
                                5: "tensor(int16)", 6: "tensor(int32)", 7: "tensor(int64)", 9: "tensor(bool)",
                                10: "tensor(float16)", 11: "tensor(double)", 12: "tensor(uint32)",
                                13: "tensor(uint64)", 16: "tensor(bfloat16)"}.items()}
    total = 0.0
    count = outputs = empty = nonfinite_golden = nonfinite_model = sets = 0
    max_abs = 0.0
    shape_problem = None
    k = 0
    while os.path.isdir(os.path.join(root, f"test_data_set_{k}")):
        folder = f"test_data_set_{k}"
        given, expected = [], []
        i = 0
        while os.path.exists(os.path.join(root, folder, f"input_{i}.pb")):
            rel = f"{folder}/input_{i}.pb"
            given.append(Golden(plain_file(root, rel), rel))
            i += 1
        i = 0
        while os.path.exists(os.path.join(root, folder, f"output_{i}.pb")):
            rel = f"{folder}/output_{i}.pb"
            expected.append(Golden(plain_file(root, rel), rel))
            i += 1
        # Inputs by name when any is named (each once, every input given), else by position.
        order = [None] * len(wants)
        if not any(t.name for t in given):
            if len(given) != len(wants):
                raise Fail(f"model_opt.onnx: expects {len(wants)} input(s) ({', '.join(names)}), got {len(given)}")
            order = list(given)
        else:
            for t in given:
                if t.name not in names:
                    raise Fail(f"model_opt.onnx: unknown input '{t.name}' (inputs: {', '.join(names)})")
                j = names.index(t.name)
                if order[j] is not None:
                    raise Fail(f"model_opt.onnx: input '{t.name}' given twice")
                order[j] = t
            for j, t in enumerate(order):
                if t is None:
                    raise Fail(f"model_opt.onnx: missing input '{names[j]}'")
        feeds = {}
        for w, t in zip(wants, order):
            want_elem = elem_of.get(w.type)
            if want_elem is None:
                raise Fail(f"model_opt.onnx: input '{w.name}' is a {w.type}, not supported")
            ok = t.elem == want_elem and len(t.array.shape) == len(w.shape)
            ok = ok and all(not isinstance(d, int) or d < 0 or d == g for d, g in zip(w.shape, t.array.shape))
            if not ok:
                raise Fail(f"model_opt.onnx: input '{w.name}' expects {DTYPE_NAMES[want_elem]} "
                           f"{'x'.join(str(d) if isinstance(d, int) else str(d) for d in w.shape) or 'scalar'}, "
                           f"got {t.kind} {shape_text(t.array.shape)}")
            feeds[w.name] = t.ort_value(ort)
        results = session.run_with_ort_values([o.name for o in session.get_outputs()], feeds)
        got = []
        for r in results:
            if r.data_type() == "tensor(bfloat16)":
                raise Fail("model_opt.onnx: a bfloat16 output cannot be read by onnxruntime's Python API")
            got.append(r.numpy())
        if len(got) != len(expected):
            raise Fail(f"{folder}: {len(got)} outputs, expected {len(expected)}")
        for e, g in zip(expected, got):
            if tuple(e.array.shape) != tuple(g.shape):
                shape_problem = shape_problem or (f"output shapes differ: {shape_text(e.array.shape)} vs "
                                                  f"{shape_text(g.shape)}")
                continue
            a, b = e.as_float64().ravel(), np.asarray(g).astype(np.float64).ravel()
            outputs += 1
            empty += a.size == 0
            fa, fb = np.isfinite(a), np.isfinite(b)
            nonfinite_golden += int((~fa).sum())
            nonfinite_model += int((~fb).sum())
            both = fa & fb
            d = np.abs(a[both] - b[both])
            total += float(d.sum())
            count += int(both.sum())
            if d.size:
                max_abs = max(max_abs, float(d.max()))
        sets += 1
        k += 1
    if sets == 0:
        raise Fail("no test_data_set_N folders")
    # NaN/Inf on either side, empty outputs and nothing compared fail, as in kiln validate.
    if shape_problem:
        raise Fail(shape_problem)
    if outputs == 0:
        raise Fail("no outputs compared")
    if empty:
        raise Fail(f"{empty} of {outputs} outputs have no elements (nothing to compare)")
    if nonfinite_golden or nonfinite_model:
        raise Fail(f"NaN/Inf values: {nonfinite_golden} in the golden outputs, {nonfinite_model} in the model's")
    mae = total / count if count else 0.0
    if math.isnan(bound):
        raise Fail("the bound is NaN")
    if not mae <= bound:
        raise Fail(f"E = {mae:.3g} exceeds the bound {bound:g}")
    return f"{sets} sets, E = {mae:.3g} ≤ {bound:g} (max abs {max_abs:.3g})"


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
