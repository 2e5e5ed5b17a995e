// metadata.yaml (artifact/metadata.h): what pack writes, validate reads back unchanged; malformed
// or hostile YAML is one kiln::Error, never a crash.
#include <gtest/gtest.h>

#include <string>

#include "artifact/metadata.h"
#include "common/error.h"

namespace kiln {

TEST(Metadata, RoundTripsTypesExactly) {
  nlohmann::json m = {{"model_name", "mlp"},
                      {"version", "1.0"},
                      {"opset", 13},
                      {"latency_ms", 0.1234567890123},
                      {"accuracy_drop", nullptr},
                      {"flag", true},
                      {"looks_numeric", "42"},
                      {"empty", ""},
                      {"list", {"a", "b"}},
                      {"nested", {{"x", -1.5e-300}}}};
  EXPECT_EQ(parse_metadata_yaml(metadata_to_yaml(m), "m"), m);
}

TEST(Metadata, MalformedYamlIsOneError) {
  for (const std::string text :
       {"a: [1, 2", "- just\n- a list\n", "plain scalar", "{a: 1, a: {b: }", "\t:"}) {
    EXPECT_THROW(parse_metadata_yaml(text, "metadata.yaml"), Error) << text;
  }
  // Deep nesting must not exhaust the stack.
  std::string deep = "a: " + std::string(100000, '[');
  EXPECT_THROW(parse_metadata_yaml(deep, "metadata.yaml"), Error);
}

TEST(Metadata, SchemaNamesEveryProblem) {
  auto problems =
      metadata_schema_problems(nlohmann::json{{"opset", "13"}, {"files", {{"a", "nothex"}}}});
  EXPECT_NE(std::find(problems.begin(), problems.end(), "key 'opset' must be an integer"),
            problems.end());
  EXPECT_NE(std::find(problems.begin(), problems.end(), "missing key 'model_name'"),
            problems.end());
  EXPECT_NE(std::find(problems.begin(), problems.end(),
                      "key 'files' must be a map of file → SHA-256 (64 hex digits)"),
            problems.end());
}

}  // namespace kiln
