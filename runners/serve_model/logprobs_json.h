// The `logprobs` of an answer's choice, in OpenAI's two shapes, for tokens
// [from, to) of a sequence (a whole answer, or the new tokens of a streamed
// chunk).
//
// Which distribution: the model's own (raw logits, before repetition
// penalty, temperature, top-k/p and min-p), whatever the sampling settings:
// what vLLM reports by default (logprobs_mode "raw_logprobs") and
// llama-server with its default post_sampling_probs=false; OpenAI documents
// the log-probability "of this token" without saying more. So a greedy
// answer's log-probabilities are the teacher-forced scores of its tokens
// (engine/token_logprobs.h, the jury's logprob judge), and a sampled one's
// say how likely the model found what the sampler drew.
//
// Token text: the bytes a token adds after the previous one (a special
// token: its piece), as valid UTF-8 (a token holding part of a character
// shows U+FFFD; chat's `bytes` keeps the raw bytes).
//
// /v1/completions ("logprobs": N):
//   {"tokens": [...], "token_logprobs": [...],
//    "top_logprobs": [{text: logprob, ...} per token: the N most likely and
//                     the chosen token],
//    "text_offset": [where each token's text starts in the choice's text,
//                    in code points]}
// /v1/chat/completions ("logprobs": true, "top_logprobs": N):
//   {"content": [{"token", "logprob", "bytes": [...],
//                 "top_logprobs": [{"token", "logprob", "bytes"} x N]}]}
#ifndef DOOMSCOPE_RUNNERS_SERVE_MODEL_LOGPROBS_JSON_H_
#define DOOMSCOPE_RUNNERS_SERVE_MODEL_LOGPROBS_JSON_H_

#include <cstdint>
#include <span>

#include "engine/token_logprobs.h"
#include "engine/tokenizer.h"
#include "results/json/json.h"

namespace doomscope::serve {

struct SequenceLogprobs {
  int32_t prompt_last = -1;  // the last prompt token (what the first token follows)
  std::span<const int32_t> tokens;
  std::span<const engine::TokenLogprob> logprobs;  // one per token
  std::span<const int64_t> text_offsets;           // one per token
};

json::Value CompletionLogprobsJson(const engine::Tokenizer& tokenizer, const SequenceLogprobs& seq, size_t from,
                                   size_t to);
json::Value ChatLogprobsJson(const engine::Tokenizer& tokenizer, const SequenceLogprobs& seq, size_t from, size_t to);

}  // namespace doomscope::serve

#endif  // DOOMSCOPE_RUNNERS_SERVE_MODEL_LOGPROBS_JSON_H_
