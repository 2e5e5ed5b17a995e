"""Every key number REPORT.md states is the number the stage wrote (no template figures), and the
optimization section states what the model files and 06_optimize/optimize_report.json say:

- the BatchNormalization line counts the nodes in 04_export/model.onnx and 06_optimize/model_opt.onnx
  (and the optimizer's fuse_bn_into_conv rewrites account for the difference);
- the per-pass table has one row per optimizer run with rewrites > 0, with its round, rewrites,
  nodes/initializers/bytes before → after and errors, and the idle passes are listed;
- both seminar tables (ORT optimizations off / on) have a row per model and batch of
  07_bench/bench_{disable,all}.json with size, p50 latency, throughput and Δ accuracy, and the
  observations' p50 ratios are those files' ratios;
- the metadata block is metadata.yaml as YAML (without the file hashes), and its optimization list is exactly
  the passes optimize_report.json records with rewrites > 0, in the order first applied;
- the validation table repeats 09_validate/validate.json's checks with their details.
  check_pipeline_report.py RUN_FOLDER
"""
import json
import sys

import onnx
import yaml

run = sys.argv[1]
report = open(f"{run}/REPORT.md", encoding="utf-8").read()
lines = report.splitlines()
load = lambda p: json.load(open(f"{run}/{p}"))  # noqa: E731
problems = []


def need(what, ok):
    if not ok:
        problems.append(what)


def section(start, end=None):
    """The lines of REPORT.md from the heading `start` up to the next heading `end` (exclusive)."""
    try:
        i = lines.index(start)
    except ValueError:
        problems.append(f"REPORT.md has no heading {start!r}")
        return []
    j = lines.index(end, i) if end and end in lines[i:] else len(lines)
    return lines[i + 1:j]


def rows(block):
    """Markdown table rows of `block` as lists of stripped cells (separator rows left out)."""
    out = []
    for line in block:
        if line.startswith("|") and line.endswith("|"):
            cells = [c.strip() for c in line[1:-1].split("|")]
            if not all(set(c) <= set("-:") for c in cells):
                out.append(cells)
    return out


def num(v):  # src/bench/bench_report.cpp num()
    return f"{v:.0f}" if v >= 1000 else f"{v:.1f}" if v >= 100 else f"{v:.2f}" if v >= 10 else f"{v:.3f}"


# 1. Figures of the other stages, as before.
train = load("01_train/train.json")
expect = [f"**{100 * train['test_accuracy']:.2f}%**"]
freeze = load("02_freeze/freeze_report.json")
expect.append(f"| traced | {freeze['summary']['traced']['max']:.3g} |")
c32 = load("05_compare/compare_fp32.json")
expect.append(f"| {c32['total']['mean_abs_error']:.3g} |")
branch = load("02_branch_study/freeze_report.json")
expect.append(branch["verdict"]["reason"])
missing = [e for e in expect if e not in report]
need(f"REPORT.md lacks the stage numbers: {missing}", not missing)

# 2. BatchNormalization nodes, counted in the model files.
def count_bn(path):
    return sum(n.op_type == "BatchNormalization" for n in onnx.load(f"{run}/{path}").graph.node)


bn_before, bn_after = count_bn("04_export/model.onnx"), count_bn("06_optimize/model_opt.onnx")
opt = load("06_optimize/optimize_report.json")
need(f"04_export/model.onnx has {bn_before} BatchNormalization nodes; simple_cnn has 2", bn_before == 2)
need(f"06_optimize/model_opt.onnx keeps {bn_after} BatchNormalization nodes", bn_after == 0)
fused = sum(r["rewrites"] for r in opt["runs"] if r["pass"] == "fuse_bn_into_conv")
need(f"optimize_report.json: fuse_bn_into_conv rewrote {fused}, the files differ by {bn_before - bn_after}",
     fused == bn_before - bn_after)
bn_line = f"- `fuse_bn_into_conv` removed {bn_before - bn_after} of {bn_before} BatchNormalization nodes."
need(f"REPORT.md lacks the line {bn_line!r}", bn_line in lines)

