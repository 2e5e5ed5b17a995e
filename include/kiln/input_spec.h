#pragma once
// kiln's public API (docs/library.md): what a model takes, as a user declares it —
// `--input NAME:DTYPE:DIMS[:LO..HI]`, e.g. `tokens:int64:batch=2xseq=16:0..30000`. Each dim is
// static (`16`) or dynamic with an example size (`seq=16`) and optionally the second size the
// export is verified at (`seq=16/24`; twice the example by default, which keeps any divisibility
// the example has). LO..HI is the range random example values are drawn from ([LO, HI) for ints;
// [LO, HI) uniform for floats). The exporter names graph inputs and symbolic axes from it; the
// runners make example tensors from it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <kiln/types.h>

namespace kiln {

struct DimSpec {
  int64_t size = 1;    // the example size
  std::string symbol;  // empty: static
  int64_t second = 0;  // the second verification size; 0: twice the example
  bool dynamic() const { return !symbol.empty(); }
  int64_t second_size() const { return !dynamic() ? size : second > 0 ? second : 2 * size; }
  bool operator==(const DimSpec&) const = default;
};

// The values random example inputs are drawn from.
struct ValueRange {
  double low = 0, high = 0;
  bool operator==(const ValueRange&) const = default;
};

struct InputSpec {
  std::string name;
  DType dtype = DType::Float32;
  std::vector<DimSpec> dims;
  std::optional<ValueRange> range;  // default: ints in [0, 10), floats standard normal

  Shape example_shape() const;
  // The shape with every dynamic dim at its second size, to prove no size was baked in.
  Shape second_shape() const;
  bool operator==(const InputSpec&) const = default;
};

// Parses NAME:DTYPE:DIMS[:LO..HI] (DTYPE: float32, float16, float64, int64, int32, int16, int8,
// uint8, bool; DIMS `x`-separated, each N, SYMBOL=N or SYMBOL=N/M). Throws kiln::Error about the
// value (callers word it in terms of their flags).
InputSpec parse_input_spec(const std::string& text);
std::string format_input_spec(const InputSpec& spec);

}  // namespace kiln
