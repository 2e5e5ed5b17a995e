"""kiln precision's report checked against itself and the files (src/precision/precision_study.cpp):

- four formats in order (FP32, BF16 autocast, FP16 autocast, INT8 dynamic), sizes equal to the
  model files', one result per format and batch (batch by batch) with the requested runs;
- accuracy on the requested samples, Δ pp = 100·(top-1 − FP32's top-1), FP32's Δ 0;
- the logit differences against FP32: none for FP32 itself, on 1000 test images (10 logits each)
  for the others, non-zero for the formats that round (BF16, INT8);
- each conclusion line recomputed from the results (p50 ratios per batch, "faster"/"slower"),
  the file sizes ("N.N× smaller" or "same file") and the accuracy change;
- the notes follow the CPU features the report records; the Markdown has one table row per result
  and the conclusion lines.

  check_precision_report.py OUT_FOLDER MODEL --batches 1,4 --runs N --samples S
"""
import argparse
import json
import os
import sys

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("model")
ap.add_argument("--batches", required=True)
ap.add_argument("--runs", type=int, required=True)
ap.add_argument("--samples", type=int, required=True)
a = ap.parse_args()
batches = [int(b) for b in a.batches.split(",")]
r = json.load(open(f"{a.out}/precision_report.json"))
md = open(f"{a.out}/precision_report.md", encoding="utf-8").read().splitlines()
problems = []


def need(what, ok):
    if not ok:
        problems.append(what)


names = ["FP32", "BF16 autocast", "FP16 autocast", "INT8 dynamic"]
f = r["formats"]
# Each format record holds the bench model record (name, size, accuracy) and its error vs FP32.
for x in f:
    x.update(x["model"])
    x["vs_fp32"]["samples"] = x["vs_fp32_samples"]
need(f"formats {[x.get('format') for x in f]}", [x.get("format") for x in f] == names and [x["name"] for x in f] == names)
fp32_size, int8_size = os.path.getsize(a.model), os.path.getsize(f"{a.out}/model_int8.pt")
need(f"sizes {[x['size_bytes'] for x in f]}, files {fp32_size} and {int8_size}",
     [x["size_bytes"] for x in f] == [fp32_size] * 3 + [int8_size])
need(f"INT8 path {f[3]['path']} is not the written {a.out}/model_int8.pt (a staging folder?)",
     os.path.exists(f[3]["path"]) and os.path.samefile(f[3]["path"], f"{a.out}/model_int8.pt"))
need(f"int8_model {r['int8_model']}", r["int8_model"] == "model_int8.pt" and "quantize" in r)
need(f"results {[(x['batch'], x['model']) for x in r['results']]}",
     [(x["batch"], x["model"]) for x in r["results"]] == [(b, i) for b in batches for i in range(4)])
need("runs per result", all(x["latency"]["runs"] == a.runs for x in r["results"]))
s = r["settings"]
need(f"settings {s}", s["runs"] == a.runs and s["batches"] == batches and s["engine"] == "onednn")

# Accuracy and its change.
top0 = f[0]["accuracy"]["top1"]
for x in f:
    acc = x["accuracy"]
    need(f"{x['format']}: accuracy {acc}", acc["samples"] == a.samples and acc["top1"] == acc["correct"] / a.samples)
    need(f"{x['format']}: Δ {x['delta_accuracy_pp']} pp is not 100·({acc['top1']} − {top0})",
         abs(x["delta_accuracy_pp"] - 100 * (acc["top1"] - top0)) < 1e-9)

# Differences against FP32.
need(f"FP32 vs itself: {f[0]['vs_fp32']}", f[0]["vs_fp32"]["elements"] == 0)
for x in f[1:]:
    d = x["vs_fp32"]
    need(f"{x['format']}: vs_fp32 on {d['samples']} images, {d['elements']} logits", d["samples"] == 1000 and d["elements"] == 10000)
    need(f"{x['format']}: 0 ≤ mean abs {d['mean_abs_error']} ≤ max abs {d['max_abs_error']}",
         0 <= d["mean_abs_error"] <= d["max_abs_error"] and 0 <= d["top1_agreement"] <= 1)
for i in (1, 3):
    need(f"{f[i]['format']} rounds, yet its logits equal FP32's", f[i]["vs_fp32"]["mean_abs_error"] > 0)

# The conclusion, recomputed.
p50 = {(x["model"], x["batch"]): x["latency"]["p50_ms"] for x in r["results"]}
want = []
for i in range(1, 4):
    speed = []
    for b in batches:
        ratio = p50[(0, b)] / p50[(i, b)]
        speed.append(f"{ratio if ratio >= 1 else 1 / ratio:.2f}× {'faster' if ratio >= 1 else 'slower'} at batch {b}")
    size_ratio = f[0]["size_bytes"] / f[i]["size_bytes"]
    size = f"{size_ratio:.1f}× smaller" if size_ratio > 1.01 else "same file (autocast casts at run time)"
    want.append(f"{names[i]}: {', '.join(speed)}, {size}, {f[i]['delta_accuracy_pp']:+.2f} pp accuracy")
need(f"conclusion {r['conclusion']} is not {want}", r["conclusion"] == want)
need("INT8 is not the smaller file", "smaller" in want[2])

# Notes from the CPU facts.
feat = r["machine"]["cpu"].get("features", {})
bf16 = ("CPU has native bf16 dot products (AVX512-BF16/AMX)" if feat.get("avx512bf16") or feat.get("amx_bf16") else
        "no native bf16 dot products on this CPU (no AVX512-BF16/AMX): bf16 is converted to fp32 for the math")
need(f"BF16 note {f[1].get('note')!r} does not follow the CPU features {feat}", f[1].get("note") == bf16)
need(f"INT8 note {f[3].get('note')!r}", f[3].get("note") == "dynamic INT8 Linear layers, onednn engine; convolutions stay FP32")

# The Markdown: a row per result (format and batch), the conclusion lines.
rows = [[c.strip() for c in line[1:-1].split("|")] for line in md
        if line.startswith("| ") and not line.startswith(("| format", "| ---"))]
need(f"Markdown rows {[x[:2] for x in rows]}",
     [(x[0], int(x[1])) for x in rows] == [(names[i], b) for b in batches for i in range(4)])
for line in want:
    need(f"Markdown lacks the conclusion line '- {line}'", f"- {line}" in md)

if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"precision: {len(r['results'])} results, {len(want)} conclusion lines consistent")
