#pragma once
// Runs one ONNX model chunk by chunk so every node runs once per sample however many chunks there
// are: a chunk's session holds only the nodes no earlier chunk ran (and their weights), fed with
// the values earlier chunks kept for later ones (the frontier, per sample). The chunk plan is
// known up front, so a value a later chunk asks for is kept when it is computed.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <onnx/onnx_pb.h>

#include "diff/value_source.h"
#include "runtime/ort_session.h"

namespace kiln {

class SegmentRunner : public ValueSource {
 public:
  // `chunks[k]`: the values chunk k returns (node outputs of the main graph). The runner lets go
  // of `model` once the last chunk's session is made, so the weights are not held twice while
  // the last (often the only) chunk runs.
  SegmentRunner(std::shared_ptr<const onnx::ModelProto> model,
                std::vector<std::vector<std::string>> chunks, size_t samples, SessionOptions options,
                std::string what);

  // Prepares chunk k (chunks run in order, each once): builds its session when it has nodes to run.
  void begin_chunk(size_t k) override;
  // Chunk k's values for sample `sample`, computed or taken from the frontier.
  ChunkValues run(size_t sample, const std::vector<HostTensor>& inputs) override;
  // Drops the session and the frontier values no later chunk reads.
  void end_chunk() override;

  int64_t frontier_bytes() const override;  // held now, all samples
  int64_t nodes_run() const { return nodes_run_; }

 private:
  std::shared_ptr<const onnx::ModelProto> model_;
  std::vector<std::vector<std::string>> chunks_;
  SessionOptions options_;
  std::string what_;
  size_t chunk_ = 0;
  int64_t nodes_run_ = 0;
  std::vector<bool> computed_;                            // nodes run by earlier chunks
  std::unordered_map<std::string, int> producer_;         // main-graph node outputs
  std::unordered_map<std::string, std::vector<int>> readers_;  // nodes reading a value (subgraphs too)
  std::vector<std::vector<std::string>> reads_;  // per node: the values it reads (subgraphs too)
  std::unordered_map<std::string, size_t> last_request_;  // last chunk asking for a value
  std::vector<std::unordered_map<std::string, HostTensor>> frontier_;  // per sample
  std::optional<OrtSession> session_;
  std::vector<std::string> keep_;  // session outputs that go to the frontier

  bool needed_later(const std::string& value) const;
};

}  // namespace kiln
