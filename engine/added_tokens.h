// Added tokens (tokenizer.json's `added_tokens`, GGUF control and
// user-defined tokens): strings that are cut out of the input before
// normalization and pre-tokenization and become their id directly, as Hugging
// Face's AddedVocabulary does:
//  - matches are found leftmost-longest, scanning on after each match;
//  - `single_word` tokens only match where no word character touches them;
//  - `lstrip`/`rstrip` tokens swallow the whitespace on their left/right;
//  - tokens with `normalized` match the normalized text (their pattern is
//    normalized too), the others the raw input;
//  - special tokens are skipped (left as text) when special parsing is off.
#ifndef DOOMSCOPE_ENGINE_ADDED_TOKENS_H_
#define DOOMSCOPE_ENGINE_ADDED_TOKENS_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace doomscope::engine {

class TextNormalizer;

struct AddedToken {
  std::string content;
  int32_t id = -1;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool single_word = false;
  bool normalized = false;
};

class AddedTokenMatcher {
 public:
  AddedTokenMatcher() = default;
  // `normalizer` (may be null) gives the patterns of normalized tokens.
  AddedTokenMatcher(std::vector<AddedToken> tokens, const TextNormalizer* normalizer);

  // A piece of the input: text (id < 0) or an added token.
  struct Segment {
    size_t begin, end;
    int32_t id;
  };
  // Splits `text` on the tokens of one pass (normalized or not). Empty text
  // gives no segment.
  void Split(std::string_view text, bool normalized_pass, bool parse_special, std::vector<Segment>* out) const;

  bool has_normalized() const { return !passes_[1].patterns.empty(); }
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  struct Pass {
    std::vector<std::string> patterns;  // parallel to `token_index`
    std::vector<size_t> token_index;
    std::array<std::vector<int>, 256> by_first_byte;  // pattern indices, longest first
  };
  std::vector<AddedToken> tokens_;
  std::array<Pass, 2> passes_;
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_ADDED_TOKENS_H_
