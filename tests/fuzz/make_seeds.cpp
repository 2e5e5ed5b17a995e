// Writes the fuzzers' seed corpora from real data, at test time:
//   SEEDS/idx       the first images and labels of the bundled MNIST (plain and gzip), re-headed
//   SEEDS/artifact  the miniature artifact of tests/unit/tiny_artifact.h (kiln's layout, metadata
//                   writer, hashes, signature, golden .pb) as one folder_archive.h record file
//   SEEDS/metadata  that metadata.yaml
//   SEEDS/tensor    its golden tensors, plus ONNX backend test tensors (copied by run_fuzz.sh)
//   SEEDS/onnx      the miniature model, plus ONNX backend test models (copied by run_fuzz.sh)
// Usage: kiln_fuzz_seeds SEEDS_DIR
#include <zlib.h>

#include <filesystem>
#include <iostream>

#include "artifact/artifact_layout.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "data/dataset.h"
#include "data/idx_reader.h"
#include "folder_archive.h"
#include "unit/tiny_artifact.h"

namespace fs = std::filesystem;
using namespace kiln;

namespace {

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string gzip(const std::string& data) {
  uLongf n = compressBound(data.size()) + 64;
  std::string out(n, '\0');
  z_stream zs{};
  deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// The first `count` items of an IDX file, with the header's count rewritten.
std::string idx_head(const IdxArray& a, uint32_t count, uint8_t rank) {
  std::string out{'\0', '\0', '\x08', static_cast<char>(rank)};
  out += be32(count);
  size_t item = 1;
  for (size_t i = 1; i < a.dims.size(); ++i) {
    out += be32(a.dims[i]);
    item *= a.dims[i];
  }
  out.append(reinterpret_cast<const char*>(a.values.data()), item * count);
  return out;
}

void write_idx_seeds(const fs::path& dir) {
  fs::create_directories(dir);
  auto loc = locate_dataset("mnist");
  if (!loc.dir) throw Error("MNIST not found (scripts/toolchain.sh provision installs it)");
  IdxArray images = read_idx(*loc.dir / "t10k-images-idx3-ubyte", 3);
  IdxArray labels = read_idx(*loc.dir / "t10k-labels-idx1-ubyte", 1);
  std::string img = idx_head(images, 2, 3), lab = idx_head(labels, 2, 1);
  write_file_atomic(dir / "images2", img);
  write_file_atomic(dir / "labels2", lab);
  write_file_atomic(dir / "images2.gz", gzip(img));
  write_file_atomic(dir / "labels2.gz", gzip(lab));
}

void write_artifact_seed(const fs::path& seeds) {
  fs::path art = seeds / "artifact_folder";
  fs::remove_all(art);
  test::write_tiny_artifact(art);
  fs::create_directories(seeds / "artifact");
  fs::create_directories(seeds / "metadata");
  fs::create_directories(seeds / "tensor");
  fs::create_directories(seeds / "onnx");
  write_file_atomic(seeds / "artifact/tiny", fuzz::pack_folder(art));
  fs::copy_file(art / artifact::kMetadataFile, seeds / "metadata/tiny.yaml",
                fs::copy_options::overwrite_existing);
  fs::copy_file(art / "test_data_set_0/input_0.pb", seeds / "tensor/tiny_input.pb",
                fs::copy_options::overwrite_existing);
  fs::copy_file(art / "test_data_set_0/output_0.pb", seeds / "tensor/tiny_output.pb",
                fs::copy_options::overwrite_existing);
  fs::copy_file(art / artifact::kModelFile, seeds / "onnx/tiny.onnx",
                fs::copy_options::overwrite_existing);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: kiln_fuzz_seeds SEEDS_DIR\n";
    return 2;
  }
  try {
    fs::path seeds = argv[1];
    write_idx_seeds(seeds / "idx");
    write_artifact_seed(seeds);
  } catch (const std::exception& e) {
    std::cerr << "kiln_fuzz_seeds: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