# 3. The optimizer's per-pass table and summary lines.
opt_block = section("## 4. Graph optimization and profiling", "### ONNX Runtime optimizations disabled (what kiln's passes buy)")
opt_rows = rows(opt_block)
fmt_err = lambda v: "inf" if v is None else f"{v:.2e}"  # noqa: E731
arrow = lambda b, a, k: f"{b[k]} → {a[k]}"  # noqa: E731
want_rows = [[r["pass"], str(r["iteration"]), str(r["rewrites"]), arrow(r["before"], r["after"], "nodes"),
              arrow(r["before"], r["after"], "initializers"), arrow(r["before"], r["after"], "bytes"),
              fmt_err(r["max_abs"]) if "max_abs" in r else "-", fmt_err(r["max_rel"]) if "max_rel" in r else "-"]
             for r in opt["runs"] if r["rewrites"] > 0]
need("optimize_report.json records no run with rewrites > 0", want_rows)
need(f"optimization table rows {opt_rows[1:]} are not the rewriting runs {want_rows}", opt_rows[1:] == want_rows)
rewriting = []
for r in opt["runs"]:
    if r["rewrites"] > 0 and r["pass"] not in rewriting:
        rewriting.append(r["pass"])
idle = [p for p in opt["passes_requested"] if p not in rewriting]
need(f"REPORT.md lacks 'no rewrites: {', '.join(idle)}'", f"no rewrites: {', '.join(idle)}" in opt_block)
b, a = opt["before"], opt["after"]
model_line = (f"model: nodes {arrow(b, a, 'nodes')}, initializers {arrow(b, a, 'initializers')}, bytes "
              f"{arrow(b, a, 'bytes')} ({opt['iterations']} round(s){', converged' if opt['converged'] else ''})")
need(f"REPORT.md lacks {model_line!r}", model_line in opt_block)
need("the optimized model has fewer nodes", a["nodes"] < b["nodes"])

# 4. The two seminar tables: every model × batch of the bench JSON, in its own section.
for file, start, end in (("07_bench/bench_disable.json", "### ONNX Runtime optimizations disabled (what kiln's passes buy)",
                          "### ONNX Runtime optimizations on (ORT_ENABLE_ALL)"),
                         ("07_bench/bench_all.json", "### ONNX Runtime optimizations on (ORT_ENABLE_ALL)", "**Observations.**")):
    bench = load(file)
    got = rows(section(start, end))
    want = [["Model", "Batch", "Size (MB)", "Latency (ms)", "Throughput (req/s)", "Δ Accuracy"]]
    for r in bench["results"]:
        m = bench["models"][r["model"]]
        want.append([m["name"], str(r["batch"]), f"{m['size_bytes'] / 1e6:.2f}", num(r["latency"]["p50_ms"]),
                     num(r["throughput_samples_per_s"]),
                     f"{m['delta_accuracy_pp']:+.2f} pp" if "delta_accuracy_pp" in m else "—"])
    need(f"{start}: table {got} is not {file}'s {want}", got == want)
    names = [m["name"] for m in bench["models"]]
    need(f"{file}: models {names}", names == ["model.onnx", "model_opt.onnx", "model_int8.onnx",
                                               "model_int8_static.onnx", "model_fp16.onnx"])
    need(f"{file}: {len(bench['results'])} results, expected 5 models × batches 1 and 64",
         sorted((r["model"], r["batch"]) for r in bench["results"]) == [(i, b) for i in range(5) for b in (1, 64)])

# The observations: p50 ratios from the same two bench files.
bd, ba = load("07_bench/bench_disable.json"), load("07_bench/bench_all.json")
p50 = lambda bench, m, b: next(r["latency"]["p50_ms"] for r in bench["results"] if r["model"] == m and r["batch"] == b)  # noqa: E731
for b in (1, 64):
    off, on = p50(bd, 0, b) / p50(bd, 1, b), p50(ba, 0, b) / p50(ba, 1, b)
    line = f"- Batch {b}: model.onnx / model_opt.onnx p50 = {off:.2f}× with ORT's optimizations off, {on:.2f}× with them on"
    need(f"REPORT.md lacks {line!r}", any(x.startswith(line) for x in lines))
    line = f"- Batch {b}: dynamic INT8 (Linear layers only) is {p50(ba, 0, b) / p50(ba, 2, b):.2f}× the FP32 speed in ONNX Runtime."
    need(f"REPORT.md lacks {line!r}", line in lines)

# 5. The metadata block: metadata.yaml itself as a YAML block (nested maps and all), only the
# per-file hashes left out; optimization = the rewriting passes.
meta_text = open(f"{run}/08_pack/artifact_v1/metadata.yaml", encoding="utf-8").read()
meta = yaml.safe_load(meta_text)
block = section("metadata.yaml (file hashes omitted):", None)
while block and not block[0].strip():  # Markdown needs the blank line before a fence
    block = block[1:]
