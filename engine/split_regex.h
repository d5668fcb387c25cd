// A tokenizer.json pre-tokenizer or normalizer regex, run as written.
//
// Hugging Face tokenizers compiles these patterns with Oniguruma; the ones in
// real files use lookaheads (`\s+(?!\S)`), scoped flags (`(?i:'s|'t)`),
// possessive quantifiers and Unicode classes (`\p{L}`, `\p{N}`), none of which
// RE2 or std::regex handle faithfully. PCRE2 (Debian libpcre2-dev) in
// UTF + UCP mode has the same Perl-style leftmost-first semantics and all of
// these constructs, and its JIT makes the split cheap. One difference remains
// and is rewritten away: Oniguruma's Unicode `\s` is exactly the White_Space
// property (Zs, Zl, Zp, U+0009-U+000D, U+0085), while PCRE2's also matches
// U+180E, so `\s` and `\S` are compiled as that explicit class.
#ifndef DOOMSCOPE_ENGINE_SPLIT_REGEX_H_
#define DOOMSCOPE_ENGINE_SPLIT_REGEX_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace doomscope::engine {

class SplitRegex {
 public:
  // Compiles `pattern` (UTF-8, Oniguruma/Perl syntax). `literal` escapes it
  // first (tokenizer.json's {"String": ...} patterns).
  static absl::StatusOr<SplitRegex> Compile(std::string_view pattern, bool literal = false);

  // Scan state of FindNext over one text.
  struct Cursor {
    size_t pos = 0;
    size_t last_match_end = std::string_view::npos;
  };
  // The next match in `text` (valid UTF-8) as Rust onig's find_iter yields
  // them: an empty match right where the previous match ended is skipped and
  // the scan moves on one character. False when there is none.
  bool FindNext(std::string_view text, Cursor* cursor, size_t* start, size_t* end) const;

  // Calls on_match(start, end) for each match, in order.
  template <typename F>
  void ForEachMatch(std::string_view text, F&& on_match) const {
    Cursor cursor;
    size_t start, end;
    while (FindNext(text, &cursor, &start, &end)) on_match(start, end);
  }

  // Compile() with the error prefixed by `where` (the JSON field it came from).
  static absl::StatusOr<SplitRegex> CompileAt(std::string_view pattern, bool literal, const std::string& where);

  const std::string& pattern() const { return pattern_; }

 private:
  struct Code;
  SplitRegex() = default;
  std::string pattern_;
  std::shared_ptr<const Code> code_;
};

// The pattern with `\s`/`\S` replaced by Oniguruma's White_Space class (see above).
std::string RewriteWhitespaceClasses(std::string_view pattern);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_SPLIT_REGEX_H_
