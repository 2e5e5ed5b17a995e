#!/usr/bin/env bash
# Keeps kiln's modules talking through typed records: JSON is read or written by string key only
# in the files that own that JSON form (listed below, one owner per form). Anywhere else a
# `j["key"]`, `.at("key")`, `.value("key", …)` or `.contains("key")` is a module reading another's
# JSON by name, which compiles after a rename and fails at run time, or silently.
# Usage: scripts/check_json_keys.sh [REPO]; exit 1 with the offending lines.
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"

owners=(
  src/artifact/artifact_checks.cpp   # metadata.yaml, as validate reads it
  src/artifact/artifact_out.cpp      # metadata.yaml, as pack --out recognizes a previous artifact
  src/artifact/metadata.cpp          # metadata.yaml <-> JSON
  src/artifact/pack.cpp              # metadata.yaml, as pack writes it
  src/bench/bench_config.cpp         # best.json (bench --config)
  src/bench/bench_result.cpp         # LatencyStats / Accuracy inside BenchResult
  src/bench/latency_stats.cpp        # LatencyStats
  src/bench/tune.cpp                 # the --tune report
  src/data/dataset_info.cpp          # kiln data info
  src/doctor/doctor.cpp              # kiln doctor's facts
  src/doctor/machine_facts.cpp
  src/doctor/onnx_facts.cpp
  src/doctor/torch_facts.cpp
  src/export/export_result.cpp       # ExportResult
  src/export/ops/scalars.cpp         # the scalar-op table
  src/pipeline/stage_cache.cpp       # the stage stamp .kiln-stage.json
  src/runtime/input_spec.cpp         # InputSpec
)

pattern='\["[A-Za-z_0-9.]+"\]|\.at\("|\.value\("|\.contains\("'
mapfile -t files < <(find src -name '*.cpp' -o -name '*.h' | sort)
bad=0
for f in "${files[@]}"; do
  owned=0
  for o in "${owners[@]}"; do [[ "$f" == "$o" ]] && owned=1; done
  ((owned)) && continue
  if hits=$(grep -nE "$pattern" "$f"); then
    while IFS= read -r line; do echo "$f:$line"; done <<<"$hits"
    bad=1
  fi
done
if ((bad)); then
  echo "check_json_keys: JSON read by string key outside its owner (use the typed record; see docs/architecture.md)" >&2
  exit 1
fi
echo "check_json_keys: every JSON key is read in its owner's files (${#owners[@]} owners)"
