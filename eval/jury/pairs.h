// Preference pairs from judged rollouts (the on-policy DPO recipe: several
// temperature rollouts and one greedy rollout per prompt, a jury scores them,
// best = chosen, worst = rejected, loops rejected).
//
// Per group (the rollouts of one prompt by one checkpoint), over the rollouts
// with a jury aggregate:
//   - fewer than two: skipped ("too_few_scored");
//   - every one a doom loop: skipped ("all_loop");
//   - chosen: the best aggregate among the rollouts that are not doom loops;
//   - rejected: the worst aggregate among the doom loops when there is one
//     (a loop is rejected before any non-looping rollout, whatever its
//     score), else the worst among the rest;
//   - a pair with a non-looping rejected side needs chosen - rejected > 0
//     ("tied" otherwise) and >= min_margin ("below_margin"); a looping
//     rejected side is rejected by its verdict, so no margin applies.
// Ties in the aggregate are broken, in order, by the mean of the rollout's
// votes (higher is better), by the output's length (the shorter is chosen,
// the longer rejected), then by sample id; never by the order of the input.
#ifndef DOOMSCOPE_EVAL_JURY_PAIRS_H_
#define DOOMSCOPE_EVAL_JURY_PAIRS_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace doomscope::jury {

struct Rollout {
  std::string sample_id;
  std::string group;
  bool scored = false;    // has an aggregate
  double score = 0;       // the aggregate
  double vote_mean = 0;   // mean of its votes (tie-break)
  int64_t length = 0;     // output bytes (tie-break)
  bool doom_loop = false;
};

struct PreferencePair {
  size_t chosen = 0;    // indices into the rollouts
  size_t rejected = 0;
  bool rejected_loops = false;
};

struct PairSkips {
  int64_t too_few_scored = 0;
  int64_t all_loop = 0;
  int64_t tied = 0;
  int64_t below_margin = 0;
};

struct PairSelection {
  std::vector<PreferencePair> pairs;  // in group order (groups sorted by key)
  PairSkips skipped;
  int64_t looping_rejected = 0;
  double looping_rejected_share() const {
    return pairs.empty() ? 0 : static_cast<double>(looping_rejected) / static_cast<double>(pairs.size());
  }
};

PairSelection SelectPairs(std::span<const Rollout> rollouts, double min_margin);

}  // namespace doomscope::jury

#endif  // DOOMSCOPE_EVAL_JURY_PAIRS_H_
