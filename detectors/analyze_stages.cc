#include "detectors/analyze_stages.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "detectors/near_periodic.h"
#include "detectors/scratch.h"
#include "detectors/think_segments.h"
#include "detectors/tool_calls.h"
#include "detectors/unit_kind.h"

namespace doomscope::analyze {
namespace {

constexpr int64_t kPreviewChars = 200;
constexpr int kTopRuns = 5;

bool IsLoopUnit(UnitKind k) { return k != STRUCTURED && k != MARKUP && k != SEPARATOR; }

std::string IdsPreview(std::span<const int32_t> ids) {
  std::string s = "token ids:";
  for (int32_t id : ids) {
    if (static_cast<int64_t>(s.size()) >= kPreviewChars) break;
    absl::StrAppend(&s, " ", id);
  }
  if (static_cast<int64_t>(s.size()) > kPreviewChars) s.resize(kPreviewChars);
  return s;
}

// Code points in the first `bytes` bytes of valid UTF-8.
int64_t CodePointsBefore(std::string_view utf8, size_t bytes) {
  return CountCodePoints(utf8.substr(0, std::min(bytes, utf8.size())));
}

int64_t UnionLength(const std::vector<RepeatRun>& runs) {
  // Runs are sorted by start.
  int64_t total = 0, reach = 0;
  for (const RepeatRun& r : runs) {
    const int64_t from = std::max(r.start, reach);
    if (r.end > from) total += r.end - from;
    reach = std::max(reach, r.end);
  }
  return total;
}

std::string_view CharUnitText(const AnalysisContext& ctx, const TailPeriod& char_tail) {
  return std::string_view(ctx.w.norm.utf8)
      .substr(static_cast<size_t>(char_tail.unit_begin), static_cast<size_t>(char_tail.unit_end - char_tail.unit_begin));
}

// A token's digit class for digit folding: 0 not digits, 1 digits, 2 digits
// after leading whitespace.
int TokenDigitClass(const std::string& t) {
  size_t i = 0;
  while (i < t.size() && (t[i] == ' ' || t[i] == '\n' || t[i] == '\t')) ++i;
  bool digits = i < t.size();
  for (size_t k = i; k < t.size(); ++k) digits &= t[k] >= '0' && t[k] <= '9';
  return digits ? (i > 0 ? 2 : 1) : 0;
}

}  // namespace

void ReleaseLarge(Workspace& w) {
  ReleaseIfLarge(w.norm.utf8);
  ReleaseIfLarge(w.cps);
  ReleaseIfLarge(w.words);
  ReleaseIfLarge(w.lower_words);
  ReleaseIfLarge(w.folded);
  ReleaseIfLarge(w.runs);
  ReleaseIfLarge(w.char_runs);
  ReleaseIfLarge(w.detokenized);
}

void EndingStage(AnalysisContext& ctx, DetectorFindings* f) {
  const SampleText& s = ctx.sample;
  ctx.budget = s.effective_max_tokens > 0 ? s.effective_max_tokens : std::max<int64_t>(0, s.max_new_tokens);
  const FinishReason finish = s.finish_reason;
  ctx.capped = finish == LENGTH || finish == LOOP;
  if (finish == FINISH_REASON_UNSPECIFIED) {
    ctx.capped = s.assume_capped || (ctx.budget > 0 && ctx.has_tokens && ctx.n_tokens >= ctx.budget);
  }
  ctx.early_stopped = finish == LOOP;
  ctx.natural_end = !ctx.capped && finish != ERROR;
  f->set_n_generated_tokens(ctx.n_tokens);
  f->set_effective_max_tokens(ctx.budget);
  f->set_finish_reason(finish);
  f->set_capped(ctx.capped);
  f->set_early_stopped(ctx.early_stopped);
  if (ctx.early_stopped) {
    f->set_detected_at_token(s.detected_at > 0 ? s.detected_at : ctx.n_tokens);
    if (ctx.budget > 0) f->set_tokens_saved_est(std::max<int64_t>(0, ctx.budget - ctx.n_tokens));
  }
}

TailPeriod CharTailStage(AnalysisContext& ctx, DetectorFindings* f) {
  Workspace& w = ctx.w;
  if (!ctx.has_text) {
    w.norm = NormalizedText();
    return TailPeriod();
  }
  const ResolvedConfig& c = ctx.config;
  NormalizeText(ctx.text, c.tail.l_min_chars, &w.norm);
  f->set_n_generated_chars(CountCodePoints(ctx.text));
  TailParams p;
  p.k_min = c.tail.k_min;
  p.l_min = c.tail.l_min_chars;
  p.p_max = c.tail.p_max_chars;
  p.min_coverage = c.tail.min_coverage;
  // A budget in tokens projects to characters at the sample's own rate.
  if (ctx.early_stopped && ctx.budget > 0 && ctx.n_tokens > 0) {
    p.projected_total = static_cast<int64_t>(std::llround(static_cast<double>(ctx.budget) *
                                                          static_cast<double>(w.norm.code_points) / ctx.n_tokens));
  }
  return FindTailPeriodUtf8(w.norm.utf8, w.norm.code_points, w.norm.ascii, p);
}

void PrimarySequenceStage(AnalysisContext& ctx, DetectorFindings* f) {
  if (ctx.has_tokens) {
    ctx.x = ctx.tokens;
  } else {
    DecodeUtf8(ctx.w.norm.utf8, &ctx.w.cps);
    ctx.x = ctx.w.cps;
  }
  ctx.n = static_cast<int64_t>(ctx.x.size());
  f->set_level(ctx.has_tokens ? TOKEN : CHAR);
  f->set_n_units(ctx.n);
}

void ReleasePrimary(AnalysisContext& ctx) {
  if (ctx.has_tokens) return;
  ctx.x = {};
  ReleaseIfLarge(ctx.w.cps);
}

TailPeriod TailStage(const AnalysisContext& ctx, const TailPeriod& char_tail, DetectorFindings* f) {
  const ResolvedConfig& c = ctx.config;
  TailPeriod tail = char_tail;
  TailFindings* tf = f->mutable_tail();
  if (ctx.has_tokens) {
    TailParams p;
    p.k_min = c.tail.k_min;
    p.l_min = c.tail.l_min_tokens;
    p.p_max = c.tail.p_max_tokens;
    p.min_coverage = c.tail.min_coverage;
    if (ctx.early_stopped && ctx.budget > 0) p.projected_total = ctx.budget;
    tail = FindTailPeriod(ctx.tokens, p);
    if (tail.found) {
      const std::span<const int32_t> unit =
          ctx.tokens.subspan(static_cast<size_t>(tail.unit_begin), static_cast<size_t>(tail.period));
      std::string unit_text = ctx.Detokenize(unit);
      if (!unit_text.empty()) {
        tf->set_period_chars(CountCodePoints(unit_text));
      } else if (char_tail.found) {
        unit_text = std::string(CharUnitText(ctx, char_tail));  // the same loop, read from the text
        tf->set_period_chars(char_tail.period);
      }
      tf->set_unit_kind(unit_text.empty() ? TEXT : ClassifyUnitText(unit_text));
      tf->set_unit_preview(unit_text.empty() ? IdsPreview(unit) : std::string(Utf8Prefix(unit_text, kPreviewChars)));
      tf->set_unit_hash(StableHash64(unit.data(), unit.size() * sizeof(int32_t)));
    }
  } else if (tail.found) {
    const std::string_view unit = CharUnitText(ctx, char_tail);
    tf->set_period_chars(tail.period);
    tf->set_unit_kind(ClassifyUnitText(unit));
    tf->set_unit_preview(std::string(Utf8Prefix(unit, kPreviewChars)));
    tf->set_unit_hash(StableHash64(unit.data(), unit.size()));
  }
  tf->set_periodic(tail.periodic);
  if (tail.found) {
    tf->set_period_units(tail.period);
    tf->set_repeats(tail.repeats);
    tf->set_full_copies(tail.full_copies);
    tf->set_covered_units(tail.covered);
    tf->set_coverage(tail.coverage);
    tf->set_coverage_projected(tail.coverage_projected);
    tf->set_onset_units(tail.onset);
    tf->set_onset_frac(ctx.n > 0 ? static_cast<double>(tail.onset) / static_cast<double>(ctx.n) : 0.0);
    tf->set_partial_last_copy(tail.partial_last_copy);
  }
  return tail;
}

bool RunsStage(AnalysisContext& ctx, DetectorFindings* f) {
  const ResolvedConfig& c = ctx.config;
  Workspace& w = ctx.w;
  RunParams rp;
  rp.k_min = c.runs.k_min;
  rp.l_min = ctx.has_tokens ? c.runs.l_min_tokens : c.runs.l_min_chars;
  rp.p_max = ctx.has_tokens ? c.runs.p_max_tokens : c.runs.p_max_chars;
  FindRuns(ctx.x, rp, &w.runs);
  std::vector<UnitKind> kinds(w.runs.size(), TEXT);
  bool loop_run = false;
  for (size_t k = 0; k < w.runs.size(); ++k) {
    const RepeatRun& r = w.runs[k];
    const std::span<const int32_t> unit = ctx.x.subspan(static_cast<size_t>(r.start), static_cast<size_t>(r.period));
    if (!ctx.has_tokens) {
      kinds[k] = ClassifyUnit(unit);
    } else if (ctx.sample.detokenize) {
      kinds[k] = ClassifyUnitText(ctx.sample.detokenize(unit));
    }
    loop_run |= IsLoopUnit(kinds[k]);
  }
  if (ctx.has_tokens && !ctx.sample.detokenize && ctx.has_text && loop_run) {
    // Token units cannot be read without a detokenizer: let the character
    // level veto runs it sees only as structure (tables, code, separators).
    RunParams cp = rp;
    cp.l_min = c.runs.l_min_chars;
    cp.p_max = c.runs.p_max_chars;
    DecodeUtf8(w.norm.utf8, &w.cps);
    FindRuns(w.cps, cp, &w.char_runs);
    bool char_loop = false;
    for (const RepeatRun& r : w.char_runs) {
      char_loop |= IsLoopUnit(ClassifyUnit(
          std::span<const int32_t>(w.cps).subspan(static_cast<size_t>(r.start), static_cast<size_t>(r.period))));
    }
    if (!w.char_runs.empty() && !char_loop) loop_run = false;
  }
  RunsFindings* rf = f->mutable_runs();
  double max_exponent = 0;
  for (const RepeatRun& r : w.runs) max_exponent = std::max(max_exponent, r.exponent);
  rf->set_max_exponent(max_exponent);
  rf->set_coverage(ctx.n > 0 ? static_cast<double>(UnionLength(w.runs)) / static_cast<double>(ctx.n) : 0.0);
  rf->set_recovered_loop(ctx.natural_end && loop_run);
  std::vector<size_t> order(w.runs.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return w.runs[a].end - w.runs[a].start > w.runs[b].end - w.runs[b].start;
  });
  for (size_t k = 0; k < order.size() && k < kTopRuns; ++k) {
    const RepeatRun& r = w.runs[order[k]];
    Run* out = rf->add_top();
    out->set_start(r.start);
    out->set_end(r.end);
    out->set_period(r.period);
    out->set_exponent(r.exponent);
    out->set_unit_kind(kinds[order[k]]);
  }
  return loop_run;
}

