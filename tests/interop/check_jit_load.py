"""Loads kiln's model_traced.pt / model_scripted.pt with Python's torch.jit.load and checks that
they run, keep a dynamic batch, agree where they should, and that the scripted file keeps both
branches of a data-dependent model while the traced one keeps only the traced branch."""
import json
import sys

import torch

folder, model = sys.argv[1], sys.argv[2]
report = json.load(open(f"{folder}/freeze_report.json"))
traced = torch.jit.load(f"{folder}/model_traced.pt")
scripted = torch.jit.load(f"{folder}/model_scripted.pt")
traced.eval()
scripted.eval()
torch.manual_seed(0)
with torch.no_grad():
    for batch in (1, 7, 32):
        x = torch.rand(batch, 1, 28, 28)  # mean > 0: the branch the trace was made on
        a, b = traced(x), scripted(x)
        assert a.shape == (batch, 10), a.shape
        rel = ((a - b).norm() / b.norm()).item()
        assert rel < 1e-5, f"{model}: traced and scripted disagree on the traced branch: {rel}"
    if model == "branchy":
        x = torch.rand(4, 1, 28, 28) - 2.0  # the other branch
        rel = ((traced(x) - scripted(x)).norm() / scripted(x).norm()).item()
        assert rel > 0.1, f"branchy: traced file should have lost the other branch, Δ={rel}"
        assert "prim::If" in str(scripted.graph), "scripted branchy must keep its if"
        assert not report["verdict"]["trace_safe"]
    else:
        assert report["verdict"]["trace_safe"]
print(f"{model}: python torch.jit.load OK")
