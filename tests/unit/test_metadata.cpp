// metadata.yaml (artifact/metadata.h): what pack writes, validate reads back unchanged; malformed
// or hostile YAML is one kiln::Error, never a crash.
#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <string>

#include "artifact/metadata.h"
#include "common/error.h"

#include <fmt/format.h>

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

// Fuzz finding (tests/fuzz/corpus/metadata/non-utf8-file-key.yaml): a schema-valid document whose
// `files` key held the bytes FF FF FF 01 read back with U+FFFD in their place after
// metadata_to_yaml (yaml-cpp's emitter replaces invalid UTF-8). YAML is Unicode text, so bytes that
// are not UTF-8 are refused on both sides.
TEST(Metadata, KeyThatIsNotUtf8IsRefusedNotRewritten) {
  const std::string bad_key = "test_data_set_\xff\xff\xff\x01tput_0.pb";
  const std::string text = "files:\n  " + bad_key + ": " + std::string(64, 'a') + "\n";
  try {
    parse_metadata_yaml(text, "metadata.yaml");
    FAIL() << "bytes that are not UTF-8 were accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("metadata.yaml: a key is not valid UTF-8"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_metadata_yaml("name: \"caf\xc3\"\n", "m"), Error);    // truncated sequence
  EXPECT_THROW(parse_metadata_yaml("name: \xc0\xaf\n", "m"), Error);        // overlong '/'
  EXPECT_THROW(parse_metadata_yaml("name: \xed\xa0\x80\n", "m"), Error);   // UTF-16 surrogate
  EXPECT_THROW(metadata_to_yaml(nlohmann::json{{"files", {{bad_key, "x"}}}}), Error);
  EXPECT_THROW(metadata_to_yaml(nlohmann::json{{"model_name", "\xff"}}), Error);
  // Valid UTF-8, control characters included, round-trips.
  nlohmann::json ok = {{"files", {{"data_\x01_\xce\x94_\xe2\x80\xa8.pb", "caf\xc3\xa9 \xf0\x9f\x94\xa5"}}}};
  EXPECT_EQ(parse_metadata_yaml(metadata_to_yaml(ok), "m"), ok);
}

// Found while triaging the above (tests/fuzz/corpus/metadata/nan-measured.yaml): `measured: nan`
// read as a NaN number, written back as .nan, read again as a string. Metadata numbers are finite:
// nan/inf read as strings (as in YAML), and the writer refuses non-finite numbers.
TEST(Metadata, NanAndInfinityAreNotNumbers) {
  for (const std::string v : {"nan", "-nan", "inf", "-inf", "infinity", "NaN", ".nan", ".inf"}) {
    nlohmann::json m = parse_metadata_yaml("x: " + v + "\n", "m");
    EXPECT_TRUE(m["x"].is_string()) << v;
    EXPECT_EQ(parse_metadata_yaml(metadata_to_yaml(m), "m"), m) << v;
  }
  for (double d : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    try {
      metadata_to_yaml(nlohmann::json{{"latency", {{"ratio", d}}}});
      FAIL() << "a non-finite number was written";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("metadata /latency/ratio: the number"), std::string::npos) << e.what();
    }
  }
}

TEST(Metadata, MalformedYamlIsOneError) {
  for (const std::string text :
       {"a: [1, 2", "- just\n- a list\n", "plain scalar", "{a: 1, a: {b: }", "\t:"}) {
    EXPECT_THROW(parse_metadata_yaml(text, "metadata.yaml"), Error) << text;
  }
  // Deep nesting must not exhaust the stack.
  std::string deep = "a: ";
  deep.append(100000, '[');  // (operator+ here trips a GCC 14 -Warray-bounds false positive)
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

namespace {

std::string yaml_error(const std::string& text) {
  try {
    parse_metadata_yaml(text, "m.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  return "parsed";
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

// Issue 33: a self-referencing alias made validate overflow its stack; a 1 KB alias bomb (9 levels
// of 9 references) ran for minutes into bad_alloc. Anchors and aliases are refused outright.
TEST(Metadata, AnchorsAndAliasesAreRefused) {
  EXPECT_PRED2(has, yaml_error("rec: &r\n  self: *r\n"), "YAML anchors (&r) are not allowed");
  EXPECT_PRED2(has, yaml_error("a: &x 1\nb: 2\n"), "anchors (&x)");
  EXPECT_PRED2(has, yaml_error("a: 1\nb: *x\n"), "m.yaml: ");  // undefined: yaml-cpp refuses it
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    bomb += fmt::format("a{}: &a{} [", i, i);
    for (int k = 0; k < 9; ++k) bomb += fmt::format("{}*a{}", k ? ", " : "", i - 1);
    bomb += "]\n";
  }
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_PRED2(has, yaml_error(bomb), "not allowed in metadata");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
}

TEST(Metadata, DepthValueCountAndSizeAreBounded) {
  // Deep nesting, flow and block: stopped at the bound, never at the stack's end.
  std::string flow = "a: ";
  flow.append(100000, '[');
  flow.append(100000, ']');
  EXPECT_PRED2(has, yaml_error(flow), "nested deeper than 32 levels");
  std::string block;
  for (int i = 0; i < 40; ++i) block += std::string(size_t(2 * i), ' ') + "k:\n";
  EXPECT_PRED2(has, yaml_error(block), "nested deeper than 32 levels");
  // 31 levels below the root are fine.
  std::string ok = "a: ";
  ok.append(31, '[');
  ok.append(31, ']');
  EXPECT_EQ(yaml_error(ok), "parsed");
  std::string big = "a: [";
  for (int i = 0; i < 600000; ++i) big += "1,";
  big += "1]\n";
  EXPECT_PRED2(has, yaml_error(big), "larger than 1048576 bytes");
  std::string values = "a: [";
  for (int i = 0; i < 150000; ++i) values += "1,";
  values += "1]\n";
  EXPECT_PRED2(has, yaml_error(values), "more than 100000 values");
  EXPECT_PRED2(has, yaml_error("a: 1\n---\nb: 2\n"), "more than one YAML document");
  EXPECT_PRED2(has, yaml_error("? [a, b]\n: 1\n"), "a mapping key is not a scalar");
  // The writer refuses what the reader would.
  nlohmann::json deep = 1;
  for (int i = 0; i < 40; ++i) deep = nlohmann::json::array({deep});
  EXPECT_THROW(metadata_to_yaml({{"a", deep}}), Error);
}

}  // namespace kiln
