#include "models/zoo.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/error.h"
#include "models/branchy.h"
#include "models/mlp.h"
#include "models/simple_cnn.h"

namespace kiln {

const std::vector<std::string>& zoo_model_names() {
  static const std::vector<std::string> names{"simple_cnn", "branchy", "mlp"};
  return names;
}

void check_zoo_model_name(const std::string& name) {
  for (const auto& n : zoo_model_names())
    if (n == name) return;
  throw UsageError(fmt::format("unknown model '{}' (built-in models: {})", name,
                               fmt::join(zoo_model_names(), ", ")));
}

std::unique_ptr<ZooModel> make_zoo_model(const std::string& name) {
  check_zoo_model_name(name);
  if (name == "simple_cnn") return make_simple_cnn();
  if (name == "branchy") return make_branchy();
  return make_mlp();
}

}  // namespace kiln
