// The stages of AnalyzeSample (analyze.h), one function per detector, in the
// order they run. Internal to the detectors: each reads the sample through
// AnalysisContext and writes its part of DetectorFindings.
#ifndef DOOMSCOPE_DETECTORS_ANALYZE_STAGES_H_
#define DOOMSCOPE_DETECTORS_ANALYZE_STAGES_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "detectors/analyze.h"
#include "detectors/internal_runs.h"
#include "detectors/ngram_stats.h"
#include "detectors/normalize.h"
#include "detectors/tail_period.h"

namespace doomscope::analyze {

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

// Frees whichever workspace buffers a huge sample left large.
void ReleaseLarge(Workspace& w);

// What every stage reads: the sample, the config, how it ended, and the
// primary sequence (token ids, else the code points of the normalized text).
struct AnalysisContext {
  AnalysisContext(const SampleText& s, const ResolvedConfig& c, Workspace& workspace)
      : sample(s), config(c), w(workspace) {}

  const SampleText& sample;
  const ResolvedConfig& config;
  Workspace& w;
  std::span<const int32_t> tokens;
  bool has_tokens = false;
  int64_t n_tokens = 0;
  std::string_view text;  // the raw text (detokenized when only ids were given)
  bool has_text = false;
  int64_t budget = 0;  // effective token budget; 0 unknown
  bool capped = false;
  bool early_stopped = false;
  bool natural_end = false;
  std::span<const int32_t> x;  // the primary sequence
  int64_t n = 0;

  std::string Detokenize(std::span<const int32_t> ids) const {
    return sample.detokenize ? sample.detokenize(ids) : std::string();
  }
};

// Budget and ending: fills capped, early stop and the counts.
void EndingStage(AnalysisContext& ctx, DetectorFindings* f);
// Normalizes the text and runs character-level D1 (the character tail).
TailPeriod CharTailStage(AnalysisContext& ctx, DetectorFindings* f);
// Sets the primary sequence (ctx.x, ctx.n) and the level.
void PrimarySequenceStage(AnalysisContext& ctx, DetectorFindings* f);
// Lets a long character-level sequence go while the n-gram stage (words, not
// code points) runs; PrimarySequenceStage decodes it again for D4.
void ReleasePrimary(AnalysisContext& ctx);
// D1 on the primary level; returns its tail.
TailPeriod TailStage(const AnalysisContext& ctx, const TailPeriod& char_tail, DetectorFindings* f);
// D2: repeated runs anywhere; returns whether one is a loop (not structure).
bool RunsStage(AnalysisContext& ctx, DetectorFindings* f);
// D3 and the RL repetition penalties.
NgramStats NgramStage(AnalysisContext& ctx, const TailPeriod& tail, DetectorFindings* f);
// D4: near-periodic tail, then with digits folded; returns near.periodic.
bool NearPeriodicStage(AnalysisContext& ctx, DetectorFindings* f);
// Tool-call repeats on the raw text; returns the longest identical run.
int64_t ToolCallStage(const AnalysisContext& ctx, DetectorFindings* f);
// The think segment and where the loop sits (think / answer / full); returns
// whether a think segment was opened and left unclosed.
bool ThinkStage(const AnalysisContext& ctx, const TailPeriod& tail, const TailPeriod& char_tail, DetectorFindings* f);

}  // namespace doomscope::analyze

#endif  // DOOMSCOPE_DETECTORS_ANALYZE_STAGES_H_
