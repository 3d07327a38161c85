#include "progress_bar.h"

#include <algorithm>
#include <cstdio>

#include <unistd.h>

namespace int8rt::cli {

namespace {
constexpr int kWidth = 30;
}

ProgressBar::ProgressBar(std::string label, int total, std::string unit)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(std::max(total, 1)),
      tty_(::isatty(::fileno(stderr)) == 1) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(int done) {
  done = std::clamp(done, 0, total_);
  if (finished_ || done == shownDone_) return;
  const int filled = static_cast<int>(static_cast<long long>(done) * kWidth / total_);
  // Into a log file, redrawing every batch of a long run would only pile up text: there the
  // bar is drawn when it grows and at the end.
  if (!tty_ && drawn_ && filled == shownFilled_ && done != total_) return;
  shownDone_ = done;
  shownFilled_ = filled;
  drawn_ = true;
  std::fprintf(stderr, "\r%s [%s%s] %d/%d %s", label_.c_str(), std::string(filled, '#').c_str(),
               std::string(kWidth - filled, '.').c_str(), done, total_, unit_.c_str());
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  if (drawn_) std::fputc('\n', stderr);
}

}  // namespace int8rt::cli
