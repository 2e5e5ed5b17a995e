#include "runtime/input_spec.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <random>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace kiln {

namespace {

bool valid_identifier(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '-' || c == '/';
    if (!ok) return false;
  }
  return true;
}

DType parse_dtype(const std::string& text, const std::string& spec) {
  static const std::map<std::string, DType> names{
      {"float32", DType::Float32}, {"float16", DType::Float16}, {"float64", DType::Float64}, {"int64", DType::Int64},
      {"int32", DType::Int32},     {"int16", DType::Int16},     {"int8", DType::Int8},       {"uint8", DType::UInt8},
      {"bool", DType::Bool}};
  auto it = names.find(text);
  if (it == names.end()) {
    throw Error(fmt::format("input spec '{}': dtype '{}' is not one of float32, float16, float64, int64, int32, int16, int8, "
                            "uint8, bool",
                            spec, text));
  }
  return it->second;
}

int64_t parse_size(const std::string& text, const std::string& spec) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || v <= 0) {
    throw Error(fmt::format("input spec '{}': size '{}' is not a positive integer", spec, text));
  }
  return v;
}

// LO..HI: numbers, LO < HI; ints draw from [LO, HI), so HI must leave at least one int.
ValueRange parse_range(const std::string& text, const std::string& spec, DType dtype) {
  auto dots = text.find("..");
  auto number = [&](const std::string& t) {
    double v = 0;
    auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (t.empty() || ec != std::errc() || ptr != t.data() + t.size() || !std::isfinite(v)) {
      throw Error(fmt::format("input spec '{}': '{}' in the value range is not a number", spec, t));
    }
    return v;
  };
  if (dots == std::string::npos) throw Error(fmt::format("input spec '{}': the value range '{}' is not LO..HI", spec, text));
  ValueRange r{number(text.substr(0, dots)), number(text.substr(dots + 2))};
  if (!(r.low < r.high)) throw Error(fmt::format("input spec '{}': the value range '{}' is empty (LO must be below HI)", spec, text));
  if (dtype == DType::Bool) throw Error(fmt::format("input spec '{}': a bool input takes no value range", spec));
  if ((dtype == DType::Int64 || dtype == DType::Int32) && std::ceil(r.low) >= std::ceil(r.high)) {
    throw Error(fmt::format("input spec '{}': the value range '{}' holds no integer (ints are drawn from [LO, HI))", spec, text));
  }
  return r;
}

}  // namespace

Shape InputSpec::example_shape() const {
  Shape s;
  for (const auto& d : dims) s.push_back(d.size);
  return s;
}

Shape InputSpec::second_shape() const {
  Shape s;
  for (const auto& d : dims) s.push_back(d.second_size());
  return s;
}

