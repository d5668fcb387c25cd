// The tokenization fields of a Hugging Face model folder's
// tokenizer_config.json (add_bos_token, add_eos_token, bos/eos/unk/pad tokens
// as strings or AddedToken objects, split_special_tokens) and
// generation_config.json (bos/eos/pad ids; eos_token_id may be a list). The
// chat template is read elsewhere (engine/chat_template/).
#ifndef DOOMSCOPE_ENGINE_TOKENIZER_CONFIG_H_
#define DOOMSCOPE_ENGINE_TOKENIZER_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/tokenizer_json_fields.h"

namespace doomscope::engine {

struct TokenizerConfig {
  std::optional<bool> add_bos_token, add_eos_token;
  std::optional<std::string> bos_token, eos_token, unk_token, pad_token;
  bool split_special_tokens = false;
};

struct GenerationConfig {
  std::optional<int32_t> bos_token_id, pad_token_id;
  std::vector<int32_t> eos_token_ids;
};

absl::StatusOr<TokenizerConfig> ParseTokenizerConfig(const Json& root, const std::string& name);
absl::StatusOr<TokenizerConfig> ReadTokenizerConfig(const std::string& path);
absl::StatusOr<GenerationConfig> ParseGenerationConfig(const Json& root, const std::string& name);
absl::StatusOr<GenerationConfig> ReadGenerationConfig(const std::string& path);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_TOKENIZER_CONFIG_H_
