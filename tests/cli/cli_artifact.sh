#!/usr/bin/env bash
# kiln pack / kiln validate / validate.py: a fresh artifact passes both checkers; each corrupted
# copy fails both, with the right check named; --git-commit commits with the seminar's message.
source "$(dirname "$0")/lib.sh"
cd "$WORK"

shared_models mlp frozen  # mlp, random weights: frozen, exported, optimized
cp frozen/model.onnx frozen/model_opt.onnx .
check "export and optimize" test -s model_opt.onnx
"$KILN" pack --model model_opt.onnx --reference frozen/model_scripted.pt --name mlp --optimization eliminate_deadend \
  --out artifact_v1 >pack.txt 2>&1
check "pack writes the artifact" test -s artifact_v1/metadata.yaml -a -s artifact_v1/test_data_set_0/input_0.pb \
  -a -s artifact_v1/test_data_set_1/output_0.pb -a -s artifact_v1/validate.py -a -s artifact_v1/README.md
check "metadata has the seminar's keys" bash -c 'for k in model_name version opset precision optimization runtime latency_ms accuracy_drop; do grep -q "^$k:" artifact_v1/metadata.yaml || exit 1; done'
check "runtime is the ORT really used" grep -q '^runtime: onnxruntime 1.21' artifact_v1/metadata.yaml
check "kiln validate passes" "$KILN" validate artifact_v1 --reference frozen/model_scripted.pt --max-accuracy-drop 1 --junit junit.xml
check "junit written" grep -q '<testsuite name="kiln validate"' junit.xml
check "validate.py passes" python3 artifact_v1/validate.py

corrupt() {  # corrupt NAME COMMAND: a copy of the artifact with COMMAND applied inside it
  rm -rf "$1" && cp -r artifact_v1 "$1" && (cd "$1" && eval "$2")
}
corrupt flipped 'python3 -c "import sys; p=\"model_opt.onnx\"; b=bytearray(open(p,\"rb\").read()); b[len(b)//2]^=1; open(p,\"wb\").write(b)"'
expect 1 "^kiln: error: hashes: model_opt.onnx does not match its SHA-256" -- validate flipped
check "validate.py fails on a flipped byte" bash -c '! python3 flipped/validate.py >/dev/null'
corrupt edited 'sed -i "s/^opset: 13/opset: 14/" metadata.yaml'
expect 1 "^kiln: error: opset: metadata 14 / model 13" -- validate edited
check "validate.py fails on an edited opset" bash -c '! python3 edited/validate.py >/dev/null'
corrupt missing 'rm test_data_set_0/output_0.pb'
expect 1 "^kiln: error: hashes: test_data_set_0/output_0.pb is missing" -- validate missing
check "validate.py fails on a missing golden file" bash -c '! python3 missing/validate.py >/dev/null'
corrupt garbage 'echo "{{{" > metadata.yaml'
expect 1 "^kiln: error: metadata: " -- validate garbage
expect 1 "not an artifact folder" -- validate nowhere
expect_exact 2 "kiln: error: --max-latency-ratio needs a reference model (a same-run ratio)" -- validate artifact_v1 --max-latency-ratio 1.5
# A latency budget no model can meet (artifact p50 at most 1/1000 of the reference's): exit 1 and
# one line naming the latency check with the measured figures; every other check still passes;
# the figures are consistent (ratio = p50 / reference p50 within the printed rounding, above the
# budget) and the JUnit report records that one failure. A generous budget passes.
expect 1 '^kiln: error: latency: p50 [0-9]+\.[0-9]{3} ms vs reference [0-9]+\.[0-9]{3} ms: ratio [0-9]+\.[0-9]{2} \(budget 0\.001\)$' -- \
  validate artifact_v1 --reference frozen/model_scripted.pt --max-latency-ratio 0.001 --junit junit_lat.xml
"$KILN" validate artifact_v1 --reference frozen/model_scripted.pt --max-latency-ratio 0.001 --junit junit_lat.xml \
  >validate_lat.txt 2>validate_lat.err
