// A run folder's samples as one jury sees them: each sample's stored votes
// (one per judge of the panel, or none yet), its aggregate, and the jury
// report (per-judge scores and abstentions, Krippendorff's alpha across the
// judges, each judge's agreement with the task score), as JSON for
// `doomscope judge`, DIR/jury/report.json, `export` and the dashboard.
#ifndef DOOMSCOPE_EVAL_JURY_JURY_VIEW_H_
#define DOOMSCOPE_EVAL_JURY_JURY_VIEW_H_

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "eval/jury/aggregate.h"
#include "results/json/json.h"
#include "results/proto/jury.pb.h"
#include "results/proto/record.pb.h"

namespace doomscope::jury {

// The vote stored for (sample id, judge), or null.
using VoteLookup = std::function<const JudgeVote*(const std::string& sample_id, const JudgeIdentity& judge)>;

struct JuryView {
  JuryConfig jury;
  std::vector<JudgeIdentity> judges;               // panel order
  std::vector<std::vector<const JudgeVote*>> votes;  // [sample][judge], null = no vote stored
  std::vector<SampleVotes> sample_votes;           // [sample]: group and non-abstaining scores
  std::vector<Aggregate> aggregates;               // [sample]
};

// The group of a sample for RANK_AVERAGE and preference pairs: one prompt of
// one task by one checkpoint (all its sampling configs and rollouts).
std::string PromptGroup(const SampleRecord& record);

// `records` must outlive the view's use of them only through the indices.
JuryView BuildJuryView(std::span<const SampleRecord> records, const JuryManifest& manifest,
                       const VoteLookup& lookup);

// "rule:REPETITION", "logprob", "openai".
std::string JudgeKindName(const JudgeConfig& judge);

// One sample's jury as `export` prints it:
// {"aggregate": x | null, "votes": n, "missing": m,
//  "judges": {"NAME": {"score": s, "raw": r} | {"abstained": "reason"} | null}}.
json::Value SampleJuryJson(const JuryView& view, size_t sample);

// The jury report (see the file comment); `records` as given to BuildJuryView.
json::Value JuryReportJson(const JuryView& view, std::span<const SampleRecord> records);

}  // namespace doomscope::jury

#endif  // DOOMSCOPE_EVAL_JURY_JURY_VIEW_H_
