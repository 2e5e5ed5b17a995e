"""The op suite's coverage report: every op of the peer's opset-17 registry plus the ops only
kiln converts, with kiln's and the peer's results on the same rows.

    op_report.py --manifest DIR/manifest.json --kiln kiln.json --peer peer.json --kiln-ops ops.json
                 [--peer-ops FILE] [--kiln-seconds S] [--kiln-command CMD] [--markdown OUT.md] [--json OUT.json]
                 [--require]

--kiln-ops: `kiln export --list-ops --report ops.json`. --peer-ops: one op per line (default:
the live registry, torch.onnx._internal.registration, ops registered at opset 17; the peer's
dunder spelling `aten::__and_` is normalised to `aten::__and__`). --kiln-seconds: the kiln stage's wall time
(run_op_suite.sh passes it; it replaces kiln.json's own count); --kiln-command: its command line when
kiln.json does not state it (kiln_op_suite writes only results).

Status of an op for kiln (non-xfail cases of every row whose op is that op or an overload of it):
  pass              kiln converts it and every case passes
  folded            every case passes and kiln folds it at export (static_only, or no converter)
  FAIL              kiln converts it, some case fails (the failing cases and the first error)
  missing           kiln has no converter and a case fails
  xfail             every case of its rows is an expected failure and kiln fails one (the reasons)
  excluded          EXCLUDED in op_table.py (the reason)
  freeze error      rows exist but Python could not freeze any of their cases (the error)
  no row            neither excluded nor reached by any generated case
Coverage = (pass + folded) / (peer ops - excluded peer ops).

--require: exit 1 when a non-xfail case fails for kiln, when kiln fails a case the peer passes
(an xfail case counts for neither), or when a case does not reach its row's op (a row bug).
"""
import argparse
import collections
import json
import os
import re
import shlex
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def split_op(op: str):
    ns, rest = op.split("::", 1)
    name, _, overload = rest.partition(".")
    return f"{ns}::{name}", overload


def normalise(name: str) -> str:
    m = re.fullmatch(r"(\w+::__\w*[a-z0-9])_", name)
    return m.group(1) + "__" if m else name


def peer_registry(path):
    if path:
        names = [ln.strip() for ln in Path(path).read_text().splitlines() if "::" in ln]
    else:
        import torch.onnx.symbolic_opset17  # noqa: F401 - registers the opset-17 symbolics
        from torch.onnx._internal.registration import registry
        names = [n for n in registry.all_functions() if registry.is_registered_op(n, 17)]
    return sorted({normalise(n) for n in names})


def load_results(path):
    data = json.loads(Path(path).read_text())
    return {r["name"]: r for r in data["results"]}, data


def cause_of(error: str) -> str:
    """A failure's cause for grouping: the error line with case-specific numbers and names
    blurred."""
    e = error or "?"
    e = re.sub(r"(?<![\w/])/[\w./-]+", "PATH", e)
    e = re.sub(r"\b\d+(\.\d+)?(e[-+]\d+)?\b", "N", e)
    e = re.sub(r"%[\w.]+", "%V", e)
    return e[:160]


def fmt_count(ok, n):
    return f"{ok}/{n}" if n else "–"


