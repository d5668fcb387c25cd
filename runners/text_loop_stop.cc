#include "runners/text_loop_stop.h"

#include <algorithm>

#include "detectors/tail_period_text.h"
#include "detectors/unit_kind.h"

namespace doomscope {

TextLoopStop::TextLoopStop(const ResolvedConfig& config, int64_t max_new_tokens, int64_t effective_max_tokens)
    : config_(config) {
  const ResolvedConfig::Stream& s = config_.stream;
  chars_per_token_ = std::max<int64_t>(1, config_.tail.l_min_chars / std::max(1, config_.tail.l_min_tokens));
  const double by_budget = s.l_stop_budget_frac * static_cast<double>(max_new_tokens);
  const int64_t l_stop_tokens =
      std::max<int64_t>(s.l_stop_min, std::min<int64_t>(s.l_stop_max, static_cast<int64_t>(by_budget)));
  l_stop_chars_ = l_stop_tokens * chars_per_token_;
  warmup_chars_ = static_cast<int64_t>(s.warmup_tokens) * chars_per_token_;
  budget_chars_ = std::max<int64_t>(0, effective_max_tokens) * chars_per_token_;
  next_check_ = warmup_chars_;
}

bool TextLoopStop::Push(std::string_view delta) {
  if (fired_) return false;
  text_.append(delta.data(), delta.size());
  for (char c : delta) chars_ += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  if (chars_ < next_check_) return false;
  next_check_ = chars_ + std::max(1, config_.stream.http_stride);
  if (!Check()) return false;
  fired_ = true;
  fired_at_chars_ = chars_;
  return true;
}

bool TextLoopStop::Check() {
  TailParams params;
  params.k_min = config_.stream.k_stop;
  params.l_min = l_stop_chars_;
  params.p_max = config_.stream.http_window;
  params.min_coverage = config_.tail.min_coverage;
  // Coverage against the full-budget output when it is longer than what was
  // seen (the rule stops loops early); else what was seen.
  params.projected_total = budget_chars_ > chars_ ? budget_chars_ : 0;
  const TextTailPeriod t = FindTailPeriodInText(text_, config_.tail.l_min_chars, params);
  if (!t.tail.periodic) return false;
  const UnitKind kind = ClassifyUnitText(t.unit);
  if (kind == WHITESPACE || kind == SEPARATOR) {
    return t.tail.covered >= l_stop_chars_ * config_.stream.whitespace_l_stop_factor;
  }
  return true;
}

}  // namespace doomscope
