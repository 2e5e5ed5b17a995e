#include "common/process_memory.h"

#include <fstream>
#include <string>

namespace kiln {

namespace {

int64_t status_kib(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    try {
      return std::stoll(line.substr(key.size() + 1)) * 1024;
    } catch (const std::exception&) {
      return 0;
    }
  }
  return 0;
}

}  // namespace

int64_t resident_bytes() { return status_kib("VmRSS"); }
int64_t peak_resident_bytes() { return status_kib("VmHWM"); }

}  // namespace kiln