check "tiny latency budget: exit 1" test $? -eq 1
check "tiny latency budget: only the latency check fails, figures consistent" python3 - validate_lat.txt validate_lat.err junit_lat.xml <<'PY'
import re, sys
out = open(sys.argv[1]).read().splitlines()
err = open(sys.argv[2]).read()
junit = open(sys.argv[3]).read()
fails = [l for l in out if l.startswith("FAIL")]
passes = [l for l in out if l.startswith("PASS")]
m = re.fullmatch(r"FAIL  latency +p50 ([0-9.]+) ms vs reference ([0-9.]+) ms: ratio ([0-9.]+) \(budget 0\.001\)", fails[0]) if len(fails) == 1 else None
problems = []
if not m or out[-1] != "artifact INVALID" or len(passes) < 7:
    problems.append(f"report: {out}")
else:
    p50, ref, ratio = (float(g) for g in m.groups())
    lo, hi = (p50 - 5e-4) / (ref + 5e-4), (p50 + 5e-4) / max(ref - 5e-4, 1e-9)
    if not (lo - 0.005 <= ratio <= hi + 0.005 and ratio > 0.001 and p50 > 0 and ref > 0):
        problems.append(f"ratio {ratio} is not p50 {p50} / reference {ref} (in [{lo:.4f}, {hi:.4f}]) or not above 0.001")
    want = "kiln: error: latency: p50 %s ms vs reference %s ms: ratio %s (budget 0.001)" % m.groups()
    if err.splitlines() != [want]:
        problems.append(f"stderr {err!r} is not the one line {want!r}")
if 'failures="1"' not in junit or '<testcase classname="artifact" name="latency"><failure message="p50' not in junit:
    problems.append(f"junit: {junit}")
if problems:
    print("\n".join(problems))
    sys.exit(1)
PY
check "a generous latency budget passes" bash -c "'$KILN' validate artifact_v1 --reference frozen/model_scripted.pt \
  --max-latency-ratio 1000 2>/dev/null | grep -qE '^PASS  latency +p50 [0-9.]+ ms vs reference [0-9.]+ ms: ratio [0-9.]+ \(budget 1000\)$'"
# An equivalence failure names the next step on the same line: where the outputs start to differ.
expect 1 '^kiln: error: golden: .*\(kiln diff MODEL\.onnx artifact_v1/model_opt\.onnx shows where the outputs start to differ\)$' -- \
  validate artifact_v1 --reference frozen/model_scripted.pt --max-mae 1e-12
expect 1 "not packed: E = .* exceeds the bound" -- pack --model model_opt.onnx --reference frozen/model_traced.pt --max-mae 1e-12 --out tight
check "a refused pack writes nothing" test ! -e tight

# --accuracy-samples N: accuracy on the first N test images, recorded as such; validate re-measures
# on as many (a re-measure on all 10000 would compare two different samples).
"$KILN" pack --model model_opt.onnx --reference frozen/model_scripted.pt --accuracy-samples 500 --out art500 >/dev/null 2>&1
check "pack --accuracy-samples 500 records 500 samples" python3 -c '
import sys, yaml
sys.exit(0 if yaml.safe_load(open(sys.argv[1]))["dataset"]["samples"] == 500 else 1)' art500/metadata.yaml
check "validate re-measures on the recorded 500" bash -c "'$KILN' validate art500 --max-accuracy-drop 1 | grep -qE '^PASS  accuracy .*re-measured on 500 mnist samples'"
expect 2 "--accuracy-samples must be at least 0" -- pack --model model_opt.onnx --reference frozen/model_scripted.pt --accuracy-samples -1 --out neg
check "a refused pack writes nothing" test ! -e neg

# --git-commit: only a valid artifact is committed, with the seminar's message
mkdir repo && git -C repo init -q && git -C repo config user.email ci@kiln && git -C repo config user.name ci
"$KILN" pack --model model_opt.onnx --reference frozen/model_scripted.pt --out repo/artifact_v1 --git-commit >/dev/null 2>&1
check "git commit made" bash -c 'git -C repo log -1 --format=%s | grep -q "^Optimized ONNX artifact, verified equivalence ≤ 0.001$"'
check "artifact files committed" bash -c 'git -C repo ls-files | grep -q artifact_v1/metadata.yaml'
finish
