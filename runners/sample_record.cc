#include "runners/sample_record.h"

#include <chrono>
#include <span>
#include <vector>

#include "detectors/analyze.h"
#include "results/utf8/utf8.h"  // proto3 strings must be valid UTF-8; token ids keep the exact output
#include "runners/sample_scorer.h"
#include "runners/clock.h"

namespace doomscope {
namespace {

DetectorFindings Findings(const RecordContext& context, const BackendResult& result) {
  SampleText sample;
  sample.text = result.text;
  sample.prompt = result.prompt_text;  // a chat template may open the think segment in it
  if (result.tokens.has_value()) sample.tokens = std::span<const int32_t>(*result.tokens);
  sample.finish_reason = result.finish_reason;
  sample.max_new_tokens = result.max_new_tokens;
  sample.effective_max_tokens = result.effective_max_tokens;
  sample.detected_at = result.detected_at;
  const Backend* backend = context.backend;
  sample.detokenize = [backend](std::span<const int32_t> ids) {
    return ToValidUtf8(backend->Detokenize(std::vector<int32_t>(ids.begin(), ids.end())));
  };
  return AnalyzeSample(sample, *context.detector);
}

}  // namespace

SampleRecord BuildSampleRecord(const RecordContext& context, const PlannedSample& p, const benchmarks::TaskItem& item,
                               const BackendResult& result) {
  const CheckpointConfig& checkpoint = *context.checkpoint;
  const TaskConfig& task = context.suite->task(p.task);
  SampleRecord record;
  *record.mutable_findings() = Findings(context, result);
  const bool doom_loop = record.findings().verdict().doom_loop();
  record.set_sample_id(p.sample_id);
  record.set_checkpoint(checkpoint.name());
  record.set_stage(checkpoint.stage());
  record.set_checkpoint_step(checkpoint.step());
  record.set_checkpoint_parent(checkpoint.parent());
  record.set_task(task.name());
  record.set_sampling(context.suite->sampling(p.sampling).name());
  record.set_item_id(item.id);
  record.set_rollout(p.rollout);
  // The prompt as the model saw it: what the backend rendered (a chat, exactly
  // as the template wrote it), else the item's text, else its token ids read back.
  if (!result.prompt_text.empty()) {
    record.set_prompt(ToValidUtf8(result.prompt_text));
  } else if (item.prompt.empty() && !result.prompt_tokens.empty()) {
    record.set_prompt(ToValidUtf8(context.backend->Detokenize(result.prompt_tokens)));
  } else {
    record.set_prompt(ToValidUtf8(item.prompt));
  }
  for (int32_t t : result.prompt_tokens) record.add_prompt_tokens(t);
  record.set_text(ToValidUtf8(result.text));
  if (result.tokens.has_value()) {
    for (int32_t t : *result.tokens) record.add_tokens(t);
  }
  record.set_finish_reason(result.finish_reason);
  record.set_max_new_tokens(static_cast<int32_t>(result.max_new_tokens));
  record.set_prefill_ms(result.prefill_ms);
  record.set_decode_ms(result.decode_ms);
  benchmarks::ScoreContext score_context;
  score_context.native_tools = result.chat_format && !item.tools.empty();
  *record.mutable_score() = ScoreForRecord(task, item, record.text(), doom_loop, score_context);
  record.set_created_unix_ms(UnixMillis());
  record.set_checkpoint_sha256(context.checkpoint_sha256);
  if (p.shadow) {
    EarlyStopShadow* shadow = record.mutable_shadow();
    shadow->set_shadow(true);
    shadow->set_fired(result.shadow_detected_at > 0);
    shadow->set_detected_at(result.shadow_detected_at);
    shadow->set_escaped(shadow->fired() && !doom_loop);
  }
  return record;
}

}  // namespace doomscope
