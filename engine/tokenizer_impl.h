// The interface behind engine::Tokenizer (tokenizer.h): one implementation per
// tokenization algorithm, immutable once built and shared between threads.
//  - SentencePieceTokenizer: score-ordered merges over code points with byte
//    fallback (llama2.c tok*.bin, GGUF `llama` vocabularies);
//  - BpeTokenizer: Hugging Face's pipeline (added tokens, normalizer,
//    pre-tokenizer, rank-ordered BPE, decoder), built from tokenizer.json or
//    from a GGUF `gpt2` vocabulary.
#ifndef DOOMSCOPE_ENGINE_TOKENIZER_IMPL_H_
#define DOOMSCOPE_ENGINE_TOKENIZER_IMPL_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace doomscope::engine {

// GGUF `tokenizer.ggml.token_type` values; tokenizer.json's special added
// tokens are kControl, its other added tokens kUserDefined.
enum class TokenKind : uint8_t {
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

class TokenizerImpl {
 public:
  virtual ~TokenizerImpl() = default;

  // Appends the ids of `text`. add_special: the BOS/EOS/template tokens the
  // tokenizer adds around a sequence. parse_special: special tokens written in
  // the text become their ids (non-special added tokens always do).
  virtual void Encode(std::string_view text, bool add_special, bool parse_special,
                      std::vector<int32_t>* out) const = 0;
  // The text of `tokens` as a continuation of `prev_token` (-1: at the start).
  // raw: bytes as the tokens hold them, possibly an incomplete UTF-8 character
  // at either end (for streaming); else valid UTF-8 where the algorithm
  // repairs it.
  virtual std::string Decode(std::span<const int32_t> tokens, int32_t prev_token, bool skip_special,
                             bool raw) const = 0;

  virtual int vocab_size() const = 0;
  // The stored text of a token ("" when out of range).
  virtual std::string_view Piece(int32_t token) const = 0;
  virtual TokenKind Kind(int32_t token) const = 0;
  // The id whose stored text is `piece`, or -1.
  virtual int32_t TokenId(std::string_view piece) const = 0;
  // Whether decoding with skip_special drops `token`.
  virtual bool IsSpecial(int32_t token) const = 0;

  virtual float Score(int32_t) const { return 0.0f; }
  virtual int32_t ByteToken(uint8_t) const { return -1; }
  virtual int ByteValue(int32_t) const { return -1; }
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_TOKENIZER_IMPL_H_
