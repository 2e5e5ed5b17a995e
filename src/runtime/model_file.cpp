#include "runtime/model_file.h"

#include <fstream>

namespace kiln {

bool is_torchscript_file(const std::filesystem::path& path) {
  char head[2] = {0, 0};
  std::ifstream(path, std::ios::binary).read(head, 2);
  return head[0] == 'P' && head[1] == 'K';
}

}  // namespace kiln
