// Teacher-forced scoring: the log-probability the model gives each token of a
// continuation after a prompt (what a likelihood judge, perplexity and DPO's
// log-ratios need). The whole sequence runs through Transformer::Step in
// chunks of prefill rows; only the rows that predict a continuation token
// ask for logits.
#ifndef DOOMSCOPE_ENGINE_TOKEN_LOGPROBS_H_
#define DOOMSCOPE_ENGINE_TOKEN_LOGPROBS_H_

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/forward.h"

namespace doomscope::engine {

// The log-softmax of one row of logits: log p(t) = logit[t] - max - log_sum,
// computed in double from the float32 logits. Scoring (below) and the
// generator's per-token log-probabilities both use it, so a greedy
// generation's log-probabilities equal the teacher-forced scores of its
// tokens bit for bit.
struct LogSoftmaxRow {
  explicit LogSoftmaxRow(std::span<const float> logits);
  double At(int32_t token) const { return static_cast<double>(logits_[token]) - max_ - log_sum_; }

 private:
  std::span<const float> logits_;
  float max_;
  double log_sum_;
};

// A generated token's log-probability under the model's distribution (the raw
// logits: before repetition penalty, temperature, top-k/p and min-p, as
// vLLM's default "raw_logprobs" and llama-server's default
// post_sampling_probs=false report it) and the `top` most likely tokens of
// that distribution, most likely first (the lower id first among equals).
struct TokenLogprob {
  int32_t token = 0;
  double logprob = 0;
  std::vector<std::pair<int32_t, double>> top;
};
TokenLogprob LogprobsOf(std::span<const float> logits, int32_t token, int top);

// log p(continuation[i] | prompt, continuation[0..i)) for every i, natural
// log, computed in double from the float32 logits. `prompt` must be non-empty
// (BOS at least); prompt + continuation must fit the model's context and every
// id its vocabulary (InvalidArgument otherwise).
absl::StatusOr<std::vector<double>> ContinuationLogprobs(Transformer& model, std::span<const int32_t> prompt,
                                                        std::span<const int32_t> continuation, int threads);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_TOKEN_LOGPROBS_H_
