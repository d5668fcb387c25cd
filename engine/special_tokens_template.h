// What "add special tokens" adds around one encoded sequence: tokenizer.json's
// `post_processor` (TemplateProcessing's single template, RobertaProcessing,
// BertProcessing, ByteLevel, Sequence of these), or tokenizer_config.json's
// add_bos_token/add_eos_token, or a GGUF's add_bos/add_eos flags. Only the
// single-sequence case is needed here.
#ifndef DOOMSCOPE_ENGINE_SPECIAL_TOKENS_TEMPLATE_H_
#define DOOMSCOPE_ENGINE_SPECIAL_TOKENS_TEMPLATE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/tokenizer_json_fields.h"

namespace doomscope::engine {

struct SpecialTokensTemplate {
  std::vector<int32_t> prefix;  // before the sequence
  std::vector<int32_t> suffix;  // after it

  // `json` may be null (nothing added).
  static absl::StatusOr<SpecialTokensTemplate> FromJson(const Json& json, const std::string& where);

  void Apply(std::vector<int32_t>* ids) const {
    ids->insert(ids->begin(), prefix.begin(), prefix.end());
    ids->insert(ids->end(), suffix.begin(), suffix.end());
  }
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_SPECIAL_TOKENS_TEMPLATE_H_
