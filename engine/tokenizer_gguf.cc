// Tokenizer::FromGguf: the embedded vocabulary of a GGUF, either
// SentencePiece-style (`tokenizer.ggml.model` = "llama") or byte-level BPE
// ("gpt2", with `tokenizer.ggml.pre` naming the pre-tokenizer family and
// `tokenizer.ggml.merges` the merges as "a b" strings).
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "engine/bpe_tokenizer.h"
#include "engine/end_of_turn_tokens.h"
#include "engine/gguf_pre_tokenizers.h"
#include "engine/gguf_reader.h"
#include "engine/tokenizer.h"

namespace doomscope::engine {
namespace {

absl::StatusOr<std::vector<TokenKind>> ReadTokenKinds(const GgufFile& gguf, size_t n) {
  std::vector<TokenKind> kinds(n, TokenKind::kNormal);
  if (gguf.Find("tokenizer.ggml.token_type") == nullptr) return kinds;
  absl::StatusOr<std::vector<int64_t>> types = gguf.GetIntArray("tokenizer.ggml.token_type");
  if (!types.ok()) return types.status();
  if (types->size() != n) {
    return absl::InvalidArgumentError(absl::StrCat(gguf.path(), ": tokenizer.ggml.token_type has ", types->size(),
                                                   " entries for ", n, " tokens"));
  }
  for (size_t i = 0; i < n; ++i) {
    const int64_t t = (*types)[i];
    if (t < 1 || t > 6) {
      return absl::InvalidArgumentError(absl::StrCat(gguf.path(), ": tokenizer.ggml.token_type[", i, "] = ", t,
                                                     " is not a token type (1..6)"));
    }
    kinds[i] = static_cast<TokenKind>(t);
  }
  return kinds;
}

// An optional token id key: -1 when absent. Out of range is an error when
// `strict`, else "none" (converters write 0xFFFFFFFF for an unset pad id;
// llama.cpp ignores such ids too).
absl::StatusOr<int32_t> OptionalId(const GgufFile& gguf, const char* key, size_t n, bool strict) {
  if (gguf.Find(key) == nullptr) return -1;
  absl::StatusOr<uint64_t> id = gguf.GetUint(key);
  if (!id.ok()) return id.status();
  if (*id >= n) {
    if (!strict) return -1;
    return absl::InvalidArgumentError(absl::StrCat(gguf.path(), ": ", key, " = ", *id,
                                                   " is outside the vocabulary of ", n));
  }
  return static_cast<int32_t>(*id);
}

absl::StatusOr<Tokenizer> SentencePieceFromGguf(const GgufFile& gguf, const std::vector<std::string>& tokens) {
  const std::string& path = gguf.path();
  const size_t n = tokens.size();
  TokenizerVocab v;
  v.source = path;
  v.pieces.reserve(n);
  for (const std::string& piece : tokens) {
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
  absl::StatusOr<std::vector<TokenKind>> kinds = ReadTokenKinds(gguf, n);
  if (!kinds.ok()) return kinds.status();
  v.kinds = *std::move(kinds);
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
  SpecialTokenIds ids;
  ids.bos = v.bos_id;
  ids.eos = v.eos_id;
  ids.unk = v.unk_id;
  absl::StatusOr<int32_t> eot = OptionalId(gguf, "tokenizer.ggml.eot_token_id", n, /*strict=*/false);
  absl::StatusOr<int32_t> eom = OptionalId(gguf, "tokenizer.ggml.eom_token_id", n, /*strict=*/false);
  absl::StatusOr<int32_t> pad = OptionalId(gguf, "tokenizer.ggml.padding_token_id", n, /*strict=*/false);
  for (const auto* s : {&eot, &eom, &pad}) {
    if (!s->ok()) return s->status();
  }
  ids.pad = *pad;
  // As before GGUF special parsing existed: Encode(text, add_bos) leaves "<s>" in text as text.
  ids.parse_special_by_default = false;
  absl::StatusOr<std::unique_ptr<SentencePieceTokenizer>> impl = SentencePieceTokenizer::Create(std::move(v));
  if (!impl.ok()) return impl.status();
  ids.end_of_generation = {*eot, *eom};
  AddEndOfTurnTokens(**impl, &ids.end_of_generation);
  return Tokenizer(std::shared_ptr<const TokenizerImpl>(*std::move(impl)), std::move(ids), path);
}

absl::StatusOr<Tokenizer> ByteLevelBpeFromGguf(const GgufFile& gguf, const std::vector<std::string>& tokens) {
  const std::string& path = gguf.path();
  const size_t n = tokens.size();
  absl::StatusOr<std::string> pre_name = gguf.Find("tokenizer.ggml.pre") == nullptr
                                             ? absl::StatusOr<std::string>("default")
                                             : gguf.GetString("tokenizer.ggml.pre");
  if (!pre_name.ok()) return pre_name.status();
  absl::StatusOr<GgufPreTokenizer> pre = LookupGgufPreTokenizer(*pre_name);
  if (!pre.ok()) return absl::UnimplementedError(absl::StrCat(path, ": ", pre.status().message()));
  absl::StatusOr<std::vector<TokenKind>> kinds = ReadTokenKinds(gguf, n);
  if (!kinds.ok()) return kinds.status();
  if (gguf.Find("tokenizer.ggml.merges") == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": a gpt2 vocabulary needs tokenizer.ggml.merges"));
  }
  absl::StatusOr<const std::vector<std::string>*> merges = gguf.GetStringArray("tokenizer.ggml.merges");
  if (!merges.ok()) return merges.status();

