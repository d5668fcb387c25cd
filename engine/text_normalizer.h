// tokenizer.json's `normalizer`: the text transformations applied to the
// pieces of input between added tokens, before pre-tokenization, as Hugging
// Face tokenizers defines them: NFC/NFD/NFKC/NFKD, Lowercase, Strip,
// StripAccents, Replace (literal or regex), Prepend, Nmt, ByteLevel and
// Sequence of these. Other types (Precompiled, BertNormalizer) are refused by name.
#ifndef DOOMSCOPE_ENGINE_TEXT_NORMALIZER_H_
#define DOOMSCOPE_ENGINE_TEXT_NORMALIZER_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/split_regex.h"
#include "engine/tokenizer_json_fields.h"
#include "engine/unicode_props.h"

namespace doomscope::engine {

class TextNormalizer {
 public:
  enum class Kind { kUnicode, kLowercase, kStrip, kStripAccents, kReplace, kPrepend, kNmt, kByteLevel };
  struct Step {
    Kind kind = Kind::kUnicode;
    NormalizationForm form = NormalizationForm::kNfc;
    bool strip_left = false, strip_right = false;
    std::optional<SplitRegex> pattern;  // Replace
    std::string content;                // Replace's replacement, Prepend's prefix
  };

  // `json` may be null (no normalizer).
  static absl::StatusOr<TextNormalizer> FromJson(const Json& json, const std::string& where);
  static TextNormalizer Of(std::vector<Step> steps) { return TextNormalizer(std::move(steps)); }

  bool empty() const { return steps_.empty(); }
  // `text` must be valid UTF-8; so is the result.
  std::string Apply(std::string_view text) const;

 private:
  explicit TextNormalizer(std::vector<Step> steps) : steps_(std::move(steps)) {}
  static absl::Status AppendSteps(const Json& json, const std::string& where, std::vector<Step>* steps);
  std::vector<Step> steps_;
};

// Replaces every match of `pattern` in `text` with `content`.
std::string ReplaceAll(std::string_view text, const SplitRegex& pattern, std::string_view content);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_TEXT_NORMALIZER_H_