InputSpec parse_input_spec(const std::string& text) {
  auto c1 = text.find(':');
  auto c2 = c1 == std::string::npos ? std::string::npos : text.find(':', c1 + 1);
  auto c3 = c2 == std::string::npos ? std::string::npos : text.find(':', c2 + 1);
  if (c2 == std::string::npos || (c3 != std::string::npos && text.find(':', c3 + 1) != std::string::npos)) {
    throw Error(fmt::format("input spec '{}' is not NAME:DTYPE:DIMS[:LO..HI] (e.g. tokens:int64:batch=2xseq=16:0..30000)", text));
  }
  InputSpec spec;
  spec.name = text.substr(0, c1);
  if (!valid_identifier(spec.name)) throw Error(fmt::format("input spec '{}': '{}' is not a valid input name", text, spec.name));
  spec.dtype = parse_dtype(text.substr(c1 + 1, c2 - c1 - 1), text);
  std::string dims = c3 == std::string::npos ? text.substr(c2 + 1) : text.substr(c2 + 1, c3 - c2 - 1);
  if (dims.empty()) throw Error(fmt::format("input spec '{}': no dimensions", text));
  if (c3 != std::string::npos) spec.range = parse_range(text.substr(c3 + 1), text, spec.dtype);
  // Split on 'x', rejoining pieces while a part is neither N nor NAME=N: a dimension name may
  // itself contain an 'x' ("max_len=4").
  std::vector<std::string> parts;
  std::string pending;
  bool joining = false;
  auto complete = [](const std::string& p) {
    auto eq = p.find('=');
    std::string num = eq == std::string::npos ? p : p.substr(eq + 1);
    return !num.empty() && num.find_first_not_of("0123456789/") == std::string::npos && std::isdigit(static_cast<unsigned char>(num[0])) &&
           (eq == std::string::npos || eq > 0);
  };
  size_t pos = 0;
  while (pos <= dims.size()) {
    size_t end = dims.find('x', pos);
    if (end == std::string::npos) end = dims.size();
    if (joining) pending += 'x';
    pending += dims.substr(pos, end - pos);
    joining = true;
    if (complete(pending) || end == dims.size()) {
      parts.push_back(pending);
      pending.clear();
      joining = false;
    }
    pos = end + 1;
  }
  for (const auto& part : parts) {
    DimSpec d;
    auto eq = part.find('=');
    if (eq == std::string::npos) {
      if (part.find('/') != std::string::npos) {
        throw Error(fmt::format("input spec '{}': '{}' is static; a second size needs a named dim (SYMBOL=N/M)", text, part));
      }
      d.size = parse_size(part, text);
    } else {
      d.symbol = part.substr(0, eq);
      if (!valid_identifier(d.symbol) || d.symbol.find_first_not_of("0123456789") == std::string::npos) {
        throw Error(fmt::format("input spec '{}': '{}' is not a valid dimension name", text, d.symbol));
      }
      std::string sizes = part.substr(eq + 1);
      auto slash = sizes.find('/');
      d.size = parse_size(sizes.substr(0, slash), text);
      if (slash != std::string::npos) {
        d.second = parse_size(sizes.substr(slash + 1), text);
        if (d.second == d.size) {
          throw Error(fmt::format("input spec '{}': the second size of '{}' must differ from its example size", text, d.symbol));
        }
      }
    }
    spec.dims.push_back(d);
  }
  if (spec.dims.size() > 8) throw Error(fmt::format("input spec '{}': more than 8 dimensions", text));
  shape_numel(spec.example_shape());
  return spec;
}

std::string format_input_spec(const InputSpec& spec) {
  std::string dims;
  for (const auto& d : spec.dims) {
    if (!dims.empty()) dims += "x";
    dims += d.dynamic() ? fmt::format("{}={}", d.symbol, d.size) : std::to_string(d.size);
    if (d.dynamic() && d.second > 0) dims += fmt::format("/{}", d.second);
  }
  std::string range = spec.range ? fmt::format(":{}..{}", spec.range->low, spec.range->high) : "";
  return fmt::format("{}:{}:{}{}", spec.name, dtype_name(spec.dtype), dims, range);
}

InputSpec input_spec_from_shape(const Shape& shape, const std::string& name, bool static_batch) {
  InputSpec spec;
  spec.name = name;
  for (size_t i = 0; i < shape.size(); ++i) spec.dims.push_back({shape[i], i == 0 && !static_batch ? "batch" : ""});
  return spec;
}

void validate_input_specs(const std::vector<InputSpec>& specs) {
  if (specs.empty()) throw Error("no inputs declared");
  std::set<std::string> names;
  std::map<std::string, std::pair<int64_t, int64_t>> symbols;
  for (const auto& s : specs) {
    if (s.name.empty()) throw Error("an input has an empty name");
    if (!names.insert(s.name).second) throw Error(fmt::format("input '{}' is declared twice", s.name));
    for (const auto& d : s.dims) {
      if (d.size <= 0) throw Error(fmt::format("input '{}' has a non-positive size", s.name));
      if (!d.dynamic()) continue;
      auto [it, fresh] = symbols.emplace(d.symbol, std::make_pair(d.size, d.second_size()));
      if (!fresh && it->second.first != d.size) {
        throw Error(fmt::format("dimension '{}' has example size {} in one input and {} in another", d.symbol,
                                it->second.first, d.size));
      }
      if (!fresh && it->second.second != d.second_size()) {
        throw Error(fmt::format("dimension '{}' has second size {} in one input and {} in another", d.symbol,
                                it->second.second, d.second_size()));
      }
    }
  }
}

