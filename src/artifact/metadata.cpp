#include "artifact/metadata.h"

#include <charconv>
#include <cmath>
#include <optional>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>

#include "common/error.h"
#include "common/utf8.h"

namespace kiln {

namespace {

// The seminar's keys first, in its order; the rest follow alphabetically.
const std::vector<std::string> kKeyOrder{"schema_version", "model_name", "version",
                                         "opset",          "precision",  "optimization",
                                         "runtime",        "latency_ms", "accuracy_drop"};

// YAML text is Unicode: a string that is not valid UTF-8 has no YAML form (yaml-cpp's emitter would
// write U+FFFD for the bad bytes, so it would come back different), and a document holding such
// bytes is not YAML.
void require_utf8(const std::string& s, const std::string& what, const char* role) {
  if (!is_valid_utf8(s)) throw Error(fmt::format("{}: a {} is not valid UTF-8", what, role));
}

bool looks_like_non_string(const std::string& s) {
  if (s.empty() || s == "null" || s == "~" || s == "true" || s == "false" || s == "yes" ||
      s == "no")
    return true;
  double d;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  return ec == std::errc() && p == s.data() + s.size();
}

// The shortest text that reads back as exactly `d` (0.306, not 0.30599999999999999), always with
// a '.' so YAML 1.1 readers (PyYAML, validate.py) see a float and not the string "1e-06".
std::string shortest_float_text(double d) {
  std::string t = fmt::format("{}", d);
  if (t.find_first_of(".n") != std::string::npos) return t;
  size_t e = t.find('e');
  return e == std::string::npos ? t + ".0" : t.insert(e, ".0");
}

// `where` is the value's place in the document (a JSON pointer), for the errors.
void emit(YAML::Emitter& y, const nlohmann::json& v, const std::string& where, size_t depth = 0) {
  if ((v.is_object() || v.is_array()) && depth >= kMaxMetadataDepth)
    throw Error(fmt::format("metadata {}: nested deeper than {} levels", where, kMaxMetadataDepth));
  if (v.is_object()) {
    y << YAML::BeginMap;
    std::vector<std::string> keys;
    for (const auto& k : kKeyOrder)
      if (v.contains(k)) keys.push_back(k);
    for (const auto& [k, _] : v.items())
      if (std::find(kKeyOrder.begin(), kKeyOrder.end(), k) == kKeyOrder.end()) keys.push_back(k);
    for (const auto& k : keys) {
      require_utf8(k, fmt::format("metadata {}", where.empty() ? "/" : where), "key");
      y << YAML::Key << k << YAML::Value;
      emit(y, v[k], where + "/" + k, depth + 1);
    }
    y << YAML::EndMap;
  } else if (v.is_array()) {
    // Short lists of names stay on one line; lists of maps (kept-float nodes, the artifact
    // choice's alternatives) read better one entry per line.
    bool maps = false;
    for (const auto& e : v) maps = maps || e.is_object();
    y << (maps ? YAML::Block : YAML::Flow) << YAML::BeginSeq;
    for (size_t i = 0; i < v.size(); ++i) emit(y, v[i], fmt::format("{}/{}", where, i), depth + 1);
    y << YAML::EndSeq;
  } else if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    require_utf8(s, fmt::format("metadata {}", where), "value");
    if (looks_like_non_string(s))
      y << YAML::DoubleQuoted << s;
    else
      y << s;
  } else if (v.is_boolean()) {
    y << v.get<bool>();
  } else if (v.is_number_integer()) {
    y << v.get<int64_t>();
  } else if (v.is_number()) {
    // NaN and infinities would be written .nan/.inf and read back as strings (kiln's numbers
    // are finite; a NaN could not even compare equal to itself after a round trip).
    const double d = v.get<double>();
    if (!std::isfinite(d))
      throw Error(fmt::format("metadata {}: the number {} is not finite", where, d));
    y << shortest_float_text(d);
  } else {
    y << YAML::Null;
  }
}

// A scalar's JSON value: quoted scalars are strings; plain ones may be booleans, integers or
// finite numbers.
nlohmann::json scalar_json(const std::string& tag, const std::string& s, const std::string& what) {
  require_utf8(s, what, "value");
  if (tag == "!") return s;  // quoted: a string even when it looks like a number
  if (s == "true") return true;
  if (s == "false") return false;
  if (s == "null" || s == "~") return nullptr;
  int64_t i;
  auto [pi, ei] = std::from_chars(s.data(), s.data() + s.size(), i);
  if (ei == std::errc() && pi == s.data() + s.size()) return i;
  double d;
  auto [pd, ed] = std::from_chars(s.data(), s.data() + s.size(), d);
  // Only finite numbers: "nan" and "inf" are strings in YAML (its own forms, .nan and .inf,
  // are read as strings too; metadata numbers are finite, metadata_to_yaml refuses others).
  if (ed == std::errc() && pd == s.data() + s.size() && std::isfinite(d)) return d;
  return s;
}

// Builds the JSON document from yaml-cpp's parse events, without a YAML::Node tree and without
// recursion of its own: the nesting depth, the number of values and anchors/aliases are checked as
// the parser reports them, so a deeply nested or self-referencing document stops at the first
// event past a limit (yaml-cpp's own recursion never goes deeper than kMaxMetadataDepth).
class JsonBuilder : public YAML::EventHandler {
 public:
  explicit JsonBuilder(std::string what) : what_(std::move(what)) {}

