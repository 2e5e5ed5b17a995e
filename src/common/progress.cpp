#include "common/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace kiln {

std::string format_duration(double seconds) {
  if (seconds < 0) seconds = 0;
  auto s = static_cast<int64_t>(std::llround(seconds));
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

ProgressBar::ProgressBar(std::string label, int64_t total)
    : label_(std::move(label)),
      total_(total > 0 ? total : 1),
      tty_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()) {}

std::string ProgressBar::render(int64_t done, const std::string& extra) const {
  constexpr int kWidth = 24;
  double frac = static_cast<double>(done) / static_cast<double>(total_);
  if (frac > 1) frac = 1;
  int filled = static_cast<int>(frac * kWidth);
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double eta = frac > 0 ? elapsed * (1 - frac) / frac : 0;
  return fmt::format("{} [{}{}] {:3.0f}%  {}  {} {}", label_, std::string(filled, '#'),
                     std::string(kWidth - filled, '.'), frac * 100, extra,
                     done >= total_ ? "took" : "ETA", format_duration(done >= total_ ? elapsed : eta));
}

void ProgressBar::update(int64_t done, const std::string& extra) {
  if (!tty_) return;
  auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  std::fprintf(stderr, "\r\033[K%s", render(done, extra).c_str());
  std::fflush(stderr);
}

void ProgressBar::finish(const std::string& extra) {
  std::fprintf(stderr, "%s%s\n", tty_ ? "\r\033[K" : "", render(total_, extra).c_str());
  std::fflush(stderr);
}

}  // namespace kiln