  BpeModelConfig config;
  BpeTokenizerParts parts;
  for (size_t i = 0; i < n; ++i) {
    const TokenKind k = (*kinds)[i];
    const auto id = static_cast<int32_t>(i);
    if (k == TokenKind::kControl || k == TokenKind::kUnknown || k == TokenKind::kUserDefined) {
      // Added tokens of the HF tokenizer: cut out of the text, outside the model's vocabulary.
      parts.added_tokens.push_back(AddedToken{tokens[i], id, k != TokenKind::kUserDefined});
      if (k == TokenKind::kUserDefined) config.vocab.emplace_back(tokens[i], id);
      continue;
    }
    config.vocab.emplace_back(tokens[i], id);
  }
  config.merges.reserve((*merges)->size());
  for (size_t i = 0; i < (*merges)->size(); ++i) {
    const std::string& m = (**merges)[i];
    const size_t space = m.find(' ', 1);  // llama.cpp: the first space after the first byte
    if (space == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": tokenizer.ggml.merges[", i, "] \"", m,
                                                     "\" is not two tokens separated by a space"));
    }
    config.merges.emplace_back(m.substr(0, space), m.substr(space + 1));
  }
  config.ignore_merges = pre->ignore_merges;
  config.skip_unknown_merges = true;  // llama.cpp looks merges up lazily and ignores dangling ones
  absl::StatusOr<BpeModel> model = BpeModel::Build(std::move(config), path);
  if (!model.ok()) return model.status();
  parts.model = std::make_unique<BpeModel>(*std::move(model));

  if (pre->nfc) parts.normalizer = TextNormalizer::Of({TextNormalizer::Step{}});  // NFC is the default step
  std::vector<PreTokenizer::Step> steps;
  for (const std::string& r : pre->regexes) {
    absl::StatusOr<SplitRegex> re = SplitRegex::Compile(r);
    if (!re.ok()) return re.status();
    PreTokenizer::Step s;
    s.kind = PreTokenizer::Kind::kSplit;
    s.regex = *std::move(re);
    s.behavior = SplitBehavior::kIsolated;
    steps.push_back(std::move(s));
  }
  PreTokenizer::Step byte_level;
  byte_level.kind = PreTokenizer::Kind::kByteLevel;
  steps.push_back(std::move(byte_level));
  parts.pre_tokenizer = PreTokenizer::Of(std::move(steps));
  TokenDecoder::Step decode;
  decode.kind = TokenDecoder::Kind::kByteLevel;
  parts.decoder = TokenDecoder::Of({decode});

  SpecialTokenIds ids;
  absl::StatusOr<int32_t> bos = OptionalId(gguf, "tokenizer.ggml.bos_token_id", n, /*strict=*/true);
  absl::StatusOr<int32_t> eos = OptionalId(gguf, "tokenizer.ggml.eos_token_id", n, /*strict=*/true);
  absl::StatusOr<int32_t> unk = OptionalId(gguf, "tokenizer.ggml.unknown_token_id", n, /*strict=*/true);
  absl::StatusOr<int32_t> pad = OptionalId(gguf, "tokenizer.ggml.padding_token_id", n, /*strict=*/false);
  absl::StatusOr<int32_t> eot = OptionalId(gguf, "tokenizer.ggml.eot_token_id", n, /*strict=*/false);
  absl::StatusOr<int32_t> eom = OptionalId(gguf, "tokenizer.ggml.eom_token_id", n, /*strict=*/false);
  for (const auto* s : {&bos, &eos, &unk, &pad, &eot, &eom}) {
    if (!s->ok()) return s->status();
  }
  ids.bos = *bos;
  ids.eos = *eos;
  ids.unk = *unk;
  ids.pad = *pad;
  absl::StatusOr<bool> add_bos = gguf.GetBoolOr("tokenizer.ggml.add_bos_token", pre->add_bos);
  absl::StatusOr<bool> add_eos = gguf.GetBoolOr("tokenizer.ggml.add_eos_token", false);
  if (!add_bos.ok()) return add_bos.status();
  if (!add_eos.ok()) return add_eos.status();
  if (*add_bos && ids.bos >= 0) parts.specials.prefix = {ids.bos};
  if (*add_eos && ids.eos >= 0) parts.specials.suffix = {ids.eos};
  auto impl = std::make_shared<BpeTokenizer>(std::move(parts));
  ids.end_of_generation = {*eot, *eom};
  AddEndOfTurnTokens(*impl, &ids.end_of_generation);
  return Tokenizer(std::move(impl), std::move(ids), path);
}

}  // namespace

absl::StatusOr<Tokenizer> Tokenizer::FromGguf(const GgufFile& gguf) {
  absl::StatusOr<std::string> model = gguf.GetString("tokenizer.ggml.model");
  if (!model.ok()) return model.status();
  if (*model != "llama" && *model != "gpt2") {
    return absl::UnimplementedError(absl::StrCat(
        gguf.path(), ": tokenizer.ggml.model '", *model,
        "' is not supported (SentencePiece 'llama' and byte-level BPE 'gpt2' are)"));
  }
  absl::StatusOr<const std::vector<std::string>*> tokens = gguf.GetStringArray("tokenizer.ggml.tokens");
  if (!tokens.ok()) return tokens.status();
  if ((*tokens)->empty()) return absl::InvalidArgumentError(absl::StrCat(gguf.path(), ": empty vocabulary"));
  if (*model == "llama") return SentencePieceFromGguf(gguf, **tokens);
  return ByteLevelBpeFromGguf(gguf, **tokens);
}

}  // namespace doomscope::engine