  nlohmann::json take() {
    if (documents_ == 0) throw Error(fmt::format("{}: empty document", what_));
    return std::move(root_);
  }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1)
      throw Error(fmt::format("{}: more than one YAML document (line {})", what_, mark.line + 1));
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    no_anchor(mark, anchor);
    if (awaiting_key()) {
      value(mark, "null");  // yaml-cpp's reading of a null key
      return;
    }
    value(mark, nullptr);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    throw Error(fmt::format("{}: YAML aliases (*name) are not allowed in metadata (line {})", what_,
                            mark.line + 1));
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& text) override {
    no_anchor(mark, anchor);
    if (awaiting_key()) {
      require_utf8(text, what_, "key");
      value(mark, text);
      return;
    }
    value(mark, scalar_json(tag, text, what_));
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, anchor, nlohmann::json::array());
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, anchor, nlohmann::json::object());
  }
  void OnMapEnd() override { close(); }
  void OnAnchor(const YAML::Mark& mark, const std::string& name) override {
    throw Error(fmt::format("{}: YAML anchors (&{}) are not allowed in metadata (line {})", what_,
                            name, mark.line + 1));
  }

 private:
  struct Frame {
    nlohmann::json value;
    std::optional<std::string> key;  // a map's key waiting for its value
  };

  bool awaiting_key() const {
    return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().key;
  }
  void no_anchor(const YAML::Mark& mark, YAML::anchor_t anchor) const {
    if (anchor != YAML::NullAnchor)
      throw Error(fmt::format("{}: YAML anchors (&name) are not allowed in metadata (line {})",
                              what_, mark.line + 1));
  }
  void count(const YAML::Mark& mark) {
    if (++values_ > kMaxMetadataValues)
      throw Error(fmt::format("{}: more than {} values (line {})", what_, kMaxMetadataValues,
                              mark.line + 1));
  }
  void open(const YAML::Mark& mark, YAML::anchor_t anchor, nlohmann::json empty) {
    no_anchor(mark, anchor);
    count(mark);
    if (awaiting_key())
      throw Error(fmt::format("{}: a mapping key is not a scalar (line {})", what_, mark.line + 1));
    if (stack_.size() >= kMaxMetadataDepth)
      throw Error(fmt::format("{}: nested deeper than {} levels (line {})", what_,
                              kMaxMetadataDepth, mark.line + 1));
    stack_.push_back({std::move(empty), std::nullopt});
  }
  void close() {
    nlohmann::json done = std::move(stack_.back().value);
    stack_.pop_back();
    attach(std::move(done));
  }
  void value(const YAML::Mark& mark, nlohmann::json v) {
    count(mark);
    if (awaiting_key()) {
      stack_.back().key = v.get<std::string>();
      return;
    }
    attach(std::move(v));
  }
  void attach(nlohmann::json v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return;
    }
    Frame& f = stack_.back();
    if (f.value.is_array()) {
      f.value.push_back(std::move(v));
    } else {
      f.value[*f.key] = std::move(v);  // a repeated key: the last value wins
      f.key.reset();
    }
  }

  std::string what_;
  std::vector<Frame> stack_;
  nlohmann::json root_;
  int documents_ = 0;
  size_t values_ = 0;
};

}  // namespace

