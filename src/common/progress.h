#pragma once
// A one-line progress bar on stderr (only when stderr is a terminal, so logs stay clean):
// "train  [#####.....]  52%  loss 0.112  acc 96.8%  ETA 0:41".
#include <chrono>
#include <cstdint>
#include <string>

namespace kiln {

class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total);
  // Advances to `done` of `total`; `extra` is shown after the percentage.
  void update(int64_t done, const std::string& extra = "");
  // Ends the line (prints the final state even when stderr is not a terminal).
  void finish(const std::string& extra = "");

 private:
  std::string render(int64_t done, const std::string& extra) const;
  std::string label_;
  int64_t total_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_{};
};

std::string format_duration(double seconds);  // "1:05", "0:03"

}  // namespace kiln
