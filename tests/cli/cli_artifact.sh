#!/usr/bin/env bash
# kiln pack / kiln validate / validate.py: a fresh artifact passes both checkers; each corrupted
# copy fails both, with the right check named; --git-commit commits with the seminar's message.
source "$(dirname "$0")/lib.sh"
cd "$WORK"

"$KILN" freeze --model mlp --dataset none --out frozen >/dev/null
"$KILN" export frozen/model_scripted.pt -o model.onnx >/dev/null
"$KILN" optimize model.onnx -o model_opt.onnx >/dev/null 2>&1
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
expect 2 "^kiln: error: --max-latency-ratio needs a reference model" -- validate artifact_v1 --max-latency-ratio 1.5
expect 1 "not packed: E = .* exceeds the bound" -- pack --model model_opt.onnx --reference frozen/model_traced.pt --max-mae 1e-12 --out tight
check "a refused pack writes nothing" test ! -e tight

# --git-commit: only a valid artifact is committed, with the seminar's message
mkdir repo && git -C repo init -q && git -C repo config user.email ci@kiln && git -C repo config user.name ci
"$KILN" pack --model model_opt.onnx --reference frozen/model_scripted.pt --out repo/artifact_v1 --git-commit >/dev/null 2>&1
check "git commit made" bash -c 'git -C repo log -1 --format=%s | grep -q "^Optimized ONNX artifact, verified equivalence ≤ 0.001$"'
check "artifact files committed" bash -c 'git -C repo ls-files | grep -q artifact_v1/metadata.yaml'
finish