std::string metadata_to_yaml(const nlohmann::json& metadata) {
  YAML::Emitter y;
  y.SetDoublePrecision(17);
  emit(y, metadata, "");
  return std::string(
             "# kiln artifact metadata (schema 1). Checked by kiln validate and validate.py.\n") +
         y.c_str() + "\n";
}

nlohmann::json parse_metadata_yaml(const std::string& text, const std::string& what) {
  if (text.size() > kMaxMetadataBytes)
    throw Error(fmt::format("{}: larger than {} bytes", what, kMaxMetadataBytes));
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    JsonBuilder builder(what);
    while (parser.HandleNextDocument(builder)) {
    }
    nlohmann::json root = builder.take();
    if (!root.is_object()) throw Error(fmt::format("{}: not a YAML mapping", what));
    return root;
  } catch (const YAML::Exception& e) {
    throw Error(fmt::format("{}: malformed YAML: {}", what, first_line(e.what())));
  }
}

std::vector<std::string> metadata_schema_problems(const nlohmann::json& m) {
  std::vector<std::string> p;
  auto need = [&](const char* key, auto pred, const char* type) {
    if (!m.contains(key))
      p.push_back(fmt::format("missing key '{}'", key));
    else if (!pred(m[key]))
      p.push_back(fmt::format("key '{}' must be {}", key, type));
  };
  auto is_str = [](const nlohmann::json& v) {
    return v.is_string() && !v.get<std::string>().empty();
  };
  auto is_int = [](const nlohmann::json& v) { return v.is_number_integer(); };
  auto is_num = [](const nlohmann::json& v) { return v.is_number(); };
  auto is_map = [](const nlohmann::json& v) { return v.is_object() && !v.empty(); };
  need("schema_version", is_int, "an integer");
  need("model_name", is_str, "a non-empty string");
  need("version", is_str, "a string");
  need("opset", is_int, "an integer");
  need(
      "precision",
      [](const nlohmann::json& v) {
        return v == "fp32" || v == "int8" || v == "fp16" || v == "bf16";
      },
      "one of fp32, int8, fp16, bf16");
  need(
      "optimization",
      [](const nlohmann::json& v) {
        if (!v.is_array()) return false;
        for (const auto& e : v)
          if (!e.is_string()) return false;
        return true;
      },
      "a list of pass names");
  need(
      "runtime",
      [](const nlohmann::json& v) {
        return v.is_string() && v.get<std::string>().rfind("onnxruntime ", 0) == 0;
      },
      "'onnxruntime VERSION'");
  need(
      "latency_ms", [](const nlohmann::json& v) { return v.is_number() && v.get<double>() > 0; },
      "a positive number");
  need(
      "accuracy_drop", [](const nlohmann::json& v) { return v.is_number() || v.is_null(); },
      "a number or null");
  need(
      "equivalence",
      [&](const nlohmann::json& v) {
        return v.is_object() && v.contains("bound") && is_num(v["bound"]) &&
               v.contains("measured") && is_num(v["measured"]);
      },
      "a map with numeric 'bound' and 'measured'");
  need("inputs", is_map, "a map of input signatures");
  need("outputs", is_map, "a map of output signatures");
  static const std::regex hex64("^[0-9a-f]{64}$");
  need(
      "files",
      [&](const nlohmann::json& v) {
        if (!is_map(v)) return false;
        for (const auto& [k, h] : v.items())
          if (!h.is_string() || !std::regex_match(h.get<std::string>(), hex64)) return false;
        return true;
      },
      "a map of file → SHA-256 (64 hex digits)");
  need("kiln_version", is_str, "a string");
  need("created", is_str, "a string");
  return p;
}

}  // namespace kiln
