// A one-line progress bar on stderr, "calibrating [##########..........] 5/10 batches",
// redrawn in place. Drawn only from the first update on, so that a command failing before any
// work leaves just its one-line error; the destructor ends the line, also when an exception
// unwinds past it, so the error starts on a line of its own.
#pragma once
#include <string>

namespace int8rt::cli {

class ProgressBar {
 public:
  ProgressBar(std::string label, int total, std::string unit);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void update(int done);  // redraws only when what it shows changes
  void finish();          // ends the line (idempotent)

 private:
  std::string label_, unit_;
  int total_;
  bool tty_;
  int shownDone_ = -1, shownFilled_ = -1;
  bool drawn_ = false, finished_ = false;
};

}  // namespace int8rt::cli