std::vector<HostTensor> random_inputs_for(const std::vector<InputSpec>& specs, bool second, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<HostTensor> out;
  for (const auto& s : specs) {
    HostTensor t(s.name, s.dtype, second ? s.second_shape() : s.example_shape());
    int64_t lo = s.range ? static_cast<int64_t>(std::ceil(s.range->low)) : 0;
    int64_t hi = s.range ? static_cast<int64_t>(std::ceil(s.range->high)) - 1 : 9;
    std::uniform_int_distribution<int64_t> ids(lo, std::max(lo, hi));
    std::uniform_real_distribution<float> uniform(s.range ? static_cast<float>(s.range->low) : 0.0f,
                                                  s.range ? static_cast<float>(s.range->high) : 1.0f);
    auto number = [&] { return s.range ? uniform(rng) : normal(rng); };
    for (int64_t i = 0; i < t.numel(); ++i) {
      switch (s.dtype) {
        case DType::Float32: t.ptr<float>()[i] = number(); break;
        case DType::Float16: {  // IEEE half from a float: exact for the normal range used here
          float f = number();
          uint32_t bits;
          std::memcpy(&bits, &f, 4);
          uint32_t sign = (bits >> 16) & 0x8000u, mant = (bits >> 13) & 0x3ffu;
          int32_t exp = static_cast<int32_t>((bits >> 23) & 0xff) - 127 + 15;
          uint16_t h = exp <= 0 ? static_cast<uint16_t>(sign) : static_cast<uint16_t>(sign | (static_cast<uint32_t>(exp) << 10) | mant);
          std::memcpy(t.data.data() + 2 * i, &h, 2);
          break;
        }
        case DType::Float64: t.ptr<double>()[i] = static_cast<double>(number()); break;
        case DType::Int64: t.ptr<int64_t>()[i] = ids(rng); break;
        case DType::Int32: t.ptr<int32_t>()[i] = static_cast<int32_t>(ids(rng)); break;
        case DType::Int16: t.ptr<int16_t>()[i] = static_cast<int16_t>(ids(rng)); break;
        case DType::Int8: t.ptr<int8_t>()[i] = static_cast<int8_t>(ids(rng)); break;
        case DType::UInt8: t.ptr<uint8_t>()[i] = static_cast<uint8_t>(ids(rng)); break;
        case DType::Bool: t.data[static_cast<size_t>(i)] = static_cast<char>(ids(rng) % 2); break;
        default: throw Error(fmt::format("inputs of type {} are not supported", dtype_name(s.dtype)));
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::string batch_symbol(const std::vector<InputSpec>& specs) {
  for (const auto& s : specs)
    for (const auto& d : s.dims)
      if (d.symbol == "batch") return "batch";
  if (!specs.empty() && !specs[0].dims.empty()) return specs[0].dims[0].symbol;
  return "";
}

std::vector<InputSpec> with_dim_size(std::vector<InputSpec> specs, const std::string& symbol, int64_t size) {
  for (auto& s : specs)
    for (auto& d : s.dims)
      if (!symbol.empty() && d.symbol == symbol) d.size = d.second = size;
  return specs;
}

void to_json(nlohmann::json& j, const InputSpec& spec) {
  nlohmann::json dims = nlohmann::json::array();
  for (const auto& d : spec.dims) {
    if (d.dynamic()) dims.push_back({{"symbol", d.symbol}, {"size", d.size}});
    else dims.push_back(d.size);
  }
  j = {{"name", spec.name}, {"dtype", dtype_name(spec.dtype)}, {"dims", dims}, {"spec", format_input_spec(spec)}};
}

void from_json(const nlohmann::json& j, InputSpec& spec) { spec = parse_input_spec(j.at("spec").get<std::string>()); }

}  // namespace kiln
