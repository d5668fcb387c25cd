// Tokenizer::FromGguf: the embedded SentencePiece vocabulary of a GGUF
// (`tokenizer.ggml.model` = "llama").
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "engine/gguf_reader.h"
#include "engine/tokenizer.h"

namespace doomscope::engine {

absl::StatusOr<Tokenizer> Tokenizer::FromGguf(const GgufFile& gguf) {
  const std::string& path = gguf.path();
  absl::StatusOr<std::string> model = gguf.GetString("tokenizer.ggml.model");
  if (!model.ok()) return model.status();
  if (*model != "llama") {
    return absl::UnimplementedError(absl::StrCat(
        path, ": tokenizer.ggml.model '", *model,
        "' is not supported (only SentencePiece BPE, 'llama')"));
  }
  absl::StatusOr<const std::vector<std::string>*> tokens = gguf.GetStringArray("tokenizer.ggml.tokens");
  if (!tokens.ok()) return tokens.status();
  const size_t n = (*tokens)->size();
  TokenizerVocab v;
  v.source = path;
  v.pieces.reserve(n);
  for (const std::string& piece : **tokens) {
    // SentencePiece writes spaces as U+2581 (LOWER ONE EIGHTH BLOCK).
    v.pieces.push_back(absl::StrReplaceAll(piece, {{"\xE2\x96\x81", " "}}));
  }
  // Scores and token types are optional, as in llama.cpp (0.0 and NORMAL).
  v.scores.assign(n, 0.0f);
  if (gguf.Find("tokenizer.ggml.scores") != nullptr) {
    absl::StatusOr<const std::vector<double>*> scores = gguf.GetFloatArray("tokenizer.ggml.scores");
    if (!scores.ok()) return scores.status();
    if ((*scores)->size() != n) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": tokenizer.ggml.scores has ", (*scores)->size(),
                                                     " entries for ", n, " tokens"));
    }
    for (size_t i = 0; i < n; ++i) v.scores[i] = static_cast<float>((**scores)[i]);
  }
  v.kinds.assign(n, TokenKind::kNormal);
  if (gguf.Find("tokenizer.ggml.token_type") != nullptr) {
    absl::StatusOr<std::vector<int64_t>> types = gguf.GetIntArray("tokenizer.ggml.token_type");
    if (!types.ok()) return types.status();
    if (types->size() != n) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": tokenizer.ggml.token_type has ", types->size(),
                                                     " entries for ", n, " tokens"));
    }
    for (size_t i = 0; i < n; ++i) {
      int64_t t = (*types)[i];
      if (t < 1 || t > 6) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": tokenizer.ggml.token_type[", i, "] = ", t,
                                                       " is not a token type (1..6)"));
      }
      v.kinds[i] = static_cast<TokenKind>(t);
    }
  }
  for (auto [key, fallback, out] :
       {std::tuple<const char*, uint64_t, int32_t*>{"tokenizer.ggml.bos_token_id", 1, &v.bos_id},
        {"tokenizer.ggml.eos_token_id", 2, &v.eos_id},
        {"tokenizer.ggml.unknown_token_id", 0, &v.unk_id}}) {
    absl::StatusOr<uint64_t> id = gguf.GetUintOr(key, fallback);
    if (!id.ok()) return id.status();
    if (*id >= n) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": ", key, " = ", *id,
                                                     " is outside the vocabulary of ", n));
    }
    *out = static_cast<int32_t>(*id);
  }
  absl::StatusOr<bool> prefix = gguf.GetBoolOr("tokenizer.ggml.add_space_prefix", true);
  if (!prefix.ok()) return prefix.status();
  v.add_dummy_prefix = *prefix;
  v.match_all_pieces = false;  // like llama.cpp: control and byte pieces never match text
  return FromVocab(std::move(v));
}

}  // namespace doomscope::engine
