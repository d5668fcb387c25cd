#include "engine/tokenizer_loader.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/end_of_turn_tokens.h"
#include "engine/file_paths.h"
#include "engine/gguf_reader.h"
#include "engine/mapped_file.h"
#include "engine/tokenizer_config.h"
#include "engine/tokenizer_json.h"

namespace doomscope::engine {
namespace {

std::string IfExists(const std::string& path) { return IsRegularFile(path) ? path : std::string(); }

int32_t IdOf(const TokenizerImpl& impl, const std::optional<std::string>& text) {
  return text ? impl.TokenId(*text) : -1;
}

absl::StatusOr<Tokenizer> OpenHfFolder(const std::string& dir) {
  const std::string json = dir + "/tokenizer.json";
  if (!IsRegularFile(json)) {
    if (IsRegularFile(dir + "/tokenizer.model")) {
      return absl::UnimplementedError(absl::StrCat(
          dir, ": has a SentencePiece tokenizer.model but no tokenizer.json; save the tokenizer with "
               "transformers (tokenizer.save_pretrained) to get tokenizer.json"));
    }
    return absl::NotFoundError(absl::StrCat(dir, ": a Hugging Face model folder needs tokenizer.json (missing)"));
  }
  return TokenizerFromHfFiles(json, IfExists(dir + "/tokenizer_config.json"),
                              IfExists(dir + "/generation_config.json"));
}

}  // namespace

absl::StatusOr<Tokenizer> TokenizerFromHfFiles(const std::string& tokenizer_json,
                                               const std::string& tokenizer_config,
                                               const std::string& generation_config) {
  absl::StatusOr<std::unique_ptr<BpeTokenizer>> impl = ReadTokenizerJson(tokenizer_json);
  if (!impl.ok()) return impl.status();
  TokenizerConfig config;
  if (!tokenizer_config.empty()) {
    absl::StatusOr<TokenizerConfig> c = ReadTokenizerConfig(tokenizer_config);
    if (!c.ok()) return c.status();
    config = *std::move(c);
  }
  GenerationConfig generation;
  if (!generation_config.empty()) {
    absl::StatusOr<GenerationConfig> g = ReadGenerationConfig(generation_config);
    if (!g.ok()) return g.status();
    generation = *std::move(g);
  }
  BpeTokenizer& t = **impl;
  SpecialTokenIds ids;
  const SpecialTokensTemplate& from_json = t.specials();
  ids.bos = config.bos_token ? IdOf(t, config.bos_token)
            : generation.bos_token_id ? *generation.bos_token_id
            : from_json.prefix.size() == 1 ? from_json.prefix[0] : -1;
  ids.eos = config.eos_token ? IdOf(t, config.eos_token)
            : !generation.eos_token_ids.empty() ? generation.eos_token_ids[0]
            : from_json.suffix.size() == 1 ? from_json.suffix[0] : -1;
  ids.unk = IdOf(t, config.unk_token);
  ids.pad = config.pad_token ? IdOf(t, config.pad_token) : generation.pad_token_id.value_or(-1);
  for (auto [what, token, id] : {std::tuple<const char*, const std::optional<std::string>*, int32_t>{
                                     "bos_token", &config.bos_token, ids.bos},
                                 {"eos_token", &config.eos_token, ids.eos}}) {
    if (*token && id < 0) {
      return absl::InvalidArgumentError(absl::StrCat(tokenizer_config, ": ", what, " \"", **token,
                                                     "\" is not a token of ", tokenizer_json));
    }
  }
  if (config.add_bos_token || config.add_eos_token) {
    SpecialTokensTemplate overridden;
    if (config.add_bos_token.value_or(false) && ids.bos >= 0) overridden.prefix = {ids.bos};
    if (config.add_eos_token.value_or(false) && ids.eos >= 0) overridden.suffix = {ids.eos};
    t.set_specials(std::move(overridden));
  }
  ids.parse_special_by_default = !config.split_special_tokens;
  for (int32_t id : generation.eos_token_ids) {
    if (id >= t.vocab_size()) {
      return absl::InvalidArgumentError(absl::StrCat(generation_config, ": eos_token_id ", id,
                                                     " is outside the vocabulary of ", t.vocab_size()));
    }
    ids.end_of_generation.push_back(id);
  }
  AddEndOfTurnTokens(t, &ids.end_of_generation);
  return Tokenizer(std::shared_ptr<const TokenizerImpl>(*std::move(impl)), std::move(ids), tokenizer_json);
}

absl::StatusOr<int> CountLlama2cTokens(std::span<const std::byte> bytes, const std::string& name) {
  ByteReader r(bytes, name);
  uint32_t max_token_length = 0;
  if (!r.ReadU32(&max_token_length, "max_token_length")) return r.status();
  int count = 0;
  while (r.remaining() > 0) {
    float score;
    int32_t len;
    const std::string field = absl::StrCat("token ", count);
    if (!r.ReadF32(&score, field + " score") || !r.ReadI32(&len, field + " length")) return r.status();
    if (len < 0 || static_cast<uint32_t>(len) > max_token_length) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": token ", count, " has length ", len,
                                                     " outside [0, max_token_length ", max_token_length, "]"));
    }
    std::span<const std::byte> piece;
    if (!r.ReadSpan(static_cast<size_t>(len), &piece, field + " bytes")) return r.status();
    ++count;
  }
  return count;
}

absl::StatusOr<Tokenizer> OpenTokenizer(const std::string& path, int expected_vocab_size) {
  if (IsDirectory(path)) return OpenHfFolder(path);
  absl::StatusOr<std::shared_ptr<const MappedFile>> file = MappedFile::Open(path);
  if (!file.ok()) return file.status();
  const MappedFile& f = **file;
  uint32_t magic = 0;
  if (f.size() >= 4) std::memcpy(&magic, f.data(), 4);
  if (magic == kGgufMagic) {
    absl::StatusOr<GgufFile> gguf = GgufFile::Parse(*std::move(file));
    if (!gguf.ok()) return gguf.status();
    return Tokenizer::FromGguf(*gguf);
  }
  // JSON: the first non-blank byte opens an object.
  const auto* data = reinterpret_cast<const char*>(f.data());
  size_t i = 0;
  while (i < f.size() && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r')) ++i;
  if (i < f.size() && data[i] == '{') {
    const std::string dir = DirectoryOf(path);
    return TokenizerFromHfFiles(path, IfExists(dir + "/tokenizer_config.json"),
                                IfExists(dir + "/generation_config.json"));
  }
  int vocab = expected_vocab_size;
  if (vocab == 0) {
    absl::StatusOr<int> counted = CountLlama2cTokens(f.bytes(), path);
    if (!counted.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": not a GGUF file, a tokenizer.json, a Hugging Face folder or a llama2.c tokenizer (",
          counted.status().message(), ")"));
    }
    vocab = *counted;
  }
  return Tokenizer::FromLlama2cBytes(f.bytes(), path, vocab);
}

}  // namespace doomscope::engine
