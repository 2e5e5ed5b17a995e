#include "bench/bench_config.h"

#include <fmt/format.h>

#include "common/atomic_file.h"
#include "common/error.h"

namespace kiln {

nlohmann::json session_options_json(const SessionOptions& o) {
  return {{"intra_op_threads", o.intra_op_threads},
          {"optimization", to_string(o.optimization)},
          {"provider", to_string(o.provider)},
          {"allow_spinning", o.allow_spinning}};
}

SessionOptions session_options_from_json(const nlohmann::json& j, const std::string& what) {
  try {
    SessionOptions o;
    o.intra_op_threads = j.at("intra_op_threads").get<int>();
    if (o.intra_op_threads < 0) throw Error("negative intra_op_threads");
    o.optimization = parse_graph_opt_level(j.at("optimization").get<std::string>());
    o.provider = parse_execution_provider(j.at("provider").get<std::string>());
    o.allow_spinning = j.at("allow_spinning").get<bool>();
    return o;
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: not a kiln bench configuration ({})", what, first_line(e.what())));
  } catch (const Error& e) {
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
  if (j.is_discarded() || !j.is_object())
    throw Error(fmt::format("{}: not JSON (expected the best.json of kiln bench --tune)", file.string()));
  if (!j.contains("best") || !j["best"].contains(objective))
    throw Error(fmt::format("{}: no 'best.{}' configuration", file.string(), objective));
  return session_options_from_json(j["best"][objective]["options"],
                                   fmt::format("{} (best.{})", file.string(), objective));
}

}  // namespace kiln
