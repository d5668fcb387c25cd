#include "results/report_json.h"

#include "results/json/jsonl.h"
#include "results/run_dir.h"

namespace doomscope::results {

json::Value StageRowToJson(const StageRow& r) {
  json::Value o;
  o.Set("checkpoint", r.key.checkpoint);
  o.Set("stage", StageName(r.key.stage));
  o.Set("checkpoint_step", r.key.checkpoint_step);
  o.Set("task", r.key.task);
  o.Set("sampling", r.key.sampling);
  o.Set("n", r.n);
  o.Set("n_prompts", r.n_prompts);
  o.Set("doom_loops", r.doom_loops);
  o.Set("doom_loop_ratio", r.doom_loop_ratio);
  o.Set("ci_low", r.ci_low);
  o.Set("ci_high", r.ci_high);
  o.Set("recovered_loops", r.recovered_loops);
  o.Set("recovered_rate", r.recovered_rate);
  o.Set("ngram_loops", r.ngram_loops);
  o.Set("ngram_loop_rate", r.ngram_loop_rate);
  o.Set("loop_any", r.loop_any);
  o.Set("loop_any_rate", r.loop_any_rate);
  o.Set("near_loops", r.near_loops);
  o.Set("near_loop_rate", r.near_loop_rate);
  o.Set("cap_hits", r.cap_hits);
  o.Set("cap_hit_rate", r.cap_hit_rate);
  o.Set("cap_no_loop", r.cap_no_loop);
  o.Set("cap_no_loop_rate", r.cap_no_loop_rate);
  o.Set("early_stops", r.early_stops);
  o.Set("early_stop_rate", r.early_stop_rate);
  o.Set("looped_but_extractable", r.looped_but_extractable);
  o.Set("mean_seq_rep_4", r.mean_seq_rep_4);
  o.Set("mean_new_tokens", r.mean_new_tokens);
  o.Set("wasted_token_share", r.wasted_token_share);
  if (!r.parent.empty()) o.Set("parent", r.parent);
  if (r.shadow_samples > 0) {
    o.Set("shadow_samples", r.shadow_samples);
    o.Set("shadow_fired", r.shadow_fired);
    o.Set("shadow_escaped", r.shadow_escaped);
    o.Set("escape_rate", r.escape_rate);
    o.Set("escape_ci_low", r.escape_ci_low);
    o.Set("escape_ci_high", r.escape_ci_high);
  }
  if (r.think_opened > 0) {  // only where outputs reason in a think segment
    o.Set("think_opened", r.think_opened);
    o.Set("think_unclosed", r.think_unclosed);
    o.Set("think_doom_loops", r.think_doom_loops);
    o.Set("mean_think_tokens", r.mean_think_tokens);
  }
  o.Set("has_accuracy", r.has_accuracy);
  if (r.has_accuracy) {
    o.Set("n_scored", r.n_scored);
    o.Set("correct", r.correct);
    o.Set("accuracy", r.accuracy);
    o.Set("acc_ci_low", r.acc_ci_low);
    o.Set("acc_ci_high", r.acc_ci_high);
  }
  return o;
}

json::Value TransitionToJson(const Transition& t) {
  json::Value o;
  o.Set("from_checkpoint", t.from.checkpoint);
  o.Set("from_stage", StageName(t.from.stage));
  o.Set("to_checkpoint", t.to.checkpoint);
  o.Set("to_stage", StageName(t.to.stage));
  o.Set("task", t.to.task);
  o.Set("sampling", t.to.sampling);
  o.Set("n_paired", t.n_paired);
  o.Set("newly_looping", t.newly_looping);
  o.Set("recovered", t.recovered);
  o.Set("doom_loop_delta", t.doom_loop_delta);
  o.Set("mcnemar_p", t.mcnemar_p);
  o.Set("has_accuracy", t.has_accuracy);
  if (t.has_accuracy) {
    o.Set("n_acc_paired", t.n_acc_paired);
    o.Set("acc_gained", t.acc_gained);
    o.Set("acc_lost", t.acc_lost);
    o.Set("accuracy_delta", t.accuracy_delta);
    o.Set("accuracy_p", t.accuracy_p);
  }
  return o;
}

json::Value StageReportToJson(const StageReport& report) {
  json::Array rows, transitions;
  for (const StageRow& r : report.rows) rows.push_back(StageRowToJson(r));
  for (const Transition& t : report.transitions) transitions.push_back(TransitionToJson(t));
  json::Value o;
  o.Set("rows", json::Value(std::move(rows)));
  o.Set("transitions", json::Value(std::move(transitions)));
  return o;
}

absl::Status WriteSummary(const std::string& dir, const StageReport& report) {
  return json::WriteFileAtomically(SummaryPath(dir), json::Serialize(StageReportToJson(report)) + "\n");
}

}  // namespace doomscope::results
