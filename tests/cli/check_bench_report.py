"""kiln bench's reports: exact table structure, and numbers that agree with each other, with the
files on disk, and with the JSON's own raw figures (src/bench/bench_report.cpp formats them).

  check_bench_report.py md   REPORT.md  MODEL... --batches 1,2 --runs N
  check_bench_report.py json REPORT.json MODEL... --batches 1 --runs N
  check_bench_report.py csv  REPORT.csv  MODEL... --batches 1 --runs N

Each MODEL is the path given to kiln bench (its name is the file name, its size the file's).
Printed figures are compared within the rounding of their printed digits.
"""
import argparse
import json
import os
import sys

ap = argparse.ArgumentParser()
ap.add_argument("kind", choices=["md", "json", "csv"])
ap.add_argument("report")
ap.add_argument("models", nargs="+")
ap.add_argument("--batches", required=True)
ap.add_argument("--runs", type=int, required=True)
a = ap.parse_args()
batches = [int(b) for b in a.batches.split(",")]
names = [os.path.basename(m) for m in a.models]
sizes = [os.path.getsize(m) for m in a.models]
engines = ["onnxruntime" if m.endswith(".onnx") else "libtorch" for m in a.models]
problems = []


def need(what, ok):
    if not ok:
        problems.append(what)


def num(v):  # src/bench/bench_report.cpp num()
    return f"{v:.0f}" if v >= 1000 else f"{v:.1f}" if v >= 100 else f"{v:.2f}" if v >= 10 else f"{v:.3f}"


def half_unit(printed):
    """Half a unit of the last printed digit: how far the printed number may be from the value."""
    digits = len(printed.rstrip("%").split(".")[1]) if "." in printed else 0
    return 0.5 * 10 ** -digits + 1e-12


def ratio_range(num_s, den_s, scale=1.0):
    """The range of scale·num/den for the values the two printed numbers may stand for."""
    n, d, hn, hd = float(num_s), float(den_s), half_unit(num_s), half_unit(den_s)
    return scale * (n - hn) / (d + hd), scale * (n + hn) / (d - hd)


def rows_of(lines, header):
    """The rows of the Markdown table whose header line is `header`, as stripped cells."""
    for i, line in enumerate(lines):
        if line == header:
            out = []
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                out.append([c.strip() for c in row[1:-1].split("|")])
            return out
    problems.append(f"no table with header {header!r}")
    return []


order = [(b, i) for b in batches for i in range(len(names))]  # results: batch by batch, models in order

if a.kind == "json":
    r = json.load(open(a.report))
    need(f"models {[(m['name'], m['engine'], m['size_bytes']) for m in r['models']]}",
         [(m["name"], m["engine"], m["size_bytes"]) for m in r["models"]] == list(zip(names, engines, sizes)))
    need(f"results {[(x['batch'], x['model']) for x in r['results']]}, expected {order}",
         [(x["batch"], x["model"]) for x in r["results"]] == order)
    for x in r["results"]:
        lat, b = x["latency"], x["batch"]
        what = f"{names[x['model']]} batch {b}"
        need(f"{what}: {lat['runs']} runs", lat["runs"] == a.runs)
        need(f"{what}: min ≤ p50 ≤ p90 ≤ p99 ≤ max fails: {lat}",
             0 < lat["min_ms"] <= lat["p50_ms"] <= lat["p90_ms"] <= lat["p99_ms"] <= lat["max_ms"])
        need(f"{what}: mean {lat['mean_ms']} outside [min, max]", lat["min_ms"] <= lat["mean_ms"] <= lat["max_ms"])
        need(f"{what}: cv {lat['cv']} ≠ std / mean", abs(lat["cv"] - lat["std_ms"] / lat["mean_ms"]) < 1e-9)
        need(f"{what}: samples/s {x['throughput_samples_per_s']} ≠ 1000·batch/mean",
             abs(x["throughput_samples_per_s"] - 1000.0 * b / lat["mean_ms"]) < 1e-6 * x["throughput_samples_per_s"])
        need(f"{what}: calls/s {x['throughput_calls_per_s']} ≠ 1000/mean",
             abs(x["throughput_calls_per_s"] - 1000.0 / lat["mean_ms"]) < 1e-6 * x["throughput_calls_per_s"])
        m = r["models"][x["model"]]
        if "flops_per_sample" in m:
            need(f"{what}: gflops_p50 ≠ flops·batch / p50",
                 abs(x["gflops_p50"] - m["flops_per_sample"] * b / (lat["p50_ms"] * 1e6)) < 1e-6 * x["gflops_p50"])
    need(f"settings {r['settings'].get('batches')}, {r['settings'].get('runs')}",
         r["settings"].get("batches") == batches and r["settings"].get("runs") == a.runs)

