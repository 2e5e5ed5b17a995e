"""Loads kiln's model_traced.pt / model_scripted.pt with Python's torch.jit.load, runs both on the
real MNIST test images kiln used (the files `kiln doctor` reports, normalized as kiln does), and
checks the outputs against the numbers kiln recorded for the same images:

- freeze_report.json: for each real-image batch b (1, 8, 64, 256), Δ traced and Δ scripted are
  kiln's relative L2 of each file against the original C++ model. By the triangle inequality the
  relative L2 between the two files that Python measures must lie in
  [|Δt − Δs| / (1 + Δs), (Δt + Δs) / (1 − Δs)], up to TOL_ABS (float32 reduction order: Python
  and kiln may run LibTorch with other thread counts).
- compare.json (`kiln compare model_traced.pt model_scripted.pt` on the first 256 test images, in
  batches of 64): E, max abs error and top-1 agreement recomputed in Python within TOL_ABS (plus
  TOL_REL of the value), and the accuracy of each file on those images exactly (same count).

- with trained weights (TRAIN_FOLDER given): train.json's test_accuracy, kiln's accuracy of the
  eager model on the whole test split, is what each frozen file scores in Python on the same
  10000 images (the same count of correct predictions).

It also checks the files keep a dynamic batch, and that the scripted file of a data-dependent
model keeps both branches while the traced one keeps only the traced branch.

  check_jit_load.py FOLDER MODEL KILN [TRAIN_FOLDER]
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from mnist_idx import kiln_dataset_dir, test_split  # noqa: E402

TOL_ABS = 1e-6
TOL_REL = 1e-4

folder, model, kiln = sys.argv[1], sys.argv[2], sys.argv[3]
train_folder = sys.argv[4] if len(sys.argv) > 4 else None
freeze = json.load(open(f"{folder}/freeze_report.json"))
compare = json.load(open(f"{folder}/compare.json"))
traced = torch.jit.load(f"{folder}/model_traced.pt")
scripted = torch.jit.load(f"{folder}/model_scripted.pt")
traced.eval()
scripted.eval()
problems = []


def fail(msg):
    problems.append(f"{model}: {msg}")


x_np, labels_np = test_split(kiln_dataset_dir(kiln), 10000)
x_all, labels_all = torch.from_numpy(x_np), torch.from_numpy(labels_np)
x, labels = x_all[:256], labels_all[:256]

with torch.no_grad():
    # 1. The freeze report's real-image rows.
    rows = [r for r in freeze["equivalence"] if r["inputs"] == "mnist test images"]
    if freeze.get("real_images") != "mnist" or [r["batch"] for r in rows] != [1, 8, 64, 256]:
        fail(f"freeze_report.json has no real-image rows for batches 1, 8, 64, 256: {freeze.get('real_images')}, {rows}")
    for r in rows:
        b = r["batch"]
        a, s = traced(x[:b]).double(), scripted(x[:b]).double()
        if a.shape != (b, 10) or s.shape != (b, 10):
            fail(f"batch {b}: output shapes {tuple(a.shape)}, {tuple(s.shape)}")
            continue
        rel = ((a - s).norm() / s.norm()).item()
        dt, ds = r["traced"], r["scripted"]
        lo, hi = abs(dt - ds) / (1 + ds) - TOL_ABS, (dt + ds) / (1 - ds) + TOL_ABS
        if not lo <= rel <= hi:
            fail(f"batch {b}: Python's ‖traced − scripted‖/‖scripted‖ = {rel:.6g} is outside [{lo:.6g}, {hi:.6g}] "
                 f"implied by freeze_report.json (Δ traced {dt:.6g}, Δ scripted {ds:.6g})")

    # 2. kiln compare's numbers on the same images, in the same batches of 64.
    sets = [s for s in compare["sets"] if s["inputs"] == "mnist test images (256)"]
    if len(sets) != 1 or compare.get("dataset") != {"name": "mnist", "samples": 256}:
        fail(f"compare.json has no 256-image set: {[s['inputs'] for s in compare['sets']]}")
    else:
        kiln_set = sets[0]["error"]
        outs_t = torch.cat([traced(x[i:i + 64]) for i in range(0, 256, 64)]).double()
        outs_s = torch.cat([scripted(x[i:i + 64]) for i in range(0, 256, 64)]).double()
        d = (outs_t - outs_s).abs()
        mine = {"mean_abs_error": d.mean().item(), "max_abs_error": d.max().item(),
                "top1_agreement": (outs_t.argmax(1) == outs_s.argmax(1)).double().mean().item()}
        for k, v in mine.items():
            if not abs(kiln_set[k] - v) <= TOL_ABS + TOL_REL * abs(v):
                fail(f"compare.json {k} = {kiln_set[k]!r}, Python {v!r} (tolerance {TOL_ABS} + {TOL_REL}·|value|)")
        acc = compare.get("accuracy", {})
        for side, out in (("reference", outs_t), ("target", outs_s)):
            correct = int((out.argmax(1) == labels).sum())
            if round(acc.get(side, -1) * 256) != correct:
                fail(f"compare.json accuracy[{side}] = {acc.get(side)} ({acc.get(side, -1) * 256:.1f}/256), "
                     f"Python counts {correct}/256 correct")

    # 3. Trained weights: kiln's recorded test accuracy, reproduced by each file in Python.
    if train_folder:
        train = json.load(open(f"{train_folder}/train.json"))
        n = train["test_samples"]
        if n != 10000:
            fail(f"train.json test_samples {n}")
        for name, m in (("traced", traced), ("scripted", scripted)):
            correct = sum(int((m(x_all[i:i + 500]).argmax(1) == labels_all[i:i + 500]).sum()) for i in range(0, n, 500))
            if correct != round(train["test_accuracy"] * n):
                fail(f"{name}: {correct}/{n} test images right in Python, train.json records test_accuracy "
                     f"{train['test_accuracy']} ({train['test_accuracy'] * n:.1f}/{n})")
        if not train["test_accuracy"] > 0.5:
            fail(f"train.json test_accuracy {train['test_accuracy']}: the run did not learn")

    # 4. Dynamic batch; the traced branch; what each file keeps of a data-dependent model.
    torch.manual_seed(0)
    for batch in (1, 7, 32):
        r = torch.rand(batch, 1, 28, 28)  # mean > 0: the branch the trace was made on
        a, b = traced(r), scripted(r)
        if a.shape != (batch, 10):
            fail(f"traced output shape {tuple(a.shape)} at batch {batch}")
        rel = ((a - b).norm() / b.norm()).item()
        if not rel < 1e-5:
            fail(f"traced and scripted disagree on the traced branch: {rel}")
    if model == "branchy":
        r = torch.rand(4, 1, 28, 28) - 2.0  # the other branch
        rel = ((traced(r) - scripted(r)).norm() / scripted(r).norm()).item()
        if not rel > 0.1:
            fail(f"traced file should have lost the other branch, Δ={rel}")
        if "prim::If" not in str(scripted.graph):
            fail("scripted branchy must keep its if")
        if freeze["verdict"]["trace_safe"]:
            fail("freeze_report.json calls tracing safe")
    elif not freeze["verdict"]["trace_safe"]:
        fail("freeze_report.json calls tracing unsafe")

if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"{model}: python torch.jit.load matches kiln's freeze and compare reports on 256 MNIST test images")
