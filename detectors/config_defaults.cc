#include "detectors/config_defaults.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"

namespace doomscope {
namespace {

// Copies `msg.field()` into `*out` when the optional field is set.
#define DS_TAKE(msg, field, out) \
  do {                           \
    if ((msg).has_##field()) *(out) = (msg).field(); \
  } while (0)

absl::Status Check(bool ok, const char* field, const std::string& what) {
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("detector config: ", field, ": ", what));
}

}  // namespace

ResolvedConfig ResolveConfig(const DetectorConfig& c) {
  ResolvedConfig r;
  DS_TAKE(c.tail(), k_min, &r.tail.k_min);
  DS_TAKE(c.tail(), l_min_tokens, &r.tail.l_min_tokens);
  DS_TAKE(c.tail(), l_min_chars, &r.tail.l_min_chars);
  DS_TAKE(c.tail(), min_coverage, &r.tail.min_coverage);
  DS_TAKE(c.tail(), p_max_tokens, &r.tail.p_max_tokens);
  DS_TAKE(c.tail(), p_max_chars, &r.tail.p_max_chars);

  DS_TAKE(c.runs(), k_min, &r.runs.k_min);
  DS_TAKE(c.runs(), l_min_tokens, &r.runs.l_min_tokens);
  DS_TAKE(c.runs(), l_min_chars, &r.runs.l_min_chars);
  DS_TAKE(c.runs(), p_max_tokens, &r.runs.p_max_tokens);
  DS_TAKE(c.runs(), p_max_chars, &r.runs.p_max_chars);

  DS_TAKE(c.near(), min_match_frac, &r.near.min_match_frac);
  DS_TAKE(c.near(), min_units, &r.near.min_units);
  DS_TAKE(c.near(), p_max, &r.near.p_max);
  DS_TAKE(c.near(), digit_folding, &r.near.digit_folding);

  DS_TAKE(c.ngram(), pipis_n, &r.ngram.pipis_n);
  DS_TAKE(c.ngram(), pipis_k, &r.ngram.pipis_k);
  DS_TAKE(c.ngram(), simctg_variant, &r.ngram.simctg_variant);
  DS_TAKE(c.ngram(), rl_word_n, &r.ngram.rl_word_n);
  DS_TAKE(c.ngram(), rl_token_n, &r.ngram.rl_token_n);
  DS_TAKE(c.ngram(), rl_dense_n, &r.ngram.rl_dense_n);
  DS_TAKE(c.ngram(), rl_dense_only_start, &r.ngram.rl_dense_only_start);
  DS_TAKE(c.ngram(), rl_soft_overlong_cache, &r.ngram.rl_soft_overlong_cache);

  DS_TAKE(c.stream(), k_stop, &r.stream.k_stop);
  DS_TAKE(c.stream(), l_stop_min, &r.stream.l_stop_min);
  DS_TAKE(c.stream(), l_stop_max, &r.stream.l_stop_max);
  DS_TAKE(c.stream(), l_stop_budget_frac, &r.stream.l_stop_budget_frac);
  DS_TAKE(c.stream(), warmup_tokens, &r.stream.warmup_tokens);
  DS_TAKE(c.stream(), p_stream, &r.stream.p_stream);
  DS_TAKE(c.stream(), whitespace_l_stop_factor, &r.stream.whitespace_l_stop_factor);
  DS_TAKE(c.stream(), shadow_rate, &r.stream.shadow_rate);
  DS_TAKE(c.stream(), escape_warning, &r.stream.escape_warning);
  DS_TAKE(c.stream(), http_window, &r.stream.http_window);
  DS_TAKE(c.stream(), http_stride, &r.stream.http_stride);

  DS_TAKE(c.think(), open_tag, &r.think.open_tag);
  DS_TAKE(c.think(), close_tag, &r.think.close_tag);
  DS_TAKE(c, tool_identical_calls, &r.tool_identical_calls);
  return r;
}

#undef DS_TAKE

DetectorConfig FilledDetectorConfig(const DetectorConfig& config) {
  const ResolvedConfig r = ResolveConfig(config);
  DetectorConfig c;
  TailConfig* t = c.mutable_tail();
  t->set_k_min(r.tail.k_min);
  t->set_l_min_tokens(r.tail.l_min_tokens);
  t->set_l_min_chars(r.tail.l_min_chars);
  t->set_min_coverage(r.tail.min_coverage);
  t->set_p_max_tokens(r.tail.p_max_tokens);
  t->set_p_max_chars(r.tail.p_max_chars);
  RunsConfig* u = c.mutable_runs();
  u->set_k_min(r.runs.k_min);
  u->set_l_min_tokens(r.runs.l_min_tokens);
  u->set_l_min_chars(r.runs.l_min_chars);
  u->set_p_max_tokens(r.runs.p_max_tokens);
  u->set_p_max_chars(r.runs.p_max_chars);
  NearConfig* n = c.mutable_near();
  n->set_min_match_frac(r.near.min_match_frac);
  n->set_min_units(r.near.min_units);
  n->set_p_max(r.near.p_max);
  n->set_digit_folding(r.near.digit_folding);
  NgramConfig* g = c.mutable_ngram();
  g->set_pipis_n(r.ngram.pipis_n);
  g->set_pipis_k(r.ngram.pipis_k);
  g->set_simctg_variant(r.ngram.simctg_variant);
  g->set_rl_word_n(r.ngram.rl_word_n);
  g->set_rl_token_n(r.ngram.rl_token_n);
  g->set_rl_dense_n(r.ngram.rl_dense_n);
  g->set_rl_dense_only_start(r.ngram.rl_dense_only_start);
  g->set_rl_soft_overlong_cache(r.ngram.rl_soft_overlong_cache);
  StreamConfig* s = c.mutable_stream();
  s->set_k_stop(r.stream.k_stop);
  s->set_l_stop_min(r.stream.l_stop_min);
  s->set_l_stop_max(r.stream.l_stop_max);
  s->set_l_stop_budget_frac(r.stream.l_stop_budget_frac);
  s->set_warmup_tokens(r.stream.warmup_tokens);
  s->set_p_stream(r.stream.p_stream);
  s->set_whitespace_l_stop_factor(r.stream.whitespace_l_stop_factor);
  s->set_shadow_rate(r.stream.shadow_rate);
  s->set_escape_warning(r.stream.escape_warning);
  s->set_http_window(r.stream.http_window);
  s->set_http_stride(r.stream.http_stride);
  c.mutable_think()->set_open_tag(r.think.open_tag);
  c.mutable_think()->set_close_tag(r.think.close_tag);
  c.set_tool_identical_calls(r.tool_identical_calls);
  return c;
}

absl::Status ValidateDetectorConfig(const DetectorConfig& config) {
  const ResolvedConfig r = ResolveConfig(config);
  // Upper bounds keep the per-sample scratch memory and the streaming
  // detector's int16 counters in range.
  constexpr int kMaxPeriod = 1 << 16;
  constexpr int kMaxLength = 1 << 20;
  auto in = [](double v, double lo, double hi) { return v >= lo && v <= hi; };
  const std::string periods = absl::StrCat("must be in [1, ", kMaxPeriod, "]");
  const std::string lengths = absl::StrCat("must be in [1, ", kMaxLength, "]");
  absl::Status s;
  s.Update(Check(in(r.tail.k_min, 2, 1000), "tail.k_min", "must be in [2, 1000]"));
  s.Update(Check(in(r.tail.l_min_tokens, 1, kMaxLength), "tail.l_min_tokens", lengths));
  s.Update(Check(in(r.tail.l_min_chars, 1, kMaxLength), "tail.l_min_chars", lengths));
  s.Update(Check(in(r.tail.min_coverage, 0, 1), "tail.min_coverage", "must be in [0, 1]"));
  s.Update(Check(in(r.tail.p_max_tokens, 1, kMaxPeriod), "tail.p_max_tokens", periods));
  s.Update(Check(in(r.tail.p_max_chars, 1, kMaxPeriod), "tail.p_max_chars", periods));
  s.Update(Check(in(r.runs.k_min, 2, 1000), "runs.k_min", "must be in [2, 1000]"));
  s.Update(Check(in(r.runs.l_min_tokens, 2, kMaxLength), "runs.l_min_tokens", "must be in [2, 1048576]"));
  s.Update(Check(in(r.runs.l_min_chars, 2, kMaxLength), "runs.l_min_chars", "must be in [2, 1048576]"));
  s.Update(Check(in(r.runs.p_max_tokens, 1, kMaxPeriod), "runs.p_max_tokens", periods));
  s.Update(Check(in(r.runs.p_max_chars, 1, kMaxPeriod), "runs.p_max_chars", periods));
  s.Update(Check(r.near.min_match_frac > 0 && r.near.min_match_frac <= 1, "near.min_match_frac",
                 "must be in (0, 1]"));
  s.Update(Check(in(r.near.min_units, 1, kMaxLength), "near.min_units", lengths));
  s.Update(Check(in(r.near.p_max, 1, 4096), "near.p_max", "must be in [1, 4096]"));
  s.Update(Check(in(r.ngram.pipis_n, 1, 4096), "ngram.pipis_n", "must be in [1, 4096]"));
  s.Update(Check(in(r.ngram.pipis_k, 2, kMaxLength), "ngram.pipis_k", "must be in [2, 1048576]"));
  s.Update(Check(in(r.ngram.rl_word_n, 1, 4096), "ngram.rl_word_n", "must be in [1, 4096]"));
  s.Update(Check(in(r.ngram.rl_token_n, 1, 4096), "ngram.rl_token_n", "must be in [1, 4096]"));
  s.Update(Check(in(r.ngram.rl_dense_n, 1, 4096), "ngram.rl_dense_n", "must be in [1, 4096]"));
  s.Update(Check(in(r.ngram.rl_soft_overlong_cache, 0, kMaxLength), "ngram.rl_soft_overlong_cache",
                 "must be in [0, 1048576]"));
  s.Update(Check(in(r.stream.k_stop, 2, 1000), "stream.k_stop", "must be in [2, 1000]"));
  s.Update(Check(in(r.stream.l_stop_min, 1, 8192), "stream.l_stop_min", "must be in [1, 8192]"));
  s.Update(Check(in(r.stream.l_stop_max, r.stream.l_stop_min, 8192), "stream.l_stop_max",
                 "must be in [l_stop_min, 8192]"));
  s.Update(Check(in(r.stream.l_stop_budget_frac, 0, 1), "stream.l_stop_budget_frac", "must be in [0, 1]"));
  s.Update(Check(in(r.stream.warmup_tokens, 0, kMaxLength), "stream.warmup_tokens", "must be in [0, 1048576]"));
  s.Update(Check(in(r.stream.p_stream, 1, 4096), "stream.p_stream", "must be in [1, 4096]"));
  s.Update(Check(in(r.stream.whitespace_l_stop_factor, 1, 16), "stream.whitespace_l_stop_factor",
                 "must be in [1, 16]"));
  // The streaming counters are int16: every length the rule can need must fit.
  s.Update(Check(static_cast<int64_t>(r.stream.k_stop) * r.stream.p_stream <= 16384 &&
                     static_cast<int64_t>(r.stream.whitespace_l_stop_factor) * r.stream.l_stop_max <= 16384,
                 "stream", "k_stop * p_stream and whitespace_l_stop_factor * l_stop_max must be <= 16384"));
  s.Update(Check(in(r.stream.shadow_rate, 0, 1), "stream.shadow_rate", "must be in [0, 1]"));
  s.Update(Check(in(r.stream.escape_warning, 0, 1), "stream.escape_warning", "must be in [0, 1]"));
  s.Update(Check(in(r.stream.http_window, 1, kMaxLength), "stream.http_window", lengths));
  s.Update(Check(in(r.stream.http_stride, 1, kMaxLength), "stream.http_stride", lengths));
  s.Update(Check(!r.think.open_tag.empty(), "think.open_tag", "must not be empty"));
  s.Update(Check(!r.think.close_tag.empty(), "think.close_tag", "must not be empty"));
  s.Update(Check(in(r.tool_identical_calls, 2, 1000), "tool_identical_calls", "must be in [2, 1000]"));
  return s;
}

int StreamLStop(const ResolvedConfig::Stream& stream, int64_t max_new_tokens) {
  const double scaled = stream.l_stop_budget_frac * static_cast<double>(std::max<int64_t>(0, max_new_tokens));
  const double capped = std::min(static_cast<double>(stream.l_stop_max), std::floor(scaled));
  return static_cast<int>(std::max(static_cast<double>(stream.l_stop_min), capped));
}

}  // namespace doomscope
