// How a jury's votes become one score per sample.
//
// A vote is a judge's score in [0, 1]; a judge that abstained (or has not
// voted yet) gives no vote. The panel never shrinks silently: a sample needs
// `quorum` votes (default: more than half the panel) for an aggregate, and
// every missing vote is counted in the report.
//
//   MEAN          mean of the votes
//   MEDIAN        median of the votes (the mean of the middle two for an even count)
//   MAJORITY      1 when more votes pass (score >= pass_threshold) than fail,
//                 0 when more fail. Tie rule: the side whose votes lie farther
//                 from the threshold on average (the more confident side)
//                 wins; an exact tie there fails, so a split panel never
//                 makes a sample look good. Never decided by judge order.
//   RANK_AVERAGE  within each group (the rollouts of one prompt by one
//                 checkpoint), each judge's scores are ranked (tied scores
//                 share the mean of their ranks) and scaled to [0, 1] as
//                 (rank - 1) / (n - 1) over the n samples that judge scored in
//                 the group (0.5 when n = 1); a sample's aggregate is the mean
//                 of its scaled ranks. Judges with different scales count
//                 equally.
#ifndef DOOMSCOPE_EVAL_JURY_AGGREGATE_H_
#define DOOMSCOPE_EVAL_JURY_AGGREGATE_H_

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "results/proto/jury.pb.h"

namespace doomscope::jury {

struct SampleVotes {
  std::string group;  // RANK_AVERAGE ranks within a group
  std::vector<std::optional<double>> scores;  // one per judge, panel order; nullopt = no vote
};

struct Aggregate {
  bool scored = false;    // quorum met
  double value = 0;       // [0, 1] when scored
  int votes = 0;
  int missing = 0;        // judges of the panel without a vote
  bool tie_broken = false;  // MAJORITY decided by the tie rule
};

int EffectiveQuorum(const JuryConfig& jury);
double EffectivePassThreshold(const JuryConfig& jury);
Aggregation EffectiveAggregation(const JuryConfig& jury);

// One Aggregate per sample, in order.
std::vector<Aggregate> AggregateVotes(std::span<const SampleVotes> samples, const JuryConfig& jury);

// MAJORITY of one sample's votes with the tie rule above; sets *tie_broken.
double MajorityVote(std::span<const double> votes, double threshold, bool* tie_broken);
double Median(std::vector<double> values);

// Ranks of `values` (1 = smallest), ties sharing the mean of their ranks.
std::vector<double> MidRanks(std::span<const double> values);

}  // namespace doomscope::jury

#endif  // DOOMSCOPE_EVAL_JURY_AGGREGATE_H_
