"""kiln bench --tune's decision, re-derived from its own report (src/bench/tune.cpp):

- the search winner of each objective is the tried candidate with the lowest p50 (latency) or the
  highest throughput (throughput), the first one on a tie;
- when that winner is not ORT's defaults and ran slower than the defaults when re-measured
  (vs_default < 1), the defaults are kept: best.<objective> is the defaults (label "ORT defaults",
  is_default, vs_default exactly 1, the defaults' options and confirmed figures) with a note
  naming the winner and its re-measured ratio (< 1);
- when the defaults won the search they are kept without a note;
- otherwise the winner is kept, with vs_default ≥ 1 equal to the ratio of its confirmed figures
  to the defaults';
- best.json (--out) holds exactly the report's model, batch, best and default.

  check_tune_report.py REPORT.json BEST.json
prints which objectives kept the defaults, and how ("kept-defaults latency:note", ...).
"""
import json
import re
import sys

r = json.load(open(sys.argv[1]))
cfg = json.load(open(sys.argv[2]))
problems = []


def need(what, ok):
    if not ok:
        problems.append(what)


tried = r["tried"]
need(f"tried[0] is {tried[0]['label']!r}, not the defaults", tried[0]["label"] == "ORT defaults")
need("best.json is not the report's model, batch, best and default",
     cfg == {"kiln_bench_config": 1, "model": r["model"], "batch": r["batch"], "best": r["best"], "default": r["default"]})
default = r["default"]
kept = []
for objective in ("latency", "throughput"):
    b = r["best"][objective]
    if objective == "latency":
        value = lambda t: -t["latency"]["p50_ms"]  # noqa: E731
        speedup = lambda c: default["confirmed_latency"]["p50_ms"] / c["confirmed_latency"]["p50_ms"]  # noqa: E731
    else:
        value = lambda t: t["throughput_samples_per_s"]  # noqa: E731
        speedup = lambda c: c["confirmed_throughput_samples_per_s"] / default["confirmed_throughput_samples_per_s"]  # noqa: E731
    winner = 0
    for i, t in enumerate(tried):
        if value(t) > value(tried[winner]):
            winner = i
    w = tried[winner]
    what = f"{objective} (search winner {w['label']!r})"
    if b["is_default"]:
        need(f"{what}: kept defaults but label {b['label']!r}", b["label"] == "ORT defaults")
        need(f"{what}: kept defaults with vs_default {b['vs_default']}", b["vs_default"] == 1.0)
        need(f"{what}: kept defaults with other options {b['options']}", b["options"] == default["options"])
        need(f"{what}: kept defaults with other confirmed figures",
             b["confirmed_latency"] == default["confirmed_latency"]
             and b["confirmed_throughput_samples_per_s"] == default["confirmed_throughput_samples_per_s"])
        if winner == 0:
            need(f"{what}: the defaults won the search, yet a note: {b.get('note')}", "note" not in b)
            kept.append(f"{objective}:search")
        else:
            m = re.fullmatch(r"the search's winner \((.*)\) ran ([0-9.]+)× the defaults when re-measured; "
                             r"keeping ORT's defaults", b.get("note", ""))
            need(f"{what}: defaults kept over another winner without the note: {b.get('note')!r}", m)
            if m:
                need(f"{what}: the note names {m.group(1)!r}", m.group(1) == w["label"])
                need(f"{what}: the note's ratio {m.group(2)} is not below 1", float(m.group(2)) < 1.0)
            kept.append(f"{objective}:note")
    else:
        need(f"{what}: kept {b['label']!r}, which is not the search winner", b["label"] == w["label"])
        need(f"{what}: kept {b['label']!r} with options {b['options']}, tried with {w['options']}", b["options"] == w["options"])
        need(f"{what}: a winner kept with vs_default {b['vs_default']} < 1", b["vs_default"] >= 1.0)
        need(f"{what}: vs_default {b['vs_default']} is not its confirmed ratio {speedup(b)}",
             abs(b["vs_default"] - speedup(b)) <= 1e-12 * speedup(b))
        need(f"{what}: a winner kept with a note", "note" not in b)

if problems:
    print("\n".join(problems))
    sys.exit(1)
print("kept-defaults " + " ".join(kept) if kept else "kept-defaults none")
