#include "eval/bipartite_matching.h"

#include <functional>

namespace doomscope::eval {

std::vector<int> MaximumBipartiteMatching(const std::vector<std::vector<bool>>& compatible) {
  const int left = static_cast<int>(compatible.size());
  const int right = left == 0 ? 0 : static_cast<int>(compatible[0].size());
  std::vector<int> match_of_left(left, -1);
  std::vector<int> match_of_right(right, -1);
  std::vector<bool> visited(right);
  // Tries to give `l` a partner, moving earlier pairs along an augmenting path.
  std::function<bool(int)> augment = [&](int l) {
    for (int r = 0; r < right; ++r) {
      if (!compatible[l][r] || visited[r]) continue;
      visited[r] = true;
      if (match_of_right[r] < 0 || augment(match_of_right[r])) {
        match_of_right[r] = l;
        match_of_left[l] = r;
        return true;
      }
    }
    return false;
  };
  for (int l = 0; l < left; ++l) {
    visited.assign(right, false);
    augment(l);
  }
  return match_of_left;
}

}  // namespace doomscope::eval