NgramStats NgramStage(AnalysisContext& ctx, const TailPeriod& tail, DetectorFindings* f) {
  const ResolvedConfig& c = ctx.config;
  Workspace& w = ctx.w;
  if (ctx.has_text) WordIds(w.norm.utf8, /*lowercase=*/false, &w.words);
  const std::span<const int32_t> units = ctx.has_tokens ? ctx.tokens : std::span<const int32_t>(w.words);
  int64_t lrs_bound = 0;
  if (ctx.has_tokens) {
    for (const RepeatRun& r : w.runs) lrs_bound = std::max(lrs_bound, r.end - r.start - r.period);
    if (tail.found) lrs_bound = std::max(lrs_bound, tail.covered - tail.period);
  }
  NgramStats stats;
  ComputeNgramStats(units, c.ngram, lrs_bound, &stats);
  NgramFindings* nf = f->mutable_ngram();
  nf->set_unit(ctx.has_tokens ? NGRAM_TOKENS : NGRAM_WORDS);
  nf->set_seq_rep_1(stats.seq_rep[0]);
  nf->set_seq_rep_2(stats.seq_rep[1]);
  nf->set_seq_rep_3(stats.seq_rep[2]);
  nf->set_seq_rep_4(stats.seq_rep[3]);
  nf->set_distinct_1(stats.distinct[0]);
  nf->set_distinct_2(stats.distinct[1]);
  nf->set_distinct_3(stats.distinct[2]);
  nf->set_distinct_4(stats.distinct[3]);
  for (int k = 0; k < 4; ++k) {
    nf->add_unique_n(stats.unique[k]);
    nf->add_total_n(stats.total[k]);
  }
  nf->set_uniq_tokens(stats.uniq_units);
  nf->set_lrs_frac(stats.lrs_frac);
  nf->set_pipis_loop(stats.pipis_loop);
  nf->set_pipis_first_fire(stats.pipis_first_fire);
  RlFindings* rl = f->mutable_rl();
  if (ctx.has_text) {
    WordIds(w.norm.utf8, /*lowercase=*/true, &w.lower_words);
    rl->set_rep_openr1_w3(OpenR1Penalty(w.lower_words, c.ngram.rl_word_n));
  }
  ReleaseIfLarge(w.words);
  ReleaseIfLarge(w.lower_words);
  ReleaseNgramScratch();
  rl->set_rep_trl_t3(stats.rep_trl);
  rl->set_rep40_token_frac(stats.rep_dense_frac);
  if (c.ngram.rl_soft_overlong_cache > 0 && ctx.budget > 0 && ctx.has_tokens) {
    // DAPO: 0 up to budget - cache, then a linear ramp to -1 at the budget.
    const double cache = c.ngram.rl_soft_overlong_cache;
    const double len = static_cast<double>(ctx.n_tokens), lmax = static_cast<double>(ctx.budget);
    double r = 0;
    if (len > lmax) {
      r = -1;
    } else if (len > lmax - cache) {
      r = (lmax - cache - len) / cache;
    }
    rl->set_soft_overlong(r);
  }
  return stats;
}

