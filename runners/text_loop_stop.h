// The streaming doom-loop rule on text, for backends that only see streamed
// characters (the OpenAI-compatible HTTP client; DETECTORS.md section 8,
// "Option B"): every `http_stride` new characters, once past the warm-up,
// D1 runs on the text so far (the last window of it, tail_period_text.h) with
// the streaming thresholds translated to characters (x l_min_chars /
// l_min_tokens: four characters a token, as the offline levels assume):
//   k_stop copies, a tail of at least L_stop characters (x4 for whitespace or
//   separator units), a period of at most http_window characters, and the
//   loop projected to cover min_coverage of the full-budget output.
// Token-level servers (doomscope serve-model) can run the exact token rule
// themselves (stop_on_loop); this is what works with any server.
#ifndef DOOMSCOPE_RUNNERS_TEXT_LOOP_STOP_H_
#define DOOMSCOPE_RUNNERS_TEXT_LOOP_STOP_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "detectors/config_defaults.h"

namespace doomscope {

class TextLoopStop {
 public:
  // `max_new_tokens` sets L_stop, `effective_max_tokens` the projected budget.
  TextLoopStop(const ResolvedConfig& config, int64_t max_new_tokens, int64_t effective_max_tokens);

  // Adds streamed text; true on the call at which the rule fires (after
  // that, always false).
  bool Push(std::string_view delta);

  bool fired() const { return fired_; }
  // Characters (code points) seen when it fired.
  int64_t fired_at_chars() const { return fired_at_chars_; }
  const std::string& text() const { return text_; }

 private:
  bool Check();

  ResolvedConfig config_;
  int64_t chars_per_token_ = 4;
  int64_t l_stop_chars_ = 0;
  int64_t warmup_chars_ = 0;
  int64_t budget_chars_ = 0;
  std::string text_;
  int64_t chars_ = 0;          // code points in text_
  int64_t next_check_ = 0;     // chars_ at which to look again
  bool fired_ = false;
  int64_t fired_at_chars_ = 0;
};

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_TEXT_LOOP_STOP_H_
