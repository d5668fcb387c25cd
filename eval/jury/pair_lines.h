// One preference pair as the JSONL line `doomscope pairs` writes, loadable
// as-is by TRL's DPOTrainer:
//   {"prompt": P, "chosen": C, "rejected": R,            TRL's names: strings, or
//                                                        for chat tasks the
//                                                        conversational form
//                                                        (lists of {"role","content"})
//    "chosen_score": x, "rejected_score": y, "margin": x - y,
//    "chosen_sample_id": "...", "rejected_sample_id": "...",   `export`'s sample_id
//    "checkpoint": "...", "task": "...", "item_id": "...",
//    "chosen_sampling": "...", "rejected_sampling": "...",
//    "rejected_doom_loop": bool,
//    "rejected_findings": {"kind", "finish_reason", "loop_any", "period_units",
//                          "repeats", "coverage", "onset_frac", "unit_preview",
//                          "seq_rep_4", "pipis_loop"}}
#ifndef DOOMSCOPE_EVAL_JURY_PAIR_LINES_H_
#define DOOMSCOPE_EVAL_JURY_PAIR_LINES_H_

#include <optional>

#include "results/json/json.h"
#include "results/proto/record.pb.h"

namespace doomscope::jury {

struct PairSides {
  const SampleRecord* chosen = nullptr;
  const SampleRecord* rejected = nullptr;
  double chosen_score = 0;
  double rejected_score = 0;
  // Chat tasks: the prompt as messages ([{"role", "content"}...]); the
  // sides then become single assistant messages. nullopt: plain strings.
  std::optional<json::Value> prompt_messages;
};

json::Value PairLine(const PairSides& pair);

// The loop findings of a sample, as pair lines carry them.
json::Value LoopFindingsJson(const SampleRecord& sample);

}  // namespace doomscope::jury

#endif  // DOOMSCOPE_EVAL_JURY_PAIR_LINES_H_
