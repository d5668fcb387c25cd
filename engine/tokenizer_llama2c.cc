// The llama2.c tokenizer file format (tok*.bin): uint32 max_token_length, then
// per token float32 score, int32 length, bytes.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/mapped_file.h"
#include "engine/tokenizer.h"

namespace doomscope::engine {
namespace {

// Bounds checked before allocating for a llama2.c tokenizer file.
constexpr uint32_t kMaxTokenLength = 1 << 16;
constexpr int kMaxVocab = 1 << 22;

}  // namespace

absl::StatusOr<Tokenizer> Tokenizer::FromLlama2cBytes(std::span<const std::byte> bytes,
                                                      const std::string& name, int vocab_size) {
  if (vocab_size < 3 || vocab_size > kMaxVocab) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": vocab_size ", vocab_size, " is outside [3, ", kMaxVocab,
        "] (llama2.c tokenizers need <unk>, BOS and EOS at ids 0, 1, 2)"));
  }
  ByteReader r(bytes, name);
  uint32_t max_token_length = 0;
  if (!r.ReadU32(&max_token_length, "max_token_length")) return r.status();
  if (max_token_length == 0 || max_token_length > kMaxTokenLength) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": max_token_length ", max_token_length,
                                                   " is outside [1, ", kMaxTokenLength, "]"));
  }
  // Each token takes at least 8 bytes: do not reserve more than the file can hold.
  if (static_cast<uint64_t>(vocab_size) * 8 > r.remaining()) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": ", bytes.size(), " bytes cannot hold ", vocab_size,
        " tokens (at least 8 bytes each); is this the tokenizer for this model?"));
  }
  TokenizerVocab v;
  v.source = name;
  v.pieces.reserve(vocab_size);
  v.scores.reserve(vocab_size);
  v.kinds.assign(vocab_size, TokenKind::kNormal);
  for (int i = 0; i < vocab_size; ++i) {
    float score = 0;
    int32_t len = 0;
    std::string field = absl::StrCat("token ", i);
    if (!r.ReadF32(&score, field + " score") || !r.ReadI32(&len, field + " length")) {
      return r.status();
    }
    if (len < 0 || static_cast<uint32_t>(len) > max_token_length) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": token ", i, " has length ", len,
                                                     " outside [0, max_token_length ",
                                                     max_token_length, "]"));
    }
    std::span<const std::byte> piece;
    if (!r.ReadSpan(static_cast<size_t>(len), &piece, field + " bytes")) return r.status();
    v.pieces.emplace_back(reinterpret_cast<const char*>(piece.data()), piece.size());
    v.scores.push_back(score);
  }
  if (r.remaining() != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": ", r.remaining(), " trailing bytes after ", vocab_size,
        " tokens (does the tokenizer belong to a model with a larger vocabulary?)"));
  }
  // run.c hard-codes <unk> 0, BOS 1, EOS 2 and looks every piece up.
  v.kinds[0] = TokenKind::kUnknown;
  v.kinds[1] = TokenKind::kControl;
  v.kinds[2] = TokenKind::kControl;
  v.unk_id = 0;
  v.bos_id = 1;
  v.eos_id = 2;
  v.add_dummy_prefix = true;
  v.match_all_pieces = true;
  return FromVocab(std::move(v));
}

absl::StatusOr<Tokenizer> Tokenizer::FromLlama2cFile(const std::string& path, int vocab_size) {
  absl::StatusOr<std::shared_ptr<const MappedFile>> file = MappedFile::Open(path);
  if (!file.ok()) return file.status();
  return FromLlama2cBytes((*file)->bytes(), path, vocab_size);
}

}  // namespace doomscope::engine
