// SentencePiece-style BPE tokenizer with byte fallback, as llama2.c's run.c
// implements it (and as llama.cpp does for GGUF `tokenizer.ggml.model = llama`).
//
// Encode: optional BOS; a dummy prefix " " token when the text is not empty;
// the text split into UTF-8 code points (at most 4 bytes each), each looked up
// as a piece, or, when absent, written as its bytes' `<0xNN>` tokens; then,
// repeatedly, the adjacent pair whose concatenated piece exists in the
// vocabulary with the highest score is merged (leftmost pair on ties; scores
// <= -1e10 or NaN never merge). Pieces store spaces as ASCII ' ' (GGUF's U+2581
// is converted on load).
//
// Special tokens: GGUF control and unknown tokens written in the text become
// their ids when special parsing is on, user-defined ones always (llama.cpp's
// tokenizer_st_partition); each text fragment after one gets the dummy prefix.
//
// Decode: a piece; after BOS a leading space is dropped; `<0xNN>` pieces
// become the raw byte; control tokens (BOS, EOS, other GGUF control tokens)
// decode to nothing; out-of-range ids decode to nothing.
#ifndef DOOMSCOPE_ENGINE_SENTENCEPIECE_TOKENIZER_H_
#define DOOMSCOPE_ENGINE_SENTENCEPIECE_TOKENIZER_H_

#include <array>
#include <memory>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "engine/added_tokens.h"
#include "engine/tokenizer_impl.h"

namespace doomscope::engine {

// Everything a tokenizer is built from; the file loaders fill this in.
struct TokenizerVocab {
  std::vector<std::string> pieces;  // spaces as ' '
  std::vector<float> scores;        // same length as pieces
  std::vector<TokenKind> kinds;     // same length as pieces
  int32_t bos_id = 1;
  int32_t eos_id = 2;
  int32_t unk_id = 0;
  bool add_dummy_prefix = true;
  // run.c looks every piece up, control and byte pieces included; llama.cpp
  // matches only normal and user-defined pieces against text.
  bool match_all_pieces = true;
  std::string source;  // for error messages
};

class SentencePieceTokenizer : public TokenizerImpl {
 public:
  // Validates a vocabulary (lengths agree, special ids in range, byte pieces well formed).
  static absl::StatusOr<std::unique_ptr<SentencePieceTokenizer>> Create(TokenizerVocab vocab);

  void Encode(std::string_view text, bool add_special, bool parse_special, std::vector<int32_t>* out) const override;
  std::string Decode(std::span<const int32_t> tokens, int32_t prev_token, bool skip_special,
                     bool raw) const override;
  int vocab_size() const override { return static_cast<int>(vocab_.pieces.size()); }
  std::string_view Piece(int32_t token) const override;
  TokenKind Kind(int32_t token) const override;
  int32_t TokenId(std::string_view piece) const override;
  bool IsSpecial(int32_t token) const override;
  float Score(int32_t token) const override;
  int32_t ByteToken(uint8_t b) const override { return byte_token_[b]; }
  int ByteValue(int32_t token) const override;

  const TokenizerVocab& vocab() const { return vocab_; }

 private:
  explicit SentencePieceTokenizer(TokenizerVocab vocab) : vocab_(std::move(vocab)) {}
  // Id of the piece equal to `text` among the matchable pieces, or -1.
  int32_t Lookup(std::string_view text) const;
  // Appends the token(s) for one code point (its bytes on a miss).
  void AppendPieceOrBytes(std::string_view text, std::vector<int32_t>* out) const;
  void MergePairs(std::vector<int32_t>* symbols) const;
  void EncodeFragment(std::string_view text, bool dummy_prefix, std::vector<int32_t>* out) const;
  // The text of `token` when it follows `prev_token` (-1: none).
  std::string DecodeOne(int32_t prev_token, int32_t token) const;

  TokenizerVocab vocab_;
  absl::flat_hash_map<std::string, int32_t> piece_to_id_;
  std::array<int32_t, 256> byte_token_{};
  std::vector<int16_t> byte_value_;  // per token: the byte of a <0xNN> piece, else -1
  size_t max_piece_length_ = 0;
  AddedTokenMatcher specials_;  // GGUF control/user-defined tokens found in text
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_SENTENCEPIECE_TOKENIZER_H_
