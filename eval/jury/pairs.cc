#include "eval/jury/pairs.h"

#include <map>

namespace doomscope::jury {
namespace {

// Whether rollout a ranks above rollout b (see the tie rule in pairs.h).
bool Better(const Rollout& a, const Rollout& b) {
  if (a.score != b.score) return a.score > b.score;
  if (a.vote_mean != b.vote_mean) return a.vote_mean > b.vote_mean;
  if (a.length != b.length) return a.length < b.length;
  return a.sample_id < b.sample_id;
}

}  // namespace

PairSelection SelectPairs(std::span<const Rollout> rollouts, double min_margin) {
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i = 0; i < rollouts.size(); ++i) groups[rollouts[i].group].push_back(i);
  PairSelection out;
  for (const auto& [group, members] : groups) {
    std::vector<size_t> scored;
    for (size_t i : members) {
      if (rollouts[i].scored) scored.push_back(i);
    }
    if (scored.size() < 2) {
      ++out.skipped.too_few_scored;
      continue;
    }
    const Rollout* chosen = nullptr;
    size_t chosen_index = 0;
    for (size_t i : scored) {
      const Rollout& r = rollouts[i];
      if (r.doom_loop) continue;
      if (chosen == nullptr || Better(r, *chosen)) {
        chosen = &r;
        chosen_index = i;
      }
    }
    if (chosen == nullptr) {
      ++out.skipped.all_loop;
      continue;
    }
    // The worst loop, else the worst of the rest.
    const Rollout* rejected = nullptr;
    size_t rejected_index = 0;
    for (int pass = 0; pass < 2 && rejected == nullptr; ++pass) {
      const bool want_loop = pass == 0;
      for (size_t i : scored) {
        const Rollout& r = rollouts[i];
        if (r.doom_loop != want_loop || i == chosen_index) continue;
        if (rejected == nullptr || Better(*rejected, r)) {
          rejected = &r;
          rejected_index = i;
        }
      }
    }
    if (!rejected->doom_loop) {
      const double margin = chosen->score - rejected->score;
      if (margin <= 0) {
        ++out.skipped.tied;
        continue;
      }
      if (margin < min_margin) {
        ++out.skipped.below_margin;
        continue;
      }
    }
    out.pairs.push_back({chosen_index, rejected_index, rejected->doom_loop});
    if (rejected->doom_loop) ++out.looping_rejected;
  }
  return out;
}

}  // namespace doomscope::jury
