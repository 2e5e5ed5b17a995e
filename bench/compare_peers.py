#!/usr/bin/env python3
"""Side-by-side table of kiln bench and bench/python_peer.py JSON reports.

usage: compare_peers.py KILN.json [KILN.json ...] -- PYTHON.json [PYTHON.json ...]

Rounds are paired in order (kiln round i with Python round i, run back to back); the table shows
the median over rounds of each p50 and of the per-round ratio kiln/Python, and every round's ratio.
"""
import json
import statistics
import sys


def load(paths):
    return [json.load(open(p)) for p in paths]


def p50s(report):
    names = [m["name"] for m in report["models"]]
    return {(names[r["model"]], r["batch"]): r["latency"]["p50_ms"] for r in report["results"]}


def main():
    argv = sys.argv[1:]
    if "--" not in argv:
        sys.exit(__doc__)
    cut = argv.index("--")
    kiln, py = load(argv[:cut]), load(argv[cut + 1:])
    if len(kiln) != len(py) or not kiln:
        sys.exit("compare_peers: give as many kiln reports as Python reports")
    k_rounds, p_rounds = [p50s(r) for r in kiln], [p50s(r) for r in py]
    print("| Model | Batch | kiln C++ p50 (ms) | Python p50 (ms) | kiln / Python (median) | per round |")
    print("|---|---:|---:|---:|---:|---|")
    for key in k_rounds[0]:
        if not all(key in r for r in p_rounds):
            continue
        ks = [r[key] for r in k_rounds]
        ps = [r[key] for r in p_rounds]
        ratios = [k / p for k, p in zip(ks, ps)]
        print(f"| {key[0]} | {key[1]} | {statistics.median(ks):.4g} | {statistics.median(ps):.4g} | "
              f"{statistics.median(ratios):.3f} | {' '.join(f'{x:.3f}' for x in ratios)} |")
    if "sgemm" in kiln[0]:
        rates = [r["sgemm"]["gflops"] for r in kiln]
        print(f"\nfp32 sgemm measured inside kiln bench: {', '.join(f'{x:.0f}' for x in rates)} GFLOP/s")
        for rep in kiln:
            for r in rep["results"]:
                if "gflops_p50" in r and r["batch"] >= 64:
                    m = rep["models"][r["model"]]["name"]
                    print(f"- {m} batch {r['batch']}: {r['gflops_p50']:.0f} GFLOP/s = "
                          f"{100 * r['gflops_p50'] / rep['sgemm']['gflops']:.0f}% of sgemm")


if __name__ == "__main__":
    main()
