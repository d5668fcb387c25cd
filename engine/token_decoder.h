// tokenizer.json's `decoder`: how token strings become text again, with
// Hugging Face tokenizers' semantics: ByteLevel, Replace, ByteFallback, Fuse,
// Strip, Metaspace, BPEDecoder and Sequence of these (each step transforms the
// list of strings; the result is their concatenation). Without a decoder the
// tokens are joined with spaces, as tokenizers does.
//
// DecodeRaw is the same chain without the final UTF-8 repair (ByteLevel's
// from_utf8_lossy, ByteFallback's U+FFFD per bad byte): a streaming printer
// keeps the bytes of a character split across tokens until it is complete.
#ifndef DOOMSCOPE_ENGINE_TOKEN_DECODER_H_
#define DOOMSCOPE_ENGINE_TOKEN_DECODER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/split_regex.h"
#include "engine/tokenizer_json_fields.h"

namespace doomscope::engine {

class TokenDecoder {
 public:
  enum class Kind { kByteLevel, kReplace, kByteFallback, kFuse, kStrip, kMetaspace, kBpeSuffix };
  struct Step {
    Kind kind = Kind::kFuse;
    std::optional<SplitRegex> regex;  // Replace with a Regex pattern
    std::string literal;              // Replace with a String pattern; Strip/Metaspace char; BPE suffix
    std::string content;              // Replace's replacement
    size_t start = 0, stop = 0;       // Strip
    bool prepend_first = true;        // Metaspace: drop the first token's leading replacement
  };

  // `json` may be null.
  static absl::StatusOr<TokenDecoder> FromJson(const Json& json, const std::string& where);
  static TokenDecoder Of(std::vector<Step> steps) { return TokenDecoder(std::move(steps), true); }

  std::string Decode(std::vector<std::string> tokens) const { return Run(std::move(tokens), false); }
  std::string DecodeRaw(std::vector<std::string> tokens) const { return Run(std::move(tokens), true); }

 private:
  TokenDecoder(std::vector<Step> steps, bool present) : steps_(std::move(steps)), present_(present) {}
  static absl::Status AppendSteps(const Json& json, const std::string& where, std::vector<Step>* steps);
  std::string Run(std::vector<std::string> tokens, bool raw) const;
  std::vector<Step> steps_;
  bool present_ = false;
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_TOKEN_DECODER_H_
