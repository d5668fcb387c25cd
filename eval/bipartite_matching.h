// Maximum bipartite matching by augmenting paths (Kuhn's algorithm), for
// pairing expected calls with model calls. BFCL pairs them greedily (each
// expected call takes the first compatible model call still free), which can
// fail where a perfect pairing exists; this finds one whenever one exists.
#ifndef DOOMSCOPE_EVAL_BIPARTITE_MATCHING_H_
#define DOOMSCOPE_EVAL_BIPARTITE_MATCHING_H_

#include <vector>

namespace doomscope::eval {

// compatible[l][r]: left vertex l may pair with right vertex r (every row has
// the same number of columns). Returns, for each left vertex, its right partner
// or -1, in a matching of maximum size.
std::vector<int> MaximumBipartiteMatching(const std::vector<std::vector<bool>>& compatible);

}  // namespace doomscope::eval

#endif  // DOOMSCOPE_EVAL_BIPARTITE_MATCHING_H_
