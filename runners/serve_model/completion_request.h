// The body of POST /v1/completions and /v1/chat/completions, checked and read
// into a plain struct. Every refusal names the field (OpenAI's error "param").
//
// Fields read (others are ignored, as OpenAI-compatible servers do):
//   model                   string, not checked against the served model
//   prompt                  completions: a string, or an array of token ids (used as
//                           given; a string is encoded with BOS, like the runner does)
//   messages                chat: [{role, content, ...}], content a string, null, or
//                           [{type: "text", text}] parts; other keys pass to the template
//   tools                   chat: tool definitions, passed to the chat template
//   chat_template_kwargs    chat: {"enable_thinking": bool} for templates that read it
//   max_tokens              >= 0 (max_completion_tokens is an alias); default: the rest
//                           of the context
//   temperature             >= 0, default 1 (0 = greedy)
//   top_p                   (0, 1], default 1
//   top_k, min_p, repetition_penalty   the engine's samplers (vLLM/llama-server names)
//   seed                    integer; choice i samples with sequence id seed + i (the
//                           runner's per-sample seed gives the in-process engine's draws)
//   stop                    a string or up to 4 strings; output is cut before them
//   n                       choices, 1..16
//   stream                  server-sent events; stream_options.include_usage
//   logprobs                completions: an integer N in [0, kMaxLogprobs], each token's
//                           log-probability and the N most likely alternatives
//                           (logprobs_json.h); chat: true or false
//   top_logprobs            chat, with logprobs true: N in [0, kMaxLogprobs] alternatives
//   stop_on_loop            doomscope: stop a sequence when the streaming doom-loop rule
//                           fires (finish_reason "loop")
//   return_token_ids        return the generated ids (choices[i].token_ids) and the
//                           prompt's (prompt_token_ids); "return_tokens" is an alias
#ifndef DOOMSCOPE_RUNNERS_SERVE_MODEL_COMPLETION_REQUEST_H_
#define DOOMSCOPE_RUNNERS_SERVE_MODEL_COMPLETION_REQUEST_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "results/json/json.h"

namespace doomscope::serve {

inline constexpr int kMaxChoices = 16;
inline constexpr int kMaxStopStrings = 4;
// vLLM's default max_logprobs and OpenAI's top_logprobs limit.
inline constexpr int kMaxLogprobs = 20;

struct CompletionRequest {
  bool chat = false;
  std::string model;
  // Completions: the prompt text, or its token ids when given as ids.
  std::string prompt;
  std::vector<int32_t> prompt_tokens;
  // Chat: the conversation and the tools, as the chat template reads them.
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  nlohmann::ordered_json tools;  // null: none
  std::optional<bool> enable_thinking;
  std::optional<int64_t> max_tokens;
  double temperature = 1.0;
  double top_p = 1.0;
  int top_k = 0;
  double min_p = 0.0;
  double repetition_penalty = 1.0;
  std::optional<uint64_t> seed;
  std::vector<std::string> stop;
  int n = 1;
  bool stream = false;
  bool include_usage = false;
  // Alternatives per token when log-probabilities are asked for (completions'
  // logprobs, chat's top_logprobs or 0).
  std::optional<int> logprobs;
  bool stop_on_loop = false;
  bool return_token_ids = false;
};

// A refusal: the offending field and why.
struct RequestError {
  std::string param;
  std::string message;
};

// Reads `body` (a JSON object) for the chat endpoint when `chat`, else for
// completions. On failure returns false and fills `*error`.
bool ParseCompletionRequest(const json::Value& body, bool chat, CompletionRequest* out, RequestError* error);

// The prompt of a chat for a model without a chat template: one
// "Role: content" paragraph per message, then "Assistant:".
std::string PlainChatPrompt(const nlohmann::ordered_json& messages);

}  // namespace doomscope::serve

#endif  // DOOMSCOPE_RUNNERS_SERVE_MODEL_COMPLETION_REQUEST_H_
