// Teacher-forced scoring: the log-probability the model gives each token of a
// continuation after a prompt (what a likelihood judge, perplexity and DPO's
// log-ratios need). The whole sequence runs through Transformer::Step in
// chunks of prefill rows; only the rows that predict a continuation token
// ask for logits.
#ifndef DOOMSCOPE_ENGINE_TOKEN_LOGPROBS_H_
#define DOOMSCOPE_ENGINE_TOKEN_LOGPROBS_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/forward.h"

namespace doomscope::engine {

// log p(continuation[i] | prompt, continuation[0..i)) for every i, natural
// log, computed in double from the float32 logits. `prompt` must be non-empty
// (BOS at least); prompt + continuation must fit the model's context and every
// id its vocabulary (InvalidArgument otherwise).
absl::StatusOr<std::vector<double>> ContinuationLogprobs(Transformer& model, std::span<const int32_t> prompt,
                                                        std::span<const int32_t> continuation, int threads);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_TOKEN_LOGPROBS_H_
