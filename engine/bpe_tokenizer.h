// Hugging Face tokenizers' encode/decode pipeline over a BPE model:
//   input -> (repair invalid UTF-8) -> split out non-normalized added tokens
//   -> normalize each remaining piece -> split out normalized added tokens
//   -> pre-tokenize -> BPE per word -> (add special tokens)
// and decode: token strings (added tokens as written) through the decoder.
// Built from tokenizer.json (tokenizer_json.h) or a GGUF `gpt2` vocabulary.
#ifndef DOOMSCOPE_ENGINE_BPE_TOKENIZER_H_
#define DOOMSCOPE_ENGINE_BPE_TOKENIZER_H_

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "engine/added_tokens.h"
#include "engine/bpe_model.h"
#include "engine/pre_tokenizer.h"
#include "engine/special_tokens_template.h"
#include "engine/text_normalizer.h"
#include "engine/token_decoder.h"
#include "engine/tokenizer_impl.h"

namespace doomscope::engine {

struct BpeTokenizerParts {
  TextNormalizer normalizer = TextNormalizer::Of({});
  PreTokenizer pre_tokenizer = PreTokenizer::Of({});
  std::unique_ptr<BpeModel> model;
  std::vector<AddedToken> added_tokens;
  TokenDecoder decoder = TokenDecoder::Of({});
  SpecialTokensTemplate specials;  // what add_special adds
};

class BpeTokenizer : public TokenizerImpl {
 public:
  explicit BpeTokenizer(BpeTokenizerParts parts);

  void Encode(std::string_view text, bool add_special, bool parse_special, std::vector<int32_t>* out) const override;
  std::string Decode(std::span<const int32_t> tokens, int32_t prev_token, bool skip_special,
                     bool raw) const override;
  int vocab_size() const override { return vocab_size_; }
  std::string_view Piece(int32_t token) const override;
  TokenKind Kind(int32_t token) const override;
  int32_t TokenId(std::string_view piece) const override;
  bool IsSpecial(int32_t token) const override;
  int32_t ByteToken(uint8_t b) const override;
  int ByteValue(int32_t token) const override;

  const SpecialTokensTemplate& specials() const { return parts_.specials; }
  void set_specials(SpecialTokensTemplate t) { parts_.specials = std::move(t); }

 private:
  // Normalizes, pre-tokenizes and runs the model on one piece of plain text.
  void EncodeText(std::string_view text, bool at_start, bool parse_special, std::vector<int32_t>* out) const;
  std::string DecodeAll(std::span<const int32_t> tokens, bool skip_special, bool raw) const;

  BpeTokenizerParts parts_;
  AddedTokenMatcher matcher_;
  absl::flat_hash_map<int32_t, size_t> added_by_id_;  // index into parts_.added_tokens
  std::vector<std::string> added_decoded_;            // per added token: its text in decoding
  int vocab_size_ = 0;
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_BPE_TOKENIZER_H_
