// Reading the answers of OpenAI-compatible servers into plain structs: a
// whole /v1/chat/completions or /v1/completions answer, or the chunks of a
// streamed one folded together.
//
// Field names read (what OpenAI, vLLM, llama-server and doomscope send):
//   choices[i].index, .finish_reason,
//   .message.content / .message.tool_calls           (chat)
//   .delta.content / .delta.tool_calls               (chat, streamed; tool
//                                                     call arguments arrive in
//                                                     pieces, joined by index)
//   .text                                            (completions)
//   .token_ids (vLLM, doomscope) or .tokens (llama-server): generated ids
//   .message.reasoning_content / .message.reasoning  (and .delta.*): the
//       reasoning a server's parser split off (llama-server, vLLM with a
//       reasoning parser, DeepSeek's API). It is put back in the text as
//       "<think>\n" + reasoning + "\n</think>\n\n" + content, the closing tag
//       only once the answer started or the choice ended for another reason
//       than length, so the detectors see loops inside reasoning as they do
//       for the bundled engine, and scorers skip it as a think segment.
#ifndef DOOMSCOPE_RESULTS_OPENAI_OPENAI_RESPONSE_H_
#define DOOMSCOPE_RESULTS_OPENAI_OPENAI_RESPONSE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "results/json/json.h"

namespace doomscope::openai {

struct Choice {
  int index = 0;
  std::string text;           // message.content (after any reasoning, see above), or text
  std::string finish_reason;  // as the server wrote it ("stop", "length", "loop", "tool_calls"); "" if none
  // Generated token ids, when the server returned them.
  std::optional<std::vector<int32_t>> token_ids;
  // Chat: the tool calls as an array of {id, type, function: {name, arguments}}; null when none.
  json::Value tool_calls;
  // Streamed: reasoning deltas came and no answer delta yet (the think tag is open).
  bool in_reasoning = false;
};

// The choices of a whole answer, ordered by index. Errors name the field.
absl::StatusOr<std::vector<Choice>> ParseChoices(const json::Value& answer);

// Folds streamed chunks (each a JSON object from Client::Stream) into choices.
class StreamedChoices {
 public:
  // Adds one chunk; `*delta_text`, when given, receives the text it added to
  // choice `*delta_index` (both untouched for a chunk without text).
  absl::Status Add(const json::Value& chunk, std::string* delta_text = nullptr, int* delta_index = nullptr);
  // The choices so far, ordered by index.
  std::vector<Choice> choices() const;
  // Choice `index`, created empty if not seen yet.
  Choice& at(int index);

 private:
  std::vector<Choice> choices_;
};

}  // namespace doomscope::openai

#endif  // DOOMSCOPE_RESULTS_OPENAI_OPENAI_RESPONSE_H_
