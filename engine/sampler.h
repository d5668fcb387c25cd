// Choosing the next token from logits, one Sampler per sequence.
//
// Order of operations: repetition penalty on the logits of tokens in the last
// `repetition_last_n` tokens of the sequence (prompt included; CTRL-style: a
// positive logit is divided by the penalty, a negative one multiplied), then
// temperature 0 means greedy (argmax, lowest id on ties); otherwise the logits
// are divided by the temperature, top-k keeps the k largest, softmax, top-p
// keeps the smallest set of most likely tokens whose mass reaches p, min-p
// drops tokens below min_p times the top probability, and one token is drawn
// from what is left (renormalized). Candidates are ordered by (probability
// descending, id ascending), so ties never depend on sort stability.
//
// Each sequence draws from its own generator seeded from (seed, sequence id),
// so a request gets the same tokens whatever else is in the batch, the batch
// size or the thread count.
#ifndef DOOMSCOPE_ENGINE_SAMPLER_H_
#define DOOMSCOPE_ENGINE_SAMPLER_H_

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace doomscope::engine {

struct SamplingParams {
  float temperature = 0.0f;         // 0: greedy
  int top_k = 0;                    // 0: off
  float top_p = 1.0f;               // 1: off
  float min_p = 0.0f;               // 0: off
  float repetition_penalty = 1.0f;  // 1: off
  int repetition_last_n = 64;       // window for the penalty; -1: the whole sequence
  uint64_t seed = 0;
};

// Rejects negative or non-finite temperatures, top_p outside (0, 1], min_p
// outside [0, 1], a penalty <= 0, top_k < 0 and repetition_last_n < -1.
absl::Status ValidateSamplingParams(const SamplingParams& p);

// xoshiro256** seeded through splitmix64.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t Next();
  // Uniform in [0, 1) with 53 random bits.
  double Uniform();

 private:
  uint64_t s_[4];
};

// The seed of sequence `id` under request seed `seed`.
uint64_t SequenceSeed(uint64_t seed, uint64_t id);

// Index of the largest finite value (the lowest index among equals); 0 if none.
int32_t Argmax(std::span<const float> logits);

class Sampler {
 public:
  Sampler(const SamplingParams& params, uint64_t sequence_id);

  // Picks the next token. `logits` (vocab_size values) is modified in place.
  // `history` is the sequence so far (prompt, then generated tokens).
  int32_t Sample(std::span<float> logits, std::span<const int32_t> history);

  const SamplingParams& params() const { return params_; }

 private:
  void ApplyRepetitionPenalty(std::span<float> logits, std::span<const int32_t> history);

  SamplingParams params_;
  Rng rng_;
  std::vector<std::pair<float, int32_t>> candidates_;  // (probability or logit, token)
  std::vector<int32_t> window_;
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_SAMPLER_H_