elif a.kind == "csv":
    lines = open(a.report).read().splitlines()
    header = ("model,engine,batch,size_bytes,p50_ms,p90_ms,p99_ms,mean_ms,min_ms,max_ms,std_ms,cv,"
              "calls_per_s,samples_per_s,gflops_p50,top1,delta_accuracy_pp")
    need(f"csv header {lines[:1]}", lines[:1] == [header])
    got = [line.split(",") for line in lines[1:]]
    need(f"csv rows {[(c[0], c[2]) for c in got]}, expected {[(names[i], b) for b, i in order]}",
         [(c[0], int(c[2])) for c in got] == [(names[i], b) for b, i in order])
    for c in got:
        i, b = names.index(c[0]), int(c[2])
        need(f"csv {c[0]}: engine {c[1]}, size {c[3]}", c[1] == engines[i] and int(c[3]) == sizes[i])
        p50, p90, p99, mean, mn, mx = (float(v) for v in c[4:10])
        need(f"csv {c[0]}: order of latencies {c[4:10]}", 0 < mn <= p50 <= p90 <= p99 <= mx and mn <= mean <= mx)
        # %g with 6 significant digits: relative 1e-5
        need(f"csv {c[0]}: samples_per_s {c[13]} ≠ 1000·batch/mean_ms", abs(float(c[13]) - 1000 * b / mean) <= 1e-5 * float(c[13]))
        need(f"csv {c[0]}: no dataset, yet accuracy columns {c[15:]}", c[15:] == ["", ""])

else:
    lines = open(a.report, encoding="utf-8").read().splitlines()
    results = rows_of(lines, next((x for x in lines if x.startswith("| Model ") and "Size (MB)" in x), ""))
    stats = rows_of(lines, next((x for x in lines if x.startswith("| Model ") and "| Engine " in x), ""))
    head = [x for x in lines if x.startswith("| Model ")]
    need(f"headers {head}", [[c.strip() for c in h[1:-1].split("|")] for h in head] == [
        ["Model", "Batch", "Size (MB)", "Latency (ms)", "Throughput (req/s)", "Δ Accuracy"],
        ["Model", "Engine", "Batch", "p50", "p90", "p99", "mean", "min", "max", "std", "CV", "calls/s", "samples/s",
         "GFLOP/s", "% sgemm"]])
    need(f"results rows {[r[:2] for r in results]}, expected {[(names[i], b) for b, i in order]}",
         [(r[0], int(r[1])) for r in results] == [(names[i], b) for b, i in order])
    need(f"statistics rows {[r[:3] for r in stats]}",
         [(r[0], r[1], int(r[2])) for r in stats] == [(names[i], engines[i], b) for b, i in order])
    for res, st in zip(results, stats):
        i, b = names.index(res[0]), int(res[1])
        what = f"{res[0]} batch {b}"
        need(f"{what}: size {res[2]} MB, file {sizes[i]} bytes", res[2] == f"{sizes[i] / 1e6:.2f}")
        need(f"{what}: Δ accuracy {res[5]} without a dataset", res[5] == "—")
        for cell in res[3:5] + st[3:10] + st[11:13]:
            need(f"{what}: {cell!r} is not printed as num() prints its value", num(float(cell)) == cell)
        need(f"{what}: latency {res[3]} ≠ statistics p50 {st[3]}", res[3] == st[3])
        need(f"{what}: throughput {res[4]} ≠ statistics samples/s {st[12]}", res[4] == st[12])
        p50, p90, p99, mean, mn, mx, std = (float(v) for v in st[3:10])
        need(f"{what}: min ≤ p50 ≤ p90 ≤ p99 ≤ max fails: {st[3:10]}", 0 < mn <= p50 <= p90 <= p99 <= mx and mn <= mean <= mx)
        # Throughput from the mean, CV = std / mean: within the rounding of the printed figures.
        thr, h = float(st[12]), half_unit(st[12])
        lo, hi = ratio_range(str(1000 * b), st[6])
        need(f"{what}: samples/s {st[12]} is not 1000·{b}/mean {st[6]} (in [{lo:.4g}, {hi:.4g}])", lo - h <= thr <= hi + h)
        calls, hc = float(st[11]), half_unit(st[11])
        need(f"{what}: calls/s {st[11]} is not samples/s {st[12]} / {b}", (thr - h) / b - hc <= calls <= (thr + h) / b + hc)
        cv, hcv = float(st[10].rstrip("%")), half_unit(st[10])
        lo, hi = ratio_range(st[9], st[6], 100.0)
        need(f"{what}: CV {st[10]} is not std {st[9]} / mean {st[6]} (in [{lo:.4g}, {hi:.4g}]%)", lo - hcv <= cv <= hi + hcv)
    # The notes: every other model's speed relative to the first, per batch, from the p50s.
    for b in batches:
        for i in range(1, len(names)):
            prefix = f"- batch {b}: {names[i]} runs "
            note = next((x for x in lines if x.startswith(prefix)), None)
            if note is None:
                problems.append(f"no note {prefix!r}")
                continue
            printed = note[len(prefix):].split("×")[0]
            first_s = next((r[3] for r in results if r[0] == names[0] and int(r[1]) == b), None)
            p50_s = next((r[3] for r in results if r[0] == names[i] and int(r[1]) == b), None)
            if first_s is None or p50_s is None:
                continue  # a missing row, reported above
            lo, hi = ratio_range(first_s, p50_s)
            need(f"note {note!r}: {printed} is not p50 {names[0]} / p50 {names[i]} = {first_s}/{p50_s}",
                 lo - half_unit(printed) <= float(printed) <= hi + half_unit(printed))

if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"{a.kind}: {len(order)} rows consistent")
