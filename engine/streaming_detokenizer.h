// Token-by-token text for streaming output (generate's live printing, the
// model server's SSE chunks): each Push returns the text that is final now,
// never the first bytes of a character whose other bytes are still to come
// (byte-level and byte-fallback tokens often split one UTF-8 character).
// Invalid bytes are emitted as U+FFFD once they cannot start a character;
// Finish flushes whatever is left. The concatenation of the outputs equals
// the UTF-8-repaired Decode of the whole sequence.
#ifndef DOOMSCOPE_ENGINE_STREAMING_DETOKENIZER_H_
#define DOOMSCOPE_ENGINE_STREAMING_DETOKENIZER_H_

#include <cstdint>
#include <string>

#include "engine/tokenizer.h"

namespace doomscope::engine {

class StreamingDetokenizer {
 public:
  // `prev_token`: the last prompt token (-1 when the stream starts the text).
  explicit StreamingDetokenizer(const Tokenizer& tokenizer, int32_t prev_token = -1)
      : tokenizer_(&tokenizer), prev_(prev_token) {}

  // The text that `token` completes (possibly empty).
  std::string Push(int32_t token);
  // The rest: an unfinished character at the end becomes U+FFFD.
  std::string Finish();

 private:
  const Tokenizer* tokenizer_;
  int32_t prev_;
  std::string pending_;  // bytes not yet emitted (an incomplete character)
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_STREAMING_DETOKENIZER_H_
