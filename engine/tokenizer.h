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
// Decode: a piece; after BOS a leading space is dropped; `<0xNN>` pieces
// become the raw byte; control tokens (BOS, EOS, other GGUF control tokens)
// decode to nothing; out-of-range ids decode to nothing.
#ifndef DOOMSCOPE_ENGINE_TOKENIZER_H_
#define DOOMSCOPE_ENGINE_TOKENIZER_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace doomscope::engine {

class GgufFile;

// GGUF `tokenizer.ggml.token_type` values.
enum class TokenKind : uint8_t {
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

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

class Tokenizer {
 public:
  // Reads a llama2.c tokenizer file (tok*.bin, tokenizer.bin) holding
  // `vocab_size` tokens: uint32 max_token_length, then per token float32 score,
  // int32 length, bytes. The file must end right after the last token.
  static absl::StatusOr<Tokenizer> FromLlama2cFile(const std::string& path, int vocab_size);
  static absl::StatusOr<Tokenizer> FromLlama2cBytes(std::span<const std::byte> bytes,
                                                    const std::string& name, int vocab_size);
  // Reads the embedded vocabulary of a GGUF (`tokenizer.ggml.model` = "llama").
  static absl::StatusOr<Tokenizer> FromGguf(const GgufFile& gguf);
  // Validates a vocabulary (lengths agree, special ids in range, byte pieces well formed).
  static absl::StatusOr<Tokenizer> FromVocab(TokenizerVocab vocab);

  std::vector<int32_t> Encode(std::string_view text, bool add_bos) const;
  // The text of `token` when it follows `prev_token` (-1: none).
  std::string DecodeToken(int32_t prev_token, int32_t token) const;
  // The concatenated DecodeToken of every token, each after its predecessor;
  // the first follows `prev_token`. Decode(prompt_ids_with_bos + generated)
  // is run.c's printed output.
  std::string Decode(std::span<const int32_t> tokens, int32_t prev_token = -1) const;

  int32_t bos_id() const { return vocab_.bos_id; }
  int32_t eos_id() const { return vocab_.eos_id; }
  int32_t unk_id() const { return vocab_.unk_id; }
  int vocab_size() const { return static_cast<int>(vocab_.pieces.size()); }
  // The stored piece (spaces as ' '), or "" for an out-of-range id.
  std::string_view Piece(int32_t token) const;
  float Score(int32_t token) const;
  TokenKind Kind(int32_t token) const;
  // The token that stands for raw byte `b` (-1 if the vocabulary has none).
  int32_t ByteToken(uint8_t b) const { return byte_token_[b]; }
  // The byte a `<0xNN>` token stands for, or -1.
  int ByteValue(int32_t token) const;

 private:
  explicit Tokenizer(TokenizerVocab vocab) : vocab_(std::move(vocab)) {}
  // Id of the piece equal to `text` among the matchable pieces, or -1.
  int32_t Lookup(std::string_view text) const;
  // Appends the token(s) for one code point (its bytes on a miss).
  void AppendPieceOrBytes(std::string_view text, std::vector<int32_t>* out) const;
  void MergePairs(std::vector<int32_t>* symbols) const;

  TokenizerVocab vocab_;
  absl::flat_hash_map<std::string, int32_t> piece_to_id_;
  std::array<int32_t, 256> byte_token_{};
  std::vector<int16_t> byte_value_;  // per token: the byte of a <0xNN> piece, else -1
  size_t max_piece_length_ = 0;
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_TOKENIZER_H_
