#include "bench/bench_config.h"

#include <algorithm>
#include <cstdint>

#include <fmt/format.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/thread_limit.h"

namespace kiln {

nlohmann::json session_options_json(const SessionOptions& o) {
  return {{"intra_op_threads", o.intra_op_threads},
          {"optimization", to_string(o.optimization)},
          {"provider", to_string(o.provider)},
          {"allow_spinning", o.allow_spinning}};
}

namespace {

// The value of `key` in the object `j`, of the JSON type `type` names; kiln::Error in plain words
// (never nlohmann's "[json.exception.type_error.305]") otherwise.
// Returned by value: a reference into `j` trips GCC's -Wdangling-reference at the call sites.
nlohmann::json member(const nlohmann::json& j, const char* key, const char* type,
                      bool (nlohmann::json::*is)() const noexcept) {
  if (!j.is_object())
    throw Error(fmt::format("expected an object holding '{}', got {}", key, j.type_name()));
  auto it = j.find(key);
  if (it == j.end()) throw Error(fmt::format("'{}' is missing", key));
  if (!((*it).*is)())
    throw Error(fmt::format("'{}' must be {}, not {}", key, type, it->type_name()));
  return *it;
}

}  // namespace

SessionOptions session_options_from_json(const nlohmann::json& j, const std::string& what) {
  try {
    SessionOptions o;
    const nlohmann::json threads =
        member(j, "intra_op_threads", "an integer", &nlohmann::json::is_number_integer);
    // Read wide, so 1e12 or 2^40 is "too many" and not wrapped into a negative int.
    const int64_t n =
        threads.is_number_unsigned()
            ? static_cast<int64_t>(std::min<uint64_t>(threads.get<uint64_t>(), INT64_MAX))
            : threads.get<int64_t>();
    if (n < 0) throw Error(fmt::format("intra_op_threads is negative ({})", n));
    if (n > max_thread_count())
      throw Error(fmt::format("intra_op_threads {} is more than {} (4 × the logical cores here)", n,
                              max_thread_count()));
    o.intra_op_threads = static_cast<int>(n);
    o.optimization = parse_graph_opt_level(
        member(j, "optimization", "a string", &nlohmann::json::is_string).get<std::string>());
    o.provider = parse_execution_provider(
        member(j, "provider", "a string", &nlohmann::json::is_string).get<std::string>());
    o.allow_spinning =
        member(j, "allow_spinning", "true or false", &nlohmann::json::is_boolean).get<bool>();
    return o;
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: not a kiln bench configuration ({})", what, first_line(e.what())));
  } catch (const std::exception& e) {  // kiln::Error, UsageError (an unknown provider)
    throw Error(fmt::format("{}: {}", what, first_line(e.what())));
  }
}

std::string describe_session_options(const SessionOptions& o) {
  return fmt::format("{}, opt {}, {}, spinning {}",
                     o.intra_op_threads > 0 ? fmt::format("{} threads", o.intra_op_threads)
                                            : std::string("default threads"),
                     to_string(o.optimization), to_string(o.provider),
                     o.allow_spinning ? "on" : "off");
}

SessionOptions read_bench_config(const std::filesystem::path& file, const std::string& objective) {
  if (objective != "latency" && objective != "throughput")
    throw UsageError(fmt::format("unknown objective '{}' (latency, throughput)", objective));
  std::string text = read_file(file);
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    throw Error(fmt::format("{}: not JSON (expected the best.json of kiln bench --tune)", file.string()));
  if (!j.is_object())
    throw Error(
        fmt::format("{}: a JSON {}, not an object (expected the best.json of kiln bench --tune)",
                    file.string(), j.type_name()));
  const std::string where = fmt::format("{} (best.{})", file.string(), objective);
  auto best = j.find("best");
  if (best == j.end() || !best->is_object() || !best->contains(objective))
    throw Error(fmt::format("{}: no 'best.{}' configuration", file.string(), objective));
  const nlohmann::json& entry = (*best)[objective];
  if (!entry.is_object() || !entry.contains("options"))
    throw Error(fmt::format("{}: no 'options' object", where));
  return session_options_from_json(entry["options"], where);
}

}  // namespace kiln
