// libFuzzer target: metadata.yaml parsing and schema validation; a schema-valid document must
// survive a write/read round trip unchanged (what pack writes, validate reads back).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "artifact/metadata.h"
#include "common/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    nlohmann::json meta = kiln::parse_metadata_yaml(text, "metadata.yaml");
    if (!kiln::metadata_schema_problems(meta).empty()) return 0;
    nlohmann::json again = kiln::parse_metadata_yaml(kiln::metadata_to_yaml(meta), "rewritten");
    if (again != meta) {
      // What changed, for triage (JSON patch from the first reading to the second).
      std::fprintf(stderr, "round trip changed the document: %s\n",
                   nlohmann::json::diff(meta, again).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace).c_str());
      __builtin_trap();
    }
  } catch (const kiln::Error&) {
  }
  return 0;
}