bool NearPeriodicStage(AnalysisContext& ctx, DetectorFindings* f) {
  const ResolvedConfig& c = ctx.config;
  Workspace& w = ctx.w;
  NearParams np;
  np.min_match_frac = c.near.min_match_frac;
  np.min_units = c.near.min_units;
  np.p_max = c.near.p_max;
  NearPeriod near = FindNearPeriod(ctx.x, np);
  bool folded = false;
  if (!near.periodic && c.near.digit_folding) {
    NearPeriod with_folding;
    if (!ctx.has_tokens) {
      // In place: the code points are not read after this stage, and a copy
      // would be the largest buffer of a long text.
      w.cps.resize(FoldDigitsInPlace(w.cps));
      ctx.x = w.cps;
      with_folding = FindNearPeriod(w.cps, np);
    } else if (ctx.sample.detokenize) {
      absl::flat_hash_map<int32_t, int> classes;
      auto digit_class = [&](int32_t id) {
        auto [it, inserted] = classes.try_emplace(id, 0);
        if (inserted) it->second = TokenDigitClass(ctx.sample.detokenize(std::span<const int32_t>(&id, 1)));
        return it->second;
      };
      FoldDigitTokens(ctx.x, digit_class, &w.folded);
      with_folding = FindNearPeriod(w.folded, np);
    } else if (ctx.has_text) {
      // No detokenizer: fold the character level instead.
      DecodeUtf8(w.norm.utf8, &w.cps);
      FoldDigits(w.cps, &w.folded);
      with_folding = FindNearPeriod(w.folded, np);
    }
    if (with_folding.periodic) {
      near = with_folding;
      folded = true;
    }
  }
  NearFindings* nearf = f->mutable_near();
  nearf->set_periodic(near.periodic);
  nearf->set_period(near.period);
  nearf->set_match_frac(near.match_frac);
  nearf->set_window(near.window);
  nearf->set_digit_folded(folded);
  return near.periodic;
}