def md_escape(s: str) -> str:
    return (s or "").replace("|", "\\|").replace("\n", " ")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--kiln", required=True)
    ap.add_argument("--peer", required=True)
    ap.add_argument("--kiln-ops", required=True)
    ap.add_argument("--peer-ops", default=None)
    ap.add_argument("--markdown", default=None)
    ap.add_argument("--json", default=None)
    ap.add_argument("--kiln-seconds", type=float, default=None)
    ap.add_argument("--kiln-command", default=None)
    ap.add_argument("--suite-command", default=None, help="the command that ran every stage (run_op_suite.sh ...)")
    ap.add_argument("--note", action="append", default=[], help="a line for the report's head (repeatable)")
    ap.add_argument("--require", action="store_true")
    args = ap.parse_args()

    manifest = json.loads(Path(args.manifest).read_text())
    kiln, kiln_data = load_results(args.kiln)
    if args.kiln_seconds is not None:  # the stage's wall time (run_op_suite.sh) over the runner's own count
        kiln_data["seconds"] = round(args.kiln_seconds, 1)
    if args.kiln_command and not kiln_data.get("command"):
        kiln_data["command"] = args.kiln_command
    if not kiln_data.get("runner") and kiln_data.get("command"):
        kiln_data["runner"] = os.path.basename(shlex.split(kiln_data["command"])[0])
    peer, peer_data = load_results(args.peer)
    kiln_ops = json.loads(Path(args.kiln_ops).read_text())
    kiln_keys = {e["op"] for e in kiln_ops}
    kiln_static = {e["op"] for e in kiln_ops if e.get("static_only")}
    kiln_bases = {split_op(k)[0] for k in kiln_keys}
    peer_ops = peer_registry(args.peer_ops)
    excluded = manifest.get("excluded", {})
    cases = manifest["cases"]

    by_base = collections.defaultdict(list)
    for c in cases:
        by_base[split_op(c["op"])[0]].append(c)
    freeze_by_base = collections.defaultdict(list)
    for fe in manifest.get("freeze_errors", []):
        if fe.get("op"):
            freeze_by_base[split_op(fe["op"])[0]].append(fe)

    def res(results, c):
        return results.get(c["name"], {"ok": False, "stage": "missing", "error": "no result"})

    def converted(op):
        base, _ = split_op(op)
        return op in kiln_keys or base in kiln_keys or any(split_op(k)[0] == base for k in kiln_keys)

    all_ops = sorted(set(peer_ops) | kiln_bases | set(by_base) | set(freeze_by_base))
    rows_out, status_count = [], collections.Counter()
    for op in all_ops:
        cs = by_base.get(op, [])
        in_peer = op in peer_ops
        listed = op in kiln_bases
        counted = [c for c in cs if not c["xfail"]]
        kfail = [c for c in counted if not res(kiln, c)["ok"]]
        if op in excluded and not cs:
            status, detail = "excluded", excluded[op]
        elif not cs and freeze_by_base.get(op):
            fe = freeze_by_base[op][0]
            status, detail = "freeze error", f"row {fe['row']}: {fe['error']}"
        elif not cs:
            status, detail = "no row", ""
        elif not counted and not all(res(kiln, c)["ok"] for c in cs):
            status = "xfail"
            detail = f"{len(cs)} xfail cases: " + "; ".join(sorted({c["xfail"]["reason"] for c in cs}))
        elif kfail:
            status = "FAIL" if listed else "missing"
            first = res(kiln, kfail[0])
            detail = f"{len(kfail)}/{len(counted)} cases fail, e.g. {kfail[0]['name']}: [{first.get('stage')}] {first.get('error')}"
        else:
            static = all(c["op"] in kiln_static or split_op(c["op"])[0] in kiln_static for c in cs)
            status = "folded" if (static or not listed) else "pass"
            detail = f"{len(counted)} cases" + (f", {len(cs) - len(counted)} xfail" if len(cs) > len(counted) else "")
        status_count[(status, in_peer)] += 1
        def pc(results, mode):
            sel = [c for c in cs if c["mode"] == mode]
            return fmt_count(sum(res(results, c)["ok"] for c in sel), len(sel))
        rows_out.append({"op": op, "peer_registry": in_peer, "kiln_lists": listed, "status": status,
                         "detail": detail, "overloads": sorted({c["op"] for c in cs}),
                         "rows": sorted({c["row"] for c in cs}),
                         "kiln_trace": pc(kiln, "trace"), "kiln_script": pc(kiln, "script"),
                         "peer_trace": pc(peer, "trace"), "peer_script": pc(peer, "script")})

    # Per row.
    per_row = collections.OrderedDict()
    for c in cases:
        r = per_row.setdefault(c["row"], {"row": c["row"], "op": c["op"], "cases": []})
        r["cases"].append(c)
    row_lines = []
    kiln_only_pass, peer_only_pass = [], []
    for name, r in per_row.items():
        cs = r["cases"]
        kinfo = {m: [c for c in cs if c["mode"] == m] for m in ("trace", "script")}
        k_ok = {m: sum(res(kiln, c)["ok"] for c in v) for m, v in kinfo.items()}
        p_ok = {m: sum(res(peer, c)["ok"] for c in v) for m, v in kinfo.items()}
        counted = [c for c in cs if not c["xfail"]]
        k_all = all(res(kiln, c)["ok"] for c in counted)
        p_all = all(res(peer, c)["ok"] for c in counted)
        kfails = [c for c in counted if not res(kiln, c)["ok"]]
        first = res(kiln, kfails[0]) if kfails else None
        if counted and k_all and not p_all:
            kiln_only_pass.append(name)
        if counted and p_all and not k_all:
            peer_only_pass.append(name)
        row_lines.append({"row": name, "op": r["op"],
                          "kiln": f"{fmt_count(k_ok['trace'], len(kinfo['trace']))} / {fmt_count(k_ok['script'], len(kinfo['script']))}",
                          "peer": f"{fmt_count(p_ok['trace'], len(kinfo['trace']))} / {fmt_count(p_ok['script'], len(kinfo['script']))}",
                          "xfail": sorted({c["xfail"]["reason"] for c in cs if c["xfail"]}),
                          "kiln_error": f"{kfails[0]['name']}: [{first['stage']}] {first['error']}" if first else ""})

    # Case-level comparisons and the --require verdict.
    k_fail_cases = [c for c in cases if not c["xfail"] and not res(kiln, c)["ok"]]
    behind = [c for c in k_fail_cases if res(peer, c)["ok"]]
    unreached = [c for c in cases if not c["reaches_op"]]
    groups = collections.OrderedDict()
    for c in sorted(k_fail_cases, key=lambda c: cause_of(res(kiln, c)["error"])):
        groups.setdefault(cause_of(res(kiln, c)["error"]), []).append(c)
    groups = sorted(groups.items(), key=lambda kv: -len(kv[1]))

    denominator = len([o for o in peer_ops if not (o in excluded and not by_base.get(o))])
    passing_peer = sum(1 for r in rows_out if r["peer_registry"] and r["status"] in ("pass", "folded"))
    kiln_pass_cases = sum(1 for c in cases if res(kiln, c)["ok"])
    peer_pass_cases = sum(1 for c in cases if res(peer, c)["ok"])
    summary = {
        "peer_ops": len(peer_ops), "peer_ops_excluded": len(peer_ops) - denominator,
        "peer_ops_counted": denominator, "peer_ops_kiln_passing": passing_peer,
        "coverage_pct": round(100.0 * passing_peer / max(denominator, 1), 1),
        "status": {f"{s}{'' if p else ' (kiln-only)'}": n for (s, p), n in sorted(status_count.items())},
        "cases": len(cases), "kiln_pass_cases": kiln_pass_cases, "peer_pass_cases": peer_pass_cases,
        "rows": len(per_row),
        "rows_kiln_pass": sum(1 for r in per_row.values() if all(res(kiln, c)["ok"] for c in r["cases"] if not c["xfail"])),
        "rows_peer_pass": sum(1 for r in per_row.values() if all(res(peer, c)["ok"] for c in r["cases"] if not c["xfail"])),
        "rows_kiln_passes_peer_fails": kiln_only_pass, "rows_peer_passes_kiln_fails": peer_only_pass,
        "kiln_failing_cases": len(k_fail_cases), "kiln_behind_peer_cases": len(behind),
        "unreached_cases": [c["name"] for c in unreached],
        "freeze_errors": len(manifest.get("freeze_errors", [])),
    }
    verdict = []
    if k_fail_cases:
        verdict.append(f"{len(k_fail_cases)} non-xfail cases fail for kiln")
    if behind:
        verdict.append(f"{len(behind)} cases pass for the peer and fail for kiln")
    if unreached:
        verdict.append(f"{len(unreached)} cases do not reach their op (row bugs)")

    print(f"op_report: {summary['peer_ops_kiln_passing']}/{denominator} peer ops pass for kiln "
          f"({summary['coverage_pct']}%); cases kiln {kiln_pass_cases}/{len(cases)}, peer {peer_pass_cases}/{len(cases)}; "
          f"rows kiln {summary['rows_kiln_pass']}/{len(per_row)}, peer {summary['rows_peer_pass']}/{len(per_row)}")
    for cause, cs in groups:
        print(f"  kiln x{len(cs)}: {cause}  (e.g. {cs[0]['name']})")

    if args.json:
        Path(args.json).write_text(json.dumps({"summary": summary, "ops": rows_out, "rows": row_lines,
                                               "verdict": verdict}, indent=1))
    if args.markdown:
        write_markdown(args, manifest, kiln_data, peer_data, summary, rows_out, row_lines, groups, behind,
                       unreached, res, kiln, peer, excluded, verdict)
    if args.require and verdict:
        print("op_report: --require: " + "; ".join(verdict))
        return 1
    return 0


