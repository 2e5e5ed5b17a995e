#include "pipeline/stage_cache.h"

#include "artifact/sha256.h"
#include "common/atomic_file.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {
constexpr const char* kStamp = ".kiln-stage.json";
// Bumped when the stage records change form (typed records, schema 2), so a run folder from an
// older kiln reruns its stages instead of failing to read their records.
constexpr int kRecordSchema = 3;  // 3: export reports of schema 4
}  // namespace

std::string stage_key(const std::string& stage, const nlohmann::json& options,
                      const std::vector<fs::path>& inputs) {
  nlohmann::json j{
      {"stage", stage}, {"options", options}, {"kiln", KILN_VERSION}, {"records", kRecordSchema}};
  for (const auto& p : inputs)
    j["inputs"].push_back(fs::is_regular_file(p) ? sha256_file(p) : "missing:" + p.string());
  return sha256_hex(j.dump());
}

bool stage_is_fresh(const fs::path& dir, const std::string& key,
                    const std::vector<std::string>& outputs) {
  std::error_code ec;
  if (!fs::is_regular_file(dir / kStamp, ec)) return false;
  try {
    auto stamp = nlohmann::json::parse(read_file(dir / kStamp));
    if (stamp.value("key", "") != key) return false;
  } catch (const std::exception&) {
    return false;
  }
  for (const auto& o : outputs)
    if (!fs::exists(dir / o, ec)) return false;
  return true;
}

void mark_stage_done(const fs::path& dir, const std::string& key, double seconds) {
  fs::create_directories(dir);
  write_file_atomic(dir / kStamp, nlohmann::json{{"key", key}, {"seconds", seconds}}.dump() + "\n");
}

void invalidate_stage(const fs::path& dir) {
  std::error_code ec;
  fs::remove(dir / kStamp, ec);
}

bool any_stage_done(const fs::path& root) {
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
    if (fs::is_regular_file(it->path() / kStamp, ec)) return true;
  return false;
}

}  // namespace kiln
