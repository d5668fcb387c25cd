#include "detectors/analyze.h"

#include "detectors/analyze_stages.h"
#include "detectors/detector_version.h"
#include "detectors/loop_kind.h"

namespace doomscope {
namespace {

analyze::Workspace& GetWorkspace() {
  thread_local analyze::Workspace w;
  return w;
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
  f.set_detector_version(kDetectorVersion);
  analyze::AnalysisContext ctx(s, c, GetWorkspace());
  ctx.has_tokens = s.tokens.has_value();
  if (ctx.has_tokens) ctx.tokens = *s.tokens;
  ctx.n_tokens = static_cast<int64_t>(ctx.tokens.size());
  ctx.text = s.text;
  if (ctx.text.empty() && ctx.has_tokens && s.detokenize && ctx.n_tokens > 0) {
    ctx.w.detokenized = s.detokenize(ctx.tokens);
    ctx.text = ctx.w.detokenized;
  }
  ctx.has_text = !ctx.text.empty();

  analyze::EndingStage(ctx, &f);
  const TailPeriod char_tail = analyze::CharTailStage(ctx, &f);
  analyze::PrimarySequenceStage(ctx, &f);
  const TailPeriod tail = analyze::TailStage(ctx, char_tail, &f);               // D1
  const bool loop_run = analyze::RunsStage(ctx, &f);                           // D2
  analyze::ReleasePrimary(ctx);  // D3 reads words; peaks must not stack up on a long text
  const NgramStats stats = analyze::NgramStage(ctx, tail, &f);                 // D3
  analyze::PrimarySequenceStage(ctx, &f);
  const bool near_periodic = analyze::NearPeriodicStage(ctx, &f);              // D4
  const int64_t call_run = analyze::ToolCallStage(ctx, &f);
  const bool think_unclosed = analyze::ThinkStage(ctx, tail, char_tail, &f);
  analyze::ReleaseLarge(ctx.w);

  // The verdict.
  Verdict* v = f.mutable_verdict();
  const bool doom = ctx.capped && tail.periodic;
  v->set_doom_loop(doom);
  v->set_loop_any(tail.periodic || loop_run || stats.pipis_loop);
  LoopSignals sig;
  sig.tail_periodic = tail.periodic;
  sig.near_periodic = near_periodic;
  sig.tool_call_repeat = call_run >= c.tool_identical_calls;
  sig.think_unclosed = think_unclosed;
  sig.capped = ctx.capped;
  sig.other_repetition = loop_run || stats.pipis_loop;
  v->set_kind(ClassifyLoop(sig));
  if (ctx.has_tokens && ctx.has_text) v->set_level_disagreement(doom != (ctx.capped && char_tail.periodic));
  return f;
}

}  // namespace doomscope
