// Run progress: a one-line bar redrawn in place on a terminal (done/total,
// samples/s, ETA, live doom-loop ratio per checkpoint), or plain lines every
// few seconds when the output is a file or a pipe (CI logs stay readable).
#ifndef DOOMSCOPE_RUNNERS_PROGRESS_H_
#define DOOMSCOPE_RUNNERS_PROGRESS_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace doomscope {

struct CheckpointTally {
  std::string name;
  int64_t done = 0;        // samples finished (stored before this run included)
  int64_t doom_loops = 0;
};

struct ProgressSnapshot {
  int64_t done = 0;          // samples finished in this run
  int64_t total = 0;         // samples this run has to generate
  double elapsed_s = 0;
  std::vector<CheckpointTally> checkpoints;
};

// "[#####-----] 12/40 30% 3.4 samples/s ETA 0:08 | doom pretrain 0.167 (2/12) sft -"
// The bar appears only when `bar_width` > 0. Rate and ETA are "-" until a
// sample is done; a checkpoint with nothing done shows "-".
std::string FormatProgress(const ProgressSnapshot& s, int bar_width);

class Progress {
 public:
  using Clock = std::function<double()>;  // seconds, monotonic
  // `interactive`: redraw one line with '\r' at most every `tty_interval_s`;
  // else print a full line every `plain_interval_s` seconds.
  Progress(std::FILE* out, bool interactive, int64_t total, std::vector<CheckpointTally> checkpoints,
           Clock clock = nullptr, double plain_interval_s = 10.0, double tty_interval_s = 0.1);

  // One sample of checkpoint index `checkpoint` finished.
  void Add(int checkpoint, bool doom_loop);
  // Prints the final state and ends the line.
  void Finish();
  ProgressSnapshot Snapshot() const;

  // Whether `out` is a terminal.
  static bool IsTerminal(std::FILE* out);

 private:
  void PrintLocked(bool final_line);
  std::FILE* out_;
  bool interactive_;
  Clock clock_;
  double plain_interval_s_, tty_interval_s_;
  double start_s_ = 0, last_print_s_ = -1e300;
  mutable std::mutex mu_;
  ProgressSnapshot state_;
};

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_PROGRESS_H_
