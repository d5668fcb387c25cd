// D3: n-gram statistics and the RL repetition penalties (DETECTORS.md
// section 4), over "units": token ids at the token level, word ids (the
// whitespace-separated words of the normalized text) at the character level.
//
// Definitions, with G_n the list of n-grams and U_n its distinct set:
//   seq_rep_n  = 1 - |U_n| / |G_n|  (Welleck et al., per sequence); with the
//                SimCTG variant the last n-gram is left out of G_n, as
//                SimCTG's eval_text does (range(len - n));
//   distinct_n = |U_n| / |G_n|; both are 0 when G_n is empty;
//   uniq_tokens = |U_1|;
//   lrs_frac   = (longest substring occurring twice, overlaps allowed) / n;
//   pipis_loop = some pipis_n-gram occurs >= pipis_k times; pipis_first_fire
//                is the prefix length (units) at which that first happens;
//   rep_trl    = -(1 - |U_n| / |G_n|) over rl_token_n-grams, 0 when shorter
//                than n (TRL's token n-gram penalty: [5,5,5,5,5], n=2 -> -0.75);
//   rep40_frac = share of units the dense penalty of Yeo et al. (demystify-
//                long-cot, RepetitionDensePenalty) marks: every n-gram already
//                seen earlier marks its n units; with only_start, a repeated
//                n-gram marks them only when it starts after the previous
//                repeated n-gram's end.
// N-grams are identified by 64-bit hashes (exact-key mixing for n <= 4,
// Karp-Rabin modulo 2^61-1 beyond); a collision is a ~n^2/2^61 event.
#ifndef DOOMSCOPE_DETECTORS_NGRAM_STATS_H_
#define DOOMSCOPE_DETECTORS_NGRAM_STATS_H_

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "detectors/config_defaults.h"
#include "results/proto/detector.pb.h"

namespace doomscope {

struct NgramStats {
  double seq_rep[4] = {0, 0, 0, 0};   // n = 1..4
  double distinct[4] = {0, 0, 0, 0};
  int64_t unique[4] = {0, 0, 0, 0};
  int64_t total[4] = {0, 0, 0, 0};
  int64_t uniq_units = 0;
  double lrs_frac = 0;
  bool pipis_loop = false;
  int64_t pipis_first_fire = 0;
  double rep_trl = 0;
  double rep_dense_frac = 0;
};

// `lrs_lower_bound` is a length already known to repeat (a run of length L
// and period p repeats its first L - p units), which saves most of the LRS
// search on looping outputs; 0 when unknown.
void ComputeNgramStats(std::span<const int32_t> units, const ResolvedConfig::Ngram& params,
                       int64_t lrs_lower_bound, NgramStats* out);

// Word ids of normalized text: words are split at spaces and "\n\n" (what
// normalization leaves of whitespace); equal words get equal ids. With
// `lowercase`, ASCII letters are lowered first (open-r1 lowers with Python's
// str.lower, which also lowers non-ASCII letters; those are kept as they are).
void WordIds(std::string_view normalized_text, bool lowercase, std::vector<int32_t>* ids);

// open-r1's repetition_penalty_reward with max_penalty = -1 on word ids:
// 0 for fewer than n words, else -(1 - |U_n| / |G_n|).
double OpenR1Penalty(std::span<const int32_t> word_ids, int n);
// TRL-style penalty on token ids (same formula over token n-grams).
double TrlPenalty(std::span<const int32_t> ids, int n);
// The dense penalty's marked share of units.
double DenseRepetitionFraction(std::span<const int32_t> ids, int n, bool only_start);
// seq-rep-n pooled over samples: 1 - sum |U_n| / sum |G_n| from their
// unique_n / total_n counts (corpus distinct-n is 1 minus this; with the SimCTG
// variant set it is SimCTG's rep-n, as a fraction rather than a percentage).
double PooledSeqRep(const std::vector<const NgramFindings*>& samples, int n);

// Length of the longest substring that occurs at least twice; `lower_bound`
// must be a length known to repeat (or 0).
int64_t LongestRepeatedSubstring(std::span<const int32_t> x, int64_t lower_bound = 0);

// Frees the reusable buffers of the n-gram passes (hashes, the counting set,
// the word dictionary) when a huge sample grew them past kKeepScratchBytes.
void ReleaseNgramScratch();

}  // namespace doomscope

#endif  // DOOMSCOPE_DETECTORS_NGRAM_STATS_H_
