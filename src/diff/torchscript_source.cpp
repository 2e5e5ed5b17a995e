#include "diff/torchscript_source.h"

namespace kiln {

TorchscriptSource::TorchscriptSource(
    std::unique_ptr<ReferenceValues> values,
    std::vector<std::vector<std::pair<std::string, std::string>>> chunks)
    : values_(std::move(values)), chunks_(std::move(chunks)) {}

ChunkValues TorchscriptSource::run(size_t, const std::vector<HostTensor>& inputs) {
  ChunkValues out;
  const auto& chunk = chunks_[chunk_];
  if (chunk.empty()) return out;
  std::vector<std::string> keys;
  for (const auto& [key, name] : chunk) keys.push_back(key);
  out.owned = values_->run(inputs, keys);
  for (size_t i = 0; i < out.owned.size() && i < chunk.size(); ++i) {
    out.owned[i].name = chunk[i].second;
    out.bytes += static_cast<int64_t>(out.owned[i].nbytes());
    out.by_name.emplace(chunk[i].second, view_of(out.owned[i]));
  }
  return out;
}

}  // namespace kiln
