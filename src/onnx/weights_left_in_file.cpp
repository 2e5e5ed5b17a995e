#include "onnx/weights_left_in_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string>

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>

#include "common/error.h"
#include "onnx/model_io.h"

namespace kiln {

namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;
using google::protobuf::io::CodedOutputStream;
using google::protobuf::io::StringOutputStream;

// Field numbers from onnx.proto, the only ones this reader looks into.
constexpr int kModelGraph = 7;        // ModelProto.graph
constexpr int kGraphInitializer = 5;  // GraphProto.initializer
constexpr int kTensorRawData = 9;     // TensorProto.raw_data

struct NotAModel {};

bool is_length_delimited(uint32_t tag, int field) {
  return WireFormatLite::GetTagFieldNumber(tag) == field &&
         WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
}

// Reads the fields of the message `in` is inside (up to its limit or the end): `inner(tag)`
// handles a field it wants (true: consumed), every other field is copied to `kept` as it was.
template <class Inner>
void read_fields(CodedInputStream& in, std::string& kept, Inner inner) {
  StringOutputStream sink(&kept);
  CodedOutputStream out(&sink);
  for (uint32_t tag = in.ReadTag(); tag != 0; tag = in.ReadTag()) {
    if (inner(tag)) continue;
    if (!WireFormatLite::SkipField(&in, tag, &out)) throw NotAModel{};
  }
  if (!in.ConsumedEntireMessage()) throw NotAModel{};
}

// Runs `body` inside the length-delimited field whose tag was just read.
template <class Body>
void inside(CodedInputStream& in, Body body) {
  uint32_t length = 0;
  if (!in.ReadVarint32(&length) || length > static_cast<uint32_t>(INT_MAX)) throw NotAModel{};
  auto limit = in.PushLimit(static_cast<int>(length));
  body();
  in.PopLimit(limit);
}

// `file_size`: a skip past the end of the file is no error to the stream (it seeks), so each
// weight left in the file is checked to lie inside it.
onnx::TensorProto read_initializer(CodedInputStream& in, const std::string& location,
                                   int64_t min_bytes, int64_t file_size) {
  std::string kept, small;
  int64_t offset = -1, length = 0;
  read_fields(in, kept, [&](uint32_t tag) {
    if (!is_length_delimited(tag, kTensorRawData)) return false;
    uint32_t n = 0;
    if (!in.ReadVarint32(&n) || n > static_cast<uint32_t>(INT_MAX)) throw NotAModel{};
    if (n < min_bytes) {
      if (!in.ReadString(&small, static_cast<int>(n))) throw NotAModel{};
      offset = -1;
      return true;
    }
    offset = in.CurrentPosition();
    length = n;
    if (offset + length > file_size || !in.Skip(static_cast<int>(n))) throw NotAModel{};
    return true;
  });
  onnx::TensorProto t;
  if (!t.ParseFromString(kept)) throw NotAModel{};
  if (offset >= 0)
    set_external_data(t, location, static_cast<uint64_t>(offset), static_cast<uint64_t>(length));
  else if (!small.empty())
    t.set_raw_data(std::move(small));
  return t;
}

}  // namespace

onnx::ModelProto load_model_weights_left_in_file(const std::filesystem::path& path,
                                                 int64_t min_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  struct Close {
    int fd;
    ~Close() { ::close(fd); }
  } close{fd};
  struct stat st{};
  if (::fstat(fd, &st) != 0 || st.st_size > INT_MAX)
    throw Error(fmt::format("{}: not a serialized ONNX model (or over 2 GiB)", path.string()));
  const int64_t file_size = st.st_size;
  google::protobuf::io::FileInputStream file(fd);
  CodedInputStream in(&file);
  in.SetTotalBytesLimit(INT_MAX);
  const std::string location = path.filename().string();
  onnx::ModelProto model;
  try {
    std::string kept;
    onnx::GraphProto graph;
    bool has_graph = false;
    read_fields(in, kept, [&](uint32_t tag) {
      if (!is_length_delimited(tag, kModelGraph)) return false;
      has_graph = true;
      inside(in, [&] {
        std::string graph_kept;
        std::vector<onnx::TensorProto> initializers;
        read_fields(in, graph_kept, [&](uint32_t graph_tag) {
          if (!is_length_delimited(graph_tag, kGraphInitializer)) return false;
          inside(in, [&] {
            initializers.push_back(read_initializer(in, location, min_bytes, file_size));
          });
          return true;
        });
        onnx::GraphProto part;
        if (!part.ParseFromString(graph_kept)) throw NotAModel{};
        for (auto& t : initializers) *part.add_initializer() = std::move(t);
        graph.MergeFrom(part);  // (a field given twice merges, as protobuf's own parser does)
      });
      return true;
    });
    if (in.CurrentPosition() != file_size || !model.ParseFromString(kept) || !has_graph)
      throw NotAModel{};
    *model.mutable_graph() = std::move(graph);
  } catch (const NotAModel&) {
    throw Error(fmt::format("{}: not a serialized ONNX model", path.string()));
  }
  return model;
}

}  // namespace kiln
