#pragma once
// Reading and writing ONNX models (ModelProto) with one-line errors that name the file.
#include <filesystem>
#include <string>
#include <string_view>

#include <onnx/onnx_pb.h>

namespace kiln {

// Parses a serialized ModelProto; `what` names it in errors. Refuses empty input, bytes that are
// not a model (no graph, no IR version) and sizes beyond protobuf's 2 GiB limit.
onnx::ModelProto parse_model(std::string_view bytes, const std::string& what);
// Reads, parses and checks (untrusted_model.h) a model file. External data is read in, relative to
// the model's own folder whatever the working directory (after the checks confined it there), so
// the model in memory holds every value: the checker, the optimizer and verification in ONNX
// Runtime work on it like on any other model.
onnx::ModelProto load_model(const std::filesystem::path& path);

// Reads every tensor's external data (location, offset, length) from `folder` into raw_data.
// Call only on a model check_untrusted_model has passed with that folder.
void internalize_external_data(onnx::ModelProto& model, const std::filesystem::path& folder,
                               const std::string& what);

// Throws kiln::Error when the model is beyond protobuf's 2 GiB limit (save_model writes such a
// model with external data).
std::string serialize_model(const onnx::ModelProto& model);
// Atomic: a reader sees the old file or the complete new one. A model beyond protobuf's 2 GiB limit
// is written with its large initializers in `NAME.data` beside it (ONNX's external data; both files
// land together).
void save_model(const onnx::ModelProto& model, const std::filesystem::path& path);
// The same into a FileSet, to land with other files (a report).
class FileSet;
void save_model(const onnx::ModelProto& model, const std::filesystem::path& path, FileSet& files);
// Into `target`'s temporary in `files`, serialized straight to the file and fsynced (no copy of
// the serialized model in memory: for a large model that copy was a peak of its own); returns the
// temporary, the file as it will land. Throws kiln::Error beyond protobuf's 2 GiB limit.
std::filesystem::path write_model_into(FileSet& files, const onnx::ModelProto& model, const std::filesystem::path& target);
// True when the model is too large for one protobuf (save_model then writes external data).
bool needs_external_data(const onnx::ModelProto& model);
// Marks `t` as stored externally: its data are `length` bytes at `offset` of the file `location`
// (relative to the model's folder). The caller clears the tensor's own data.
void set_external_data(onnx::TensorProto& t, const std::string& location, uint64_t offset,
                       uint64_t length);

// The ONNX checker: full_check adds strict shape and type inference. Throws kiln::Error naming
// `what` with the checker's first line.
void check_model(const onnx::ModelProto& model, bool full_check, const std::string& what);

}  // namespace kiln
