#!/usr/bin/env bash
# kiln pipeline --quick end to end: every stage runs, the report's numbers are the stages' numbers,
# the artifact validates, and a second run reuses every stage.
source "$(dirname "$0")/lib.sh"
HERE=$(dirname "$0")
require_python onnx yaml
"$KILN" pipeline --quick --out "$WORK/run" >"$WORK/first.txt" 2>"$WORK/first.err"
check "pipeline --quick succeeds" test $? -eq 0
check "REPORT.md and report.html" test -s "$WORK/run/REPORT.md" -a -s "$WORK/run/report.html"
check "report numbers match stage outputs" python3 "$HERE/check_pipeline_report.py" "$WORK/run"
check "artifact validates with validate.py" python3 "$WORK/run/08_pack/artifact_v1/validate.py"
# The artifact says what was done: metadata.yaml's optimization is exactly the passes that rewrote
# the model, in the order the optimizer first applied them (it once said [] by a dangling reference).
check "metadata.yaml optimization = the packed model's rewriting passes (fuse_bn_into_conv among them)" python3 -c '
import json, sys, yaml
meta = yaml.safe_load(open(sys.argv[3]))
if meta["precision"] == "int8":  # made from model.onnx: the quantizer pre-optimization is its chain
    pre = json.load(open(sys.argv[2]))["preoptimize"]
    want = [p["name"] for p in pre["passes"]] if pre["applied"] else []
else:
    want = []
    for r in json.load(open(sys.argv[1]))["runs"]:
        if r["rewrites"] > 0 and r["pass"] not in want:
            want.append(r["pass"])
sys.exit(0 if meta["optimization"] == want and "fuse_bn_into_conv" in want else 1)
' "$WORK/run/06_optimize/optimize_report.json" "$WORK/run/06_quantize_static/quantize_report.json" "$WORK/run/08_pack/artifact_v1/metadata.yaml"
# Numbers in metadata.yaml carry the precision they were measured to, full precision stays in JSON.
check "metadata.yaml latency_ms to the microsecond, ratio to 3 digits" python3 -c '
import re, sys
text = open(sys.argv[1]).read()
lat = re.search(r"^latency_ms: ([0-9.]+)$", text, re.M).group(1)
ratio = re.search(r"^  ratio: ([0-9.e-]+)$", text, re.M).group(1)
digits = lambda s: len(s.split(".")[1]) if "." in s else 0
sys.exit(0 if digits(lat) <= 3 and len(ratio.replace("0.", "").replace(".", "").lstrip("0")) <= 3 else 1)
' "$WORK/run/08_pack/artifact_v1/metadata.yaml"
check "REPORT.md shows metadata.yaml as a YAML block with its nested maps" python3 -c '
import sys
md = open(sys.argv[1]).read()
block = md.split("```yaml\n", 1)[1].split("```", 1)[0]
need = ["optimization: [", "dataset:\n  accuracy:", "equivalence:\n  bound:", "latency:\n  batch: 1", "inputs:\n  input:", "outputs:\n  output:"]
missing = [n for n in need if n not in block]
sys.exit("missing: %s" % missing if missing or "files:" in block else 0)
' "$WORK/run/REPORT.md"
check "06_diff_int8 localizes where INT8 error enters, explained by the quantizer, linked from REPORT.md" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
fd = d["first_divergent"]
md = open(sys.argv[2]).read()
ok = fd and any("quantize-onnx" in e for e in fd["explanation"]) and not d["agree"]
ok = ok and "06_diff_int8/diff_int8.html" in md and ("`%s`" % fd["node"]) in md
ok = ok and all(t["name"] != "output" or t["diverges"] for t in d["tensors"])
sys.exit(0 if ok else "first_divergent %s" % fd)
' "$WORK/run/06_diff_int8/diff_int8.json" "$WORK/run/REPORT.md"
check "the INT8 diff page is HTML with its plot" grep -q "<svg" "$WORK/run/06_diff_int8/diff_int8.html"
"$KILN" pipeline --quick --out "$WORK/run" >"$WORK/second.txt" 2>&1
check "second run reuses every stage" bash -c "[ \$(grep -c ' cached ' '$WORK/second.txt') -eq 14 ]"
rm "$WORK/run/06_optimize/.kiln-stage.json"  # as if interrupted before the stage finished
"$KILN" pipeline --quick --out "$WORK/run" >"$WORK/third.txt" 2>&1
check "an unfinished stage reruns" grep -qE '^06_optimize +done' "$WORK/third.txt"
# Each precision as the named artifact: only the choice, pack and validate stages rerun.
"$KILN" pipeline --quick --out "$WORK/run" --artifact fp16 >"$WORK/fp16.txt" 2>&1
check "pipeline --artifact fp16 succeeds" test $? -eq 0
check "--artifact fp16: only 07_choose, 08_pack, 09_validate rerun" bash -c "[ \$(grep -c ' cached ' '$WORK/fp16.txt') -eq 11 ] &&
  grep -qE '^07_choose +done .*fp16 \(--artifact fp16\)' '$WORK/fp16.txt'"
check "metadata.yaml: precision fp16 with the FP16 record" python3 -c '
import sys, yaml
m = yaml.safe_load(open(sys.argv[1]))
sys.exit(0 if m["precision"] == "fp16" and m["fp16"]["keep_io_types"] is True and m["artifact_choice"]["rule"] == "--artifact fp16" else 1)
' "$WORK/run/08_pack/artifact_v1/metadata.yaml"
check "fp16 artifact validates with validate.py" python3 "$WORK/run/08_pack/artifact_v1/validate.py"
"$KILN" pipeline --quick --out "$WORK/run" --artifact int8 >"$WORK/int8.txt" 2>&1
check "pipeline --artifact int8 succeeds" test $? -eq 0
check "metadata.yaml: the INT8 plan (pre-optimized, every node int8, /Conv's input padded to 4 channels)" python3 -c '
import sys, yaml
q = yaml.safe_load(open(sys.argv[1]))["quantization"]
sys.exit(0 if q["preoptimized"] == ["fuse_bn_into_conv"] and q["kept_float"] == [] and q["mode"] == "static"
         and q["channel_padding"] == [{"node": "/Conv", "input_channels": 1, "padded_to": 4}] else 1)
' "$WORK/run/08_pack/artifact_v1/metadata.yaml"
check "metadata.yaml: precision int8 with the calibration" bash -c "grep -q 'precision: int8' '$WORK/run/08_pack/artifact_v1/metadata.yaml' &&
  grep -q 'minmax, 512 samples' '$WORK/run/08_pack/artifact_v1/metadata.yaml'"
check "int8 artifact validates with validate.py" python3 "$WORK/run/08_pack/artifact_v1/validate.py"
finish