int64_t ToolCallStage(const AnalysisContext& ctx, DetectorFindings* f) {
  // On the raw text: folding would change argument strings.
  const int64_t call_run = ctx.has_text ? LongestIdenticalCallRun(FindToolCalls(ctx.text)) : 0;
  f->mutable_tool()->set_identical_call_run(call_run);
  return call_run;
}

bool ThinkStage(const AnalysisContext& ctx, const TailPeriod& tail, const TailPeriod& char_tail, DetectorFindings* f) {
  const ResolvedConfig& c = ctx.config;
  const NormalizedText& norm = ctx.w.norm;
  // Located in the normalized text.
  const bool open_at_start = ctx.sample.think_open_at_start ||
                             PromptLeavesThinkOpen(ctx.sample.prompt, c.think.open_tag, c.think.close_tag);
  const ThinkSpan think = FindThink(norm.utf8, c.think.open_tag, c.think.close_tag, open_at_start);
  ThinkFindings* th = f->mutable_think();
  th->set_opened(think.opened);
  th->set_closed(think.closed);
  const int64_t think_begin_cp = CodePointsBefore(norm.utf8, think.content_begin);
  const int64_t think_end_cp = CodePointsBefore(norm.utf8, think.content_end);
  const int64_t answer_cp = CodePointsBefore(norm.utf8, think.answer_begin);
  const int64_t n_tokens = ctx.n_tokens;
  if (think.opened) {
    if (!ctx.has_tokens) {
      th->set_tokens(think_end_cp - think_begin_cp);
    } else if (!think.closed) {
      th->set_tokens(n_tokens);
    } else if (ctx.sample.detokenize) {
      // The shortest token prefix whose text contains the close tag.
      int64_t lo = 0, hi = n_tokens;
      while (lo < hi) {
        const int64_t mid = lo + (hi - lo) / 2;
        if (ctx.sample.detokenize(ctx.tokens.first(static_cast<size_t>(mid))).find(c.think.close_tag) !=
            std::string::npos) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      th->set_tokens(lo);
    } else if (norm.code_points > 0) {
      // Estimated at the sample's characters-per-token rate.
      th->set_tokens(std::llround(static_cast<double>(think_end_cp) * n_tokens / norm.code_points));
    }
  }
  Segment segment = FULL;
  if (tail.found && think.opened) {
    if (!think.closed) {
      segment = THINK;
    } else {
      // Where the loop starts, in code points of the text.
      int64_t onset_cp = -1;
      if (!ctx.has_tokens) {
        onset_cp = tail.onset;
      } else if (char_tail.found) {
        onset_cp = char_tail.onset;
      } else if (n_tokens > 0) {
        onset_cp = std::llround(static_cast<double>(tail.onset) * norm.code_points / n_tokens);
      }
      if (onset_cp >= answer_cp) segment = ANSWER;
    }
  }
  f->set_segment(segment);
  return think.opened && !think.closed;
}

}  // namespace doomscope::analyze
