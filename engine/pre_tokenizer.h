// tokenizer.json's `pre_tokenizer`: how normalized text is cut into the words
// the BPE model sees, as Hugging Face tokenizers defines it: Split (regex or
// literal; Removed/Isolated/MergedWithPrevious/MergedWithNext/Contiguous;
// invert), ByteLevel (optional GPT-2 regex and prefix space; maps bytes to
// the GPT-2 alphabet), Digits, Whitespace, WhitespaceSplit, Punctuation,
// Metaspace, BertPreTokenizer, CharDelimiterSplit and Sequence of these.
//
// A ByteLevel step does not rewrite its pieces at once: it marks them
// `byte_level` (their model text is the GPT-2 mapping of `text`), so the BPE
// model can work on raw bytes; a later step that needs the mapped text
// materializes it first.
#ifndef DOOMSCOPE_ENGINE_PRE_TOKENIZER_H_
#define DOOMSCOPE_ENGINE_PRE_TOKENIZER_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/split_regex.h"
#include "engine/tokenizer_json_fields.h"

namespace doomscope::engine {

// What Split does with the delimiters it finds (tokenizers' SplitDelimiterBehavior).
enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

absl::StatusOr<SplitBehavior> ParseSplitBehavior(const std::string& name, const std::string& where);

struct PreToken {
  std::string text;
  bool at_start = false;    // begins at offset 0 of the original input (Metaspace "first")
  bool byte_level = false;  // model text is the GPT-2 byte mapping of `text`
};

// One piece of a split: [begin, end) and whether it was a pattern match.
struct SplitRange {
  size_t begin, end;
  bool is_match;
};

// Applies `behavior` to the ranges a pattern produced (covering the text in
// order) and returns the non-empty pieces that remain.
std::vector<std::pair<size_t, size_t>> ApplySplitBehavior(const std::vector<SplitRange>& ranges,
                                                          SplitBehavior behavior);

class PreTokenizer {
 public:
  enum class Kind { kSplit, kByteLevel, kDigits, kWhitespace, kWhitespaceSplit, kPunctuation, kMetaspace, kCharDelimiter };
  struct Step {
    Kind kind = Kind::kSplit;
    std::optional<SplitRegex> regex;  // Split; ByteLevel with use_regex; Whitespace
    SplitBehavior behavior = SplitBehavior::kIsolated;
    bool invert = false;
    bool add_prefix_space = false;  // ByteLevel
    bool individual_digits = false;
    std::string replacement;  // Metaspace (one character); CharDelimiterSplit's delimiter
    enum class Prepend { kAlways, kFirst, kNever } prepend = Prepend::kAlways;
    bool split = true;  // Metaspace
  };

  // `json` may be null (no pre-tokenizer: the whole piece is one word).
  static absl::StatusOr<PreTokenizer> FromJson(const Json& json, const std::string& where);
  static PreTokenizer Of(std::vector<Step> steps) { return PreTokenizer(std::move(steps)); }

  // Splits every piece in place.
  void Apply(std::vector<PreToken>* pieces) const;

  bool empty() const { return steps_.empty(); }

 private:
  explicit PreTokenizer(std::vector<Step> steps) : steps_(std::move(steps)) {}
  static absl::Status AppendSteps(const Json& json, const std::string& where, std::vector<Step>* steps);
  std::vector<Step> steps_;
};

// GPT-2's split regex, which ByteLevel(use_regex = true) applies.
inline constexpr std::string_view kGpt2SplitRegex =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_PRE_TOKENIZER_H_
