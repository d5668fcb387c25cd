// engine::Tokenizer: the one tokenizer type the rest of doomscope uses,
// whatever the checkpoint's format. It wraps an immutable algorithm
// (tokenizer_impl.h) shared between copies and threads, plus the special-token
// facts that come from configuration files: BOS/EOS/PAD ids, whether special
// tokens written in text are parsed, and the set of ids that end generation.
//
// Sources (see also tokenizer_loader.h, which opens any path):
//  - llama2.c tok*.bin and GGUF `llama` vocabularies: SentencePiece-style BPE
//    (sentencepiece_tokenizer.h);
//  - tokenizer.json (byte-level BPE such as Qwen3, Llama 3, SmolLM, GPT-2, LFM2;
//    SentencePiece-style BPE with byte fallback such as Llama 2, TinyLlama,
//    Mistral) and GGUF `gpt2` vocabularies: Hugging Face's pipeline
//    (bpe_tokenizer.h), with tokenizer_config.json / generation_config.json.
#ifndef DOOMSCOPE_ENGINE_TOKENIZER_H_
#define DOOMSCOPE_ENGINE_TOKENIZER_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/sentencepiece_tokenizer.h"
#include "engine/tokenizer_impl.h"

namespace doomscope::engine {

class GgufFile;

struct EncodeOptions {
  // Add what the tokenizer adds around a sequence (BOS, EOS, template tokens).
  bool add_special = false;
  // Special tokens written in the text (`<|im_start|>`) become their ids; off,
  // they are tokenized as text. Non-special added tokens (`<think>`) always
  // become their ids.
  bool parse_special = true;
};

struct DecodeOptions {
  bool skip_special = true;  // drop special tokens (BOS, EOS, <|im_end|>, ...)
  int32_t prev_token = -1;   // decode as a continuation of this token
};

// The special-token facts of a tokenizer.
struct SpecialTokenIds {
  int32_t bos = -1, eos = -1, unk = -1, pad = -1;
  std::vector<int32_t> end_of_generation;  // EOS and end-of-turn ids, sorted, unique
  bool parse_special_by_default = true;    // false when split_special_tokens is set
};

class Tokenizer {
 public:
  Tokenizer(std::shared_ptr<const TokenizerImpl> impl, SpecialTokenIds ids, std::string source);

  // Reads a llama2.c tokenizer file (tok*.bin, tokenizer.bin) holding
  // `vocab_size` tokens: uint32 max_token_length, then per token float32 score,
  // int32 length, bytes. The file must end right after the last token.
  static absl::StatusOr<Tokenizer> FromLlama2cFile(const std::string& path, int vocab_size);
  static absl::StatusOr<Tokenizer> FromLlama2cBytes(std::span<const std::byte> bytes,
                                                    const std::string& name, int vocab_size);
  // Reads the embedded vocabulary of a GGUF: `tokenizer.ggml.model` "llama"
  // (SentencePiece) or "gpt2" (byte-level BPE, `tokenizer.ggml.pre` naming the
  // pre-tokenizer family).
  static absl::StatusOr<Tokenizer> FromGguf(const GgufFile& gguf);
  // A SentencePiece-style tokenizer from a vocabulary (validated).
  static absl::StatusOr<Tokenizer> FromVocab(TokenizerVocab vocab);

  // Encode(text, add_bos) adds the tokenizer's special tokens when add_bos and
  // parses special tokens in the text as the tokenizer's configuration says.
  std::vector<int32_t> Encode(std::string_view text, bool add_bos) const;
  std::vector<int32_t> Encode(std::string_view text, const EncodeOptions& options) const;

  // The bytes `token` adds after `prev_token` (-1: none), special tokens
  // skipped. A byte-level token may hold part of a UTF-8 character: print
  // through StreamingDetokenizer (streaming_detokenizer.h).
  std::string DecodeToken(int32_t prev_token, int32_t token) const;
  // The text of `tokens` after `prev_token`, special tokens skipped.
  std::string Decode(std::span<const int32_t> tokens, int32_t prev_token = -1) const;
  std::string DecodeWith(std::span<const int32_t> tokens, const DecodeOptions& options) const;

  int32_t bos_id() const { return ids_.bos; }  // -1 when the tokenizer has none
  int32_t eos_id() const { return ids_.eos; }
  int32_t unk_id() const { return ids_.unk; }
  int32_t pad_id() const { return ids_.pad; }
  // Ids that end generation: EOS, end-of-turn tokens, generation_config's eos_token_id list.
  const std::vector<int32_t>& end_of_generation_ids() const { return ids_.end_of_generation; }
  bool IsEndOfGeneration(int32_t token) const;
  // Whether skip-special decoding drops `token`.
  bool IsSpecial(int32_t token) const { return impl_->IsSpecial(token); }

  int vocab_size() const { return impl_->vocab_size(); }
  // The stored piece (SentencePiece: spaces as ' '; byte-level: GPT-2 alphabet), or "".
  std::string_view Piece(int32_t token) const { return impl_->Piece(token); }
  // The id of a stored piece (an added token's content, a vocabulary entry), or -1.
  int32_t TokenId(std::string_view piece) const { return impl_->TokenId(piece); }
  float Score(int32_t token) const { return impl_->Score(token); }
  TokenKind Kind(int32_t token) const { return impl_->Kind(token); }
  // The token that stands for raw byte `b` (-1 if the vocabulary has none).
  int32_t ByteToken(uint8_t b) const { return impl_->ByteToken(b); }
  // The byte a `<0xNN>` token stands for, or -1.
  int ByteValue(int32_t token) const { return impl_->ByteValue(token); }

  const std::string& source() const { return source_; }
  const SpecialTokenIds& special_ids() const { return ids_; }

 private:
  std::shared_ptr<const TokenizerImpl> impl_;
  SpecialTokenIds ids_;
  std::string source_;
};

// Sorts and de-duplicates `ids` (dropping negative ones).
void NormalizeIdSet(std::vector<int32_t>* ids);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_TOKENIZER_H_
