#include "detectors/analyze.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "detectors/detector_version.h"
#include "detectors/internal_runs.h"
#include "detectors/loop_kind.h"
#include "detectors/near_periodic.h"
#include "detectors/ngram_stats.h"
#include "detectors/normalize.h"
#include "detectors/tail_period.h"
#include "detectors/think_segments.h"
#include "detectors/tool_calls.h"
#include "detectors/unit_kind.h"

namespace doomscope {
namespace {

constexpr int64_t kPreviewChars = 200;
constexpr int kTopRuns = 5;

// Per-thread buffers reused from sample to sample.
struct Workspace {
  NormalizedText norm;
  std::vector<int32_t> cps;
  std::vector<int32_t> words;
  std::vector<int32_t> lower_words;
  std::vector<int32_t> folded;
  std::vector<RepeatRun> runs;
  std::vector<RepeatRun> char_runs;
  std::string detokenized;
};

Workspace& GetWorkspace() {
  thread_local Workspace w;
  return w;
}

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
  int64_t n = 0;
  for (size_t i = 0; i < bytes && i < utf8.size(); ++i) n += (static_cast<uint8_t>(utf8[i]) & 0xC0) != 0x80;
  return n;
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

}  // namespace

uint64_t StableHash64(const void* data, size_t size) {
  uint64_t h = 14695981039346656037ull;
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < size; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

DetectorFindings AnalyzeSample(const SampleText& s, const DetectorConfig& config) {
  return AnalyzeSample(s, ResolveConfig(config));
}

DetectorFindings AnalyzeSample(const SampleText& s, const ResolvedConfig& c) {
  DetectorFindings f;
  Workspace& w = GetWorkspace();
  f.set_detector_version(kDetectorVersion);

  const bool has_tokens = s.tokens.has_value();
  const std::span<const int32_t> tokens = has_tokens ? *s.tokens : std::span<const int32_t>();
  const int64_t n_tokens = static_cast<int64_t>(tokens.size());
  std::string_view text = s.text;
  if (text.empty() && has_tokens && s.detokenize && n_tokens > 0) {
    w.detokenized = s.detokenize(tokens);
    text = w.detokenized;
  }
  const bool has_text = !text.empty();
  auto detok = [&](std::span<const int32_t> ids) { return s.detokenize ? s.detokenize(ids) : std::string(); };

  // --- Budget and how the sample ended.
  const int64_t budget = s.effective_max_tokens > 0 ? s.effective_max_tokens : std::max<int64_t>(0, s.max_new_tokens);
  const FinishReason finish = s.finish_reason;
  bool capped = finish == LENGTH || finish == LOOP;
  if (finish == FINISH_REASON_UNSPECIFIED) {
    capped = s.assume_capped || (budget > 0 && has_tokens && n_tokens >= budget);
  }
  const bool early_stopped = finish == LOOP;
  const bool natural_end = !capped && finish != ERROR;
  f.set_n_generated_tokens(n_tokens);
  f.set_effective_max_tokens(budget);
  f.set_finish_reason(finish);
  f.set_capped(capped);
  f.set_early_stopped(early_stopped);
  if (early_stopped) {
    f.set_detected_at_token(s.detected_at > 0 ? s.detected_at : n_tokens);
    if (budget > 0) f.set_tokens_saved_est(std::max<int64_t>(0, budget - n_tokens));
  }

  // --- Character level: normalization and D1.
  TailPeriod char_tail;
  if (has_text) {
    NormalizeText(text, c.tail.l_min_chars, &w.norm);
    f.set_n_generated_chars(CountCodePoints(text));
    TailParams p;
    p.k_min = c.tail.k_min;
    p.l_min = c.tail.l_min_chars;
    p.p_max = c.tail.p_max_chars;
    p.min_coverage = c.tail.min_coverage;
    // A budget in tokens projects to characters at the sample's own rate.
    if (early_stopped && budget > 0 && n_tokens > 0) {
      p.projected_total = static_cast<int64_t>(
          std::llround(static_cast<double>(budget) * static_cast<double>(w.norm.code_points) / n_tokens));
    }
    char_tail = FindTailPeriodUtf8(w.norm.utf8, w.norm.code_points, w.norm.ascii, p);
  } else {
    w.norm = NormalizedText();
  }
  auto char_unit_text = [&]() -> std::string_view {
    return std::string_view(w.norm.utf8).substr(static_cast<size_t>(char_tail.unit_begin),
                                                 static_cast<size_t>(char_tail.unit_end - char_tail.unit_begin));
  };

  // The primary sequence.
  const Level level = has_tokens ? TOKEN : CHAR;
  std::span<const int32_t> x;
  if (has_tokens) {
    x = tokens;
  } else {
    DecodeUtf8(w.norm.utf8, &w.cps);
    x = w.cps;
  }
  const int64_t n = static_cast<int64_t>(x.size());
  f.set_level(level);
  f.set_n_units(n);

  // --- D1 on the primary level.
  TailPeriod tail = char_tail;
  TailFindings* tf = f.mutable_tail();
  if (has_tokens) {
    TailParams p;
    p.k_min = c.tail.k_min;
    p.l_min = c.tail.l_min_tokens;
    p.p_max = c.tail.p_max_tokens;
    p.min_coverage = c.tail.min_coverage;
    if (early_stopped && budget > 0) p.projected_total = budget;
    tail = FindTailPeriod(tokens, p);
    if (tail.found) {
      const std::span<const int32_t> unit =
          tokens.subspan(static_cast<size_t>(tail.unit_begin), static_cast<size_t>(tail.period));
      std::string unit_text = detok(unit);
      if (!unit_text.empty()) {
        tf->set_period_chars(CountCodePoints(unit_text));
      } else if (char_tail.found) {
        unit_text = std::string(char_unit_text());  // the same loop, read from the text
        tf->set_period_chars(char_tail.period);
      }
      tf->set_unit_kind(unit_text.empty() ? TEXT : ClassifyUnitText(unit_text));
      tf->set_unit_preview(unit_text.empty() ? IdsPreview(unit) : std::string(Utf8Prefix(unit_text, kPreviewChars)));
      tf->set_unit_hash(StableHash64(unit.data(), unit.size() * sizeof(int32_t)));
    }
  } else if (tail.found) {
    const std::string_view unit = char_unit_text();
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
    tf->set_onset_frac(n > 0 ? static_cast<double>(tail.onset) / static_cast<double>(n) : 0.0);
    tf->set_partial_last_copy(tail.partial_last_copy);
  }

  // --- D2: runs anywhere.
  RunParams rp;
  rp.k_min = c.runs.k_min;
  rp.l_min = has_tokens ? c.runs.l_min_tokens : c.runs.l_min_chars;
  rp.p_max = has_tokens ? c.runs.p_max_tokens : c.runs.p_max_chars;
  FindRuns(x, rp, &w.runs);
  std::vector<UnitKind> kinds(w.runs.size(), TEXT);
  bool loop_run = false;
  for (size_t k = 0; k < w.runs.size(); ++k) {
    const RepeatRun& r = w.runs[k];
    const std::span<const int32_t> unit = x.subspan(static_cast<size_t>(r.start), static_cast<size_t>(r.period));
    if (!has_tokens) {
      kinds[k] = ClassifyUnit(unit);
    } else if (s.detokenize) {
      kinds[k] = ClassifyUnitText(s.detokenize(unit));
    }
    loop_run |= IsLoopUnit(kinds[k]);
  }
  if (has_tokens && !s.detokenize && has_text && loop_run) {
    // Token units cannot be read without a detokenizer: let the character
    // level veto runs it sees only as structure (tables, code, separators).
    decltype(rp) cp = rp;
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
  RunsFindings* rf = f.mutable_runs();
  double max_exponent = 0;
  for (const RepeatRun& r : w.runs) max_exponent = std::max(max_exponent, r.exponent);
  rf->set_max_exponent(max_exponent);
  rf->set_coverage(n > 0 ? static_cast<double>(UnionLength(w.runs)) / static_cast<double>(n) : 0.0);
  rf->set_recovered_loop(natural_end && loop_run);
  {
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
  }

  // --- D3: n-gram statistics over tokens, or words at the character level.
  if (has_text) WordIds(w.norm.utf8, /*lowercase=*/false, &w.words);
  const std::span<const int32_t> units = has_tokens ? tokens : std::span<const int32_t>(w.words);
  int64_t lrs_bound = 0;
  if (has_tokens) {
    for (const RepeatRun& r : w.runs) lrs_bound = std::max(lrs_bound, r.end - r.start - r.period);
    if (tail.found) lrs_bound = std::max(lrs_bound, tail.covered - tail.period);
  }
  NgramStats stats;
  ComputeNgramStats(units, c.ngram, lrs_bound, &stats);
  NgramFindings* nf = f.mutable_ngram();
  nf->set_unit(has_tokens ? NGRAM_TOKENS : NGRAM_WORDS);
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
  RlFindings* rl = f.mutable_rl();
  if (has_text) {
    WordIds(w.norm.utf8, /*lowercase=*/true, &w.lower_words);
    rl->set_rep_openr1_w3(OpenR1Penalty(w.lower_words, c.ngram.rl_word_n));
  }
  rl->set_rep_trl_t3(stats.rep_trl);
  rl->set_rep40_token_frac(stats.rep_dense_frac);
  if (c.ngram.rl_soft_overlong_cache > 0 && budget > 0 && has_tokens) {
    // DAPO: 0 up to budget - cache, then a linear ramp to -1 at the budget.
    const double cache = c.ngram.rl_soft_overlong_cache;
    const double len = static_cast<double>(n_tokens), lmax = static_cast<double>(budget);
    double r = 0;
    if (len > lmax) {
      r = -1;
    } else if (len > lmax - cache) {
      r = (lmax - cache - len) / cache;
    }
    rl->set_soft_overlong(r);
  }

  // --- D4: near-periodic tail, then with digits folded.
  NearParams np;
  np.min_match_frac = c.near.min_match_frac;
  np.min_units = c.near.min_units;
  np.p_max = c.near.p_max;
  NearPeriod near = FindNearPeriod(x, np);
  bool folded = false;
  if (!near.periodic && c.near.digit_folding) {
    NearPeriod nf2;
    if (!has_tokens) {
      FoldDigits(x, &w.folded);
      nf2 = FindNearPeriod(w.folded, np);
    } else if (s.detokenize) {
      absl::flat_hash_map<int32_t, int> classes;
      auto digit_class = [&](int32_t id) {
        auto [it, inserted] = classes.try_emplace(id, 0);
        if (inserted) {
          const std::string t = s.detokenize(std::span<const int32_t>(&id, 1));
          size_t i = 0;
          while (i < t.size() && (t[i] == ' ' || t[i] == '\n' || t[i] == '\t')) ++i;
          bool digits = i < t.size();
          for (size_t k = i; k < t.size(); ++k) digits &= t[k] >= '0' && t[k] <= '9';
          it->second = digits ? (i > 0 ? 2 : 1) : 0;
        }
        return it->second;
      };
      FoldDigitTokens(x, digit_class, &w.folded);
      nf2 = FindNearPeriod(w.folded, np);
    } else if (has_text) {
      // No detokenizer: fold the character level instead.
      DecodeUtf8(w.norm.utf8, &w.cps);
      FoldDigits(w.cps, &w.folded);
      nf2 = FindNearPeriod(w.folded, np);
    }
    if (nf2.periodic) {
      near = nf2;
      folded = true;
    }
  }
  NearFindings* nearf = f.mutable_near();
  nearf->set_periodic(near.periodic);
  nearf->set_period(near.period);
  nearf->set_match_frac(near.match_frac);
  nearf->set_window(near.window);
  nearf->set_digit_folded(folded);

  // --- Tool calls (on the raw text: folding would change argument strings).
  const int64_t call_run = has_text ? LongestIdenticalCallRun(FindToolCalls(text)) : 0;
  f.mutable_tool()->set_identical_call_run(call_run);

  // --- Think segment, located in the normalized text.
  const ThinkSpan think = FindThink(w.norm.utf8, c.think.open_tag, c.think.close_tag, s.think_open_at_start);
  ThinkFindings* th = f.mutable_think();
  th->set_opened(think.opened);
  th->set_closed(think.closed);
  const int64_t think_begin_cp = CodePointsBefore(w.norm.utf8, think.content_begin);
  const int64_t think_end_cp = CodePointsBefore(w.norm.utf8, think.content_end);
  const int64_t answer_cp = CodePointsBefore(w.norm.utf8, think.answer_begin);
  if (think.opened) {
    if (!has_tokens) {
      th->set_tokens(think_end_cp - think_begin_cp);
    } else if (!think.closed) {
      th->set_tokens(n_tokens);
    } else if (s.detokenize) {
      // The shortest token prefix whose text contains the close tag.
      int64_t lo = 0, hi = n_tokens;
      while (lo < hi) {
        const int64_t mid = lo + (hi - lo) / 2;
        if (s.detokenize(tokens.first(static_cast<size_t>(mid))).find(c.think.close_tag) != std::string::npos) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      th->set_tokens(lo);
    } else if (w.norm.code_points > 0) {
      // Estimated at the sample's characters-per-token rate.
      th->set_tokens(std::llround(static_cast<double>(think_end_cp) * n_tokens / w.norm.code_points));
    }
  }
  Segment segment = FULL;
  if (tail.found && think.opened) {
    if (!think.closed) {
      segment = THINK;
    } else {
      // Where the loop starts, in code points of the text.
      int64_t onset_cp = -1;
      if (!has_tokens) {
        onset_cp = tail.onset;
      } else if (char_tail.found) {
        onset_cp = char_tail.onset;
      } else if (n_tokens > 0) {
        onset_cp = std::llround(static_cast<double>(tail.onset) * w.norm.code_points / n_tokens);
      }
      if (onset_cp >= answer_cp) segment = ANSWER;
    }
  }
  f.set_segment(segment);

  // --- Verdict.
  Verdict* v = f.mutable_verdict();
  const bool doom = capped && tail.periodic;
  v->set_doom_loop(doom);
  v->set_loop_any(tail.periodic || loop_run || stats.pipis_loop);
  LoopSignals sig;
  sig.tail_periodic = tail.periodic;
  sig.near_periodic = near.periodic;
  sig.tool_call_repeat = call_run >= c.tool_identical_calls;
  sig.think_unclosed = think.opened && !think.closed;
  sig.capped = capped;
  sig.other_repetition = loop_run || stats.pipis_loop;
  v->set_kind(ClassifyLoop(sig));
  if (has_tokens && has_text) v->set_level_disagreement(doom != (capped && char_tail.periodic));
  return f;
}

}  // namespace doomscope
