#include "engine/end_of_turn_tokens.h"

namespace doomscope::engine {

void AddEndOfTurnTokens(const TokenizerImpl& tokenizer, std::vector<int32_t>* ids) {
  static constexpr const char* kTexts[] = {
      "<|eot_id|>",   "<|im_end|>",        "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>",
      "<EOT>",        "_<EOT>",            "<|end_of_text|>", "<end_of_utterance>", "<|return|>",
      "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",  // DeepSeek's <｜end▁of▁sentence｜>
  };
  for (const char* text : kTexts) {
    const int32_t id = tokenizer.TokenId(text);
    if (id >= 0 && tokenizer.Kind(id) == TokenKind::kControl) ids->push_back(id);
  }
}

}  // namespace doomscope::engine
