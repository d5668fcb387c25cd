#include "results/sample_export.h"

#include <utility>

#include "results/generations/finish_reason.h"
#include "results/proto_json.h"
#include "results/stage_report.h"

namespace doomscope::results {

json::Value SampleToExportJson(const SampleRecord& r) {
  json::Value o;
  o.Set("sample_id", r.sample_id());
  o.Set("checkpoint", r.checkpoint());
  o.Set("stage", StageName(r.stage()));
  o.Set("task", r.task());
  o.Set("sampling", r.sampling());
  o.Set("item_id", r.item_id());
  o.Set("rollout", r.rollout());
  o.Set("finish_reason", FinishReasonName(r.finish_reason()));
  o.Set("doom_loop", r.findings().verdict().doom_loop());
  o.Set("kind", LoopKind_Name(r.findings().verdict().kind()));
  o.Set("text", r.text());
  json::Array tokens;
  tokens.reserve(static_cast<size_t>(r.tokens_size()));
  for (int32_t t : r.tokens()) tokens.emplace_back(t);
  o.Set("tokens", json::Value(std::move(tokens)));
  o.Set("max_new_tokens", r.max_new_tokens());
  o.Set("findings", MessageToJson(r.findings()));
  o.Set("score", r.has_score() ? MessageToJson(r.score()) : json::Value());
  return o;
}

}  // namespace doomscope::results
