"""Every key number REPORT.md states is the number the stage wrote (no template figures)."""
import json
import sys

run = sys.argv[1]
report = open(f"{run}/REPORT.md", encoding="utf-8").read()
load = lambda p: json.load(open(f"{run}/{p}"))  # noqa: E731

train = load("01_train/train.json")
expect = [f"**{100 * train['test_accuracy']:.2f}%**"]
freeze = load("02_freeze/freeze_report.json")
expect.append(f"| traced | {freeze['summary']['traced']['max']:.3g} |")
c32 = load("05_compare/compare_fp32.json")
expect.append(f"| {c32['total']['mean_abs_error']:.3g} |")
opt = load("06_optimize/optimize_report.json")
val = load("09_validate/validate.json")
for check in val["checks"]:
    expect.append(f"| {check['check']} | {'pass' if check['passed'] else '**FAIL**'} |")
branch = load("02_branch_study/freeze_report.json")
expect.append(branch["verdict"]["reason"])
missing = [e for e in expect if e not in report]
assert not missing, f"REPORT.md lacks the stage numbers: {missing}"
assert "removed 2 of 2 BatchNormalization" in report or "removed" in report and opt["before"]["nodes"] > opt["after"]["nodes"]
print(f"{len(expect)} figures found in REPORT.md")
