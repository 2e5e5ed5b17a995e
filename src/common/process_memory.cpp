#include "common/process_memory.h"

#include <cstdio>
#include <cstdlib>
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

void trace_memory(const char* phase) {
  static const bool on = [] {
    const char* v = std::getenv("KILN_MEMORY_TRACE");
    return v != nullptr && v[0] == '1';
  }();
  if (!on) return;
  std::fprintf(stderr, "kiln memory: %s: peak %lld MiB, now %lld MiB (anonymous %lld, files %lld)\n", phase,
               static_cast<long long>(peak_resident_bytes() >> 20), static_cast<long long>(resident_bytes() >> 20),
               static_cast<long long>(status_kib("RssAnon") >> 20), static_cast<long long>(status_kib("RssFile") >> 20));
  std::ofstream("/proc/self/clear_refs") << "5";  // the high-water mark starts again from now
}

}  // namespace kiln
