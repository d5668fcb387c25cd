#include "eval/jury/pair_lines.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"

namespace doomscope::jury {
namespace {

json::Value AssistantTurn(const std::string& text) {
  json::Value message;
  message.Set("role", "assistant");
  message.Set("content", text);
  return json::Value(json::Array{std::move(message)});
}

}  // namespace

json::Value LoopFindingsJson(const SampleRecord& sample) {
  const DetectorFindings& f = sample.findings();
  json::Value out;
  out.Set("kind", absl::AsciiStrToLower(LoopKind_Name(f.verdict().kind())));
  out.Set("finish_reason", absl::AsciiStrToLower(FinishReason_Name(f.finish_reason())));
  out.Set("loop_any", f.verdict().loop_any());
  out.Set("period_units", f.tail().period_units());
  out.Set("repeats", f.tail().repeats());
  out.Set("coverage", f.tail().coverage());
  out.Set("onset_frac", f.tail().onset_frac());
  out.Set("unit_preview", f.tail().unit_preview());
  out.Set("seq_rep_4", f.ngram().seq_rep_4());
  out.Set("pipis_loop", f.ngram().pipis_loop());
  return out;
}

json::Value PairLine(const PairSides& pair) {
  const SampleRecord& c = *pair.chosen;
  const SampleRecord& r = *pair.rejected;
  json::Value line;
  if (pair.prompt_messages.has_value()) {
    line.Set("prompt", *pair.prompt_messages);
    line.Set("chosen", AssistantTurn(c.text()));
    line.Set("rejected", AssistantTurn(r.text()));
  } else {
    line.Set("prompt", c.prompt());
    line.Set("chosen", c.text());
    line.Set("rejected", r.text());
  }
  line.Set("chosen_score", pair.chosen_score);
  line.Set("rejected_score", pair.rejected_score);
  line.Set("margin", pair.chosen_score - pair.rejected_score);
  line.Set("chosen_sample_id", c.sample_id());
  line.Set("rejected_sample_id", r.sample_id());
  line.Set("checkpoint", c.checkpoint());
  line.Set("task", c.task());
  line.Set("item_id", c.item_id());
  line.Set("chosen_sampling", c.sampling());
  line.Set("rejected_sampling", r.sampling());
  line.Set("rejected_doom_loop", r.findings().verdict().doom_loop());
  line.Set("rejected_findings", LoopFindingsJson(r));
  return line;
}

}  // namespace doomscope::jury