def write_markdown(args, manifest, kiln_data, peer_data, summary, rows_out, row_lines, groups, behind,
                   unreached, res, kiln, peer, excluded, verdict):
    L = ["# Op conformance suite (tests/ops)", "", "Produced by:", "", "```sh"]
    if args.suite_command:
        L += [args.suite_command, "# which ran:"]
    L.append(manifest.get("command", "tests/ops/make_op_cases.py ..."))
    L.append(kiln_data.get("command", "(kiln runner)"))
    L.append(peer_data.get("command", "(peer runner)"))
    L.append(shlex.join([os.path.relpath(sys.argv[0])] + sys.argv[1:]))
    L += ["```", ""]
    L += [n for n in args.note] + ([""] if args.note else [])
    s = summary
    L += ["## Summary", "",
          f"- set `{manifest['set']}`: {s['rows']} rows, {s['cases']} cases (trace and script), "
          f"generated in {manifest.get('generated_seconds')} s; kiln runner ({kiln_data.get('runner')}) "
          f"{kiln_data.get('seconds')} s"
          + (f" ({kiln_data.get('runner_processes')} runner processes: it crashed on "
             + ", ".join(f"`{n}`" for n in kiln_data["crashed"]) + ", isolated by halving)" if kiln_data.get("crashed") else "")
          + f", peer {peer_data.get('seconds')} s (+{peer_data.get('import_seconds')} s import).",
          f"- **coverage: {s['peer_ops_kiln_passing']} of {s['peer_ops_counted']} peer opset-17 ops pass for kiln "
          f"({s['coverage_pct']}%)** ({s['peer_ops']} in the registry, {s['peer_ops_excluded']} excluded).",
          "- op status: " + ", ".join(f"{k} {v}" for k, v in s["status"].items()) + ".",
          f"- cases: kiln passes {s['kiln_pass_cases']}, the peer {s['peer_pass_cases']} of {s['cases']}; "
          f"rows (every non-xfail case): kiln {s['rows_kiln_pass']}, peer {s['rows_peer_pass']} of {s['rows']}.",
          f"- rows kiln passes and the peer fails ({len(s['rows_kiln_passes_peer_fails'])}): "
          + (", ".join(f"`{r}`" for r in s["rows_kiln_passes_peer_fails"]) or "none") + ".",
          f"- rows the peer passes and kiln fails ({len(s['rows_peer_passes_kiln_fails'])}): "
          + (", ".join(f"`{r}`" for r in s["rows_peer_passes_kiln_fails"]) or "none") + ".",
          f"- `--require` verdict: {'; '.join(verdict) if verdict else 'pass'}.", ""]
    if groups:
        L += ["## kiln failures by cause", "", "| cases | cause (first error, numbers and names blurred) | cases |", "|---|---|---|"]
        for cause, cs in groups:
            names = ", ".join(c["name"] for c in cs[:12]) + (" …" if len(cs) > 12 else "")
            L.append(f"| {len(cs)} | {md_escape(cause)} | {md_escape(names)} |")
        L.append("")
    if unreached:
        L += ["## Cases that do not reach their op (row bugs)", ""]
        L += [f"- `{c['name']}` ({c['op']}): graph has {' '.join(c.get('graph_ops', []))}" for c in unreached]
        L.append("")
    L += ["## Ops", "", "Peer: in the peer's opset-17 registry. Kiln: listed by `kiln export --list-ops`. "
          "Pass counts are trace / script cases (xfail cases included in the counts).", "",
          "| op | peer | kiln lists | kiln status | kiln trace | kiln script | peer trace | peer script | overloads / detail |",
          "|---|---|---|---|---|---|---|---|---|"]
    for r in rows_out:
        detail = ", ".join(f"`{o.split('.', 1)[1] if '.' in o.split('::')[1] else '(default)'}`" for o in r["overloads"])
        if r["detail"]:
            detail = (detail + "; " if detail else "") + md_escape(r["detail"])[:300]
        L.append(f"| `{r['op']}` | {'yes' if r['peer_registry'] else ''} | {'yes' if r['kiln_lists'] else ''} | "
                 f"**{r['status']}** | {r['kiln_trace']} | {r['kiln_script']} | {r['peer_trace']} | {r['peer_script']} | {detail} |")
    L += ["", "## Rows", "", "Pass counts trace / script.", "",
          "| row | op | kiln | peer | kiln's first error / xfail reason |", "|---|---|---|---|---|"]
    for r in row_lines:
        note = r["kiln_error"] or ("xfail: " + "; ".join(r["xfail"]) if r["xfail"] else "")
        L.append(f"| `{r['row']}` | `{r['op']}` | {r['kiln']} | {r['peer']} | {md_escape(note)[:300]} |")
    L += ["", "## Excluded (never in an inference graph, or not a TorchScript op)", "", "| op | reason |", "|---|---|"]
    L += [f"| `{op}` | {md_escape(why)} |" for op, why in sorted(excluded.items())]
    if manifest.get("mode_limits"):
        L += ["", "## Rows in one freeze mode only", "", "| row | op | mode left out | reason |", "|---|---|---|---|"]
        L += [f"| `{m['row']}` | `{m['op']}` | {m['mode']} | {md_escape(m['reason'])} |" for m in manifest["mode_limits"]]
    if manifest.get("freeze_errors"):
        L += ["", "## Freeze errors (Python could not trace/script the case; not kiln's failure)", "",
              "| row | sample | mode | error |", "|---|---|---|---|"]
        L += [f"| `{e['row']}` | {e['sample']} | {e['mode']} | {md_escape(e['error'])[:300]} |" for e in manifest["freeze_errors"]]
    static = [c for c in manifest["cases"] if c.get("static_reason")]
    if static:
        L += ["", "## Cases made static (the frozen module baked a size in)", ""]
        L += [f"- `{c['name']}`: {md_escape(c['static_reason'])[:300]}" for c in static]
    Path(args.markdown).write_text("\n".join(L) + "\n")


if __name__ == "__main__":
    sys.exit(main())
