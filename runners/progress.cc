#include "runners/progress.h"

#include <unistd.h>

#include <chrono>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace doomscope {
namespace {

double SteadySeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string FormatDuration(double seconds) {
  int64_t s = static_cast<int64_t>(std::llround(seconds));
  if (s >= 3600) return absl::StrFormat("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  return absl::StrFormat("%d:%02d", s / 60, s % 60);
}

}  // namespace

std::string FormatProgress(const ProgressSnapshot& s, int bar_width) {
  std::string line;
  if (bar_width > 0) {
    int filled = s.total > 0 ? static_cast<int>(bar_width * s.done / s.total) : bar_width;
    line = absl::StrCat("[", std::string(filled, '#'), std::string(bar_width - filled, '-'), "] ");
  }
  int percent = s.total > 0 ? static_cast<int>(100 * s.done / s.total) : 100;
  absl::StrAppend(&line, s.done, "/", s.total, " ", percent, "%");
  if (s.done > 0 && s.elapsed_s > 0) {
    double rate = s.done / s.elapsed_s;
    absl::StrAppend(&line, absl::StrFormat(" %.1f samples/s ETA %s", rate,
                                           FormatDuration((s.total - s.done) / rate)));
  } else {
    absl::StrAppend(&line, " - samples/s ETA -");
  }
  if (!s.checkpoints.empty()) {
    absl::StrAppend(&line, " | doom");
    for (const CheckpointTally& c : s.checkpoints) {
      if (c.done == 0) {
        absl::StrAppend(&line, " ", c.name, " -");
      } else {
        absl::StrAppend(&line, absl::StrFormat(" %s %.3f (%d/%d)", c.name,
                                               static_cast<double>(c.doom_loops) / c.done, c.doom_loops, c.done));
      }
    }
  }
  return line;
}

Progress::Progress(std::FILE* out, bool interactive, int64_t total, std::vector<CheckpointTally> checkpoints,
                   Clock clock, double plain_interval_s, double tty_interval_s)
    : out_(out),
      interactive_(interactive),
      clock_(clock ? std::move(clock) : Clock(&SteadySeconds)),
      plain_interval_s_(plain_interval_s),
      tty_interval_s_(tty_interval_s) {
  start_s_ = clock_();
  state_.total = total;
  state_.checkpoints = std::move(checkpoints);
}

bool Progress::IsTerminal(std::FILE* out) { return out != nullptr && isatty(fileno(out)) == 1; }

void Progress::Add(int checkpoint, bool doom_loop) {
  std::lock_guard<std::mutex> lock(mu_);
  ++state_.done;
  if (checkpoint >= 0 && checkpoint < static_cast<int>(state_.checkpoints.size())) {
    ++state_.checkpoints[checkpoint].done;
    if (doom_loop) ++state_.checkpoints[checkpoint].doom_loops;
  }
  double now = clock_();
  if (now - last_print_s_ >= (interactive_ ? tty_interval_s_ : plain_interval_s_)) {
    last_print_s_ = now;
    PrintLocked(false);
  }
}

void Progress::Finish() {
  std::lock_guard<std::mutex> lock(mu_);
  PrintLocked(true);
}

ProgressSnapshot Progress::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  ProgressSnapshot s = state_;
  s.elapsed_s = clock_() - start_s_;
  return s;
}

void Progress::PrintLocked(bool final_line) {
  if (out_ == nullptr) return;
  state_.elapsed_s = clock_() - start_s_;
  if (interactive_) {
    // \r and erase-to-end-of-line: the line shrinks cleanly when names shorten.
    std::fprintf(out_, "\r%s\x1b[K%s", FormatProgress(state_, 24).c_str(), final_line ? "\n" : "");
  } else {
    std::fprintf(out_, "progress: %s\n", FormatProgress(state_, 0).c_str());
  }
  std::fflush(out_);
}

}  // namespace doomscope