if block and block[0] == "```yaml" and "```" in block[1:]:
    shown = block[1:block.index("```", 1)]
else:
    shown = []
    problems.append(f"REPORT.md's metadata block is not a ```yaml block: {block[:3]}")
want_lines, in_files = [], False
for line in meta_text.splitlines():
    if line.startswith("files:"):
        in_files = True
        continue
    if in_files and line.startswith("  "):
        continue
    in_files = False
    want_lines.append(line)
need(f"metadata block {shown} is not metadata.yaml without its file hashes {want_lines}", shown == want_lines)
shown_meta = yaml.safe_load("\n".join(shown)) if shown else {}
need("the block's nested maps (dataset, equivalence, latency, inputs, outputs) are metadata.yaml's",
     all(shown_meta.get(k) == meta.get(k) and isinstance(meta.get(k), dict) for k in ("dataset", "equivalence", "latency", "inputs", "outputs")))
# The packed model's own chain: model_opt.onnx's passes (fp32, fp16) or, for the INT8 model made from
# model.onnx, what quantize-onnx's pre-optimization applied.
packed = rewriting
if meta.get("precision") == "int8":
    pre = load("06_quantize_static/quantize_report.json").get("preoptimize") or {}
    packed = [p["name"] for p in pre.get("passes", [])] if pre.get("applied") else []
need(f"metadata.yaml optimization {meta.get('optimization')} is not the packed model's rewriting passes {packed}",
     meta.get("optimization") == packed and "fuse_bn_into_conv" in packed)
need(f"REPORT.md lacks 'optimization: [{', '.join(packed)}]'", f"optimization: [{', '.join(packed)}]" in shown)

# 6. The artifact choice: 07_choose/choice.json's candidates are the bench's figures (ORT on, batch 1),
# the chosen one is the fastest within the budget, the table shows them, and metadata.yaml records it.
choice = load("07_choose/choice.json")
five = rows(section("## 5. The CI/CD artifact", "metadata.yaml (file hashes omitted):"))
split = next((i for i, r in enumerate(five) if r[:1] == ["check"]), len(five))
choice_rows, got = five[:split], five[split:]
acc = {m["name"]: m["accuracy"]["correct"] / m["accuracy"]["samples"] for m in ba["models"]}
want_choice = [["precision", "model", "p50 batch 1 (ms)", "samples/s batch 64", "accuracy drop (pp)", "size (MB)",
                "within budget", "packed"]]
fastest = None
for prec, idx in (("fp32", 1), ("int8", 3), ("fp16", 4)):
    m = ba["models"][idx]
    drop = (acc["model_opt.onnx"] - acc[m["name"]]) * 100
    within = drop <= choice["budget_pp"] + 1e-9
    if within and (fastest is None or p50(ba, idx, 1) < fastest[1]):
        fastest = (prec, p50(ba, idx, 1))
    b64 = next(r["throughput_samples_per_s"] for r in ba["results"] if r["model"] == idx and r["batch"] == 64)
    want_choice.append([prec, m["name"], f"{p50(ba, idx, 1):.3f}", f"{b64:.0f}", f"{drop:+.2f}",
                        f"{m['size_bytes'] / 1e6:.2f}", "yes" if within else "no",
                        "**yes**" if prec == choice["chosen"] else ""])
need(f"choice table {choice_rows} is not the bench's figures {want_choice}", choice_rows == want_choice)
need(f"auto chose {choice['chosen']}, the fastest within budget is {fastest}",
     choice["rule"].startswith("auto") and choice["chosen"] == fastest[0])
need(f"metadata.yaml artifact_choice.chosen {meta.get('artifact_choice', {}).get('chosen')} / precision {meta.get('precision')}"
     f" is not {choice['chosen']}", meta.get("artifact_choice", {}).get("chosen") == choice["chosen"] == meta.get("precision"))

# 7. The validation table: every check of validate.json with its detail.
val = load("09_validate/validate.json")
want = [["check", "result", "detail"]] + [[c["check"], "pass" if c["passed"] else "**FAIL**", c["detail"]]
                                          for c in val["checks"]]
need(f"validation table {got} is not validate.json's {want}", got == want)

if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"REPORT.md: stage figures, {len(want_rows)} optimizer row(s), BatchNormalization {bn_before} → {bn_after}, "
      f"both bench tables, metadata ({', '.join(rewriting)}) and {len(val['checks'])} checks match the stage files")
