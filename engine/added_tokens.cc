#include "engine/added_tokens.h"

#include <algorithm>

#include "engine/text_normalizer.h"
#include "engine/unicode_props.h"
#include "engine/utf8_text.h"

namespace doomscope::engine {
namespace {

// The code point that ends at `end` (exclusive).
char32_t LastChar(std::string_view text, size_t end) {
  size_t start = end - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  char32_t cp;
  DecodeUtf8(text, start, &cp);
  return cp;
}

// Start of the whitespace run that ends at `end`.
size_t WhitespaceRunStart(std::string_view text, size_t end) {
  while (end > 0) {
    size_t start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
    char32_t cp;
    DecodeUtf8(text, start, &cp);
    if (!IsWhitespace(cp)) break;
    end = start;
  }
  return end;
}

// End of the whitespace run that starts at `begin`.
size_t WhitespaceRunEnd(std::string_view text, size_t begin) {
  while (begin < text.size()) {
    char32_t cp;
    const size_t len = DecodeUtf8(text, begin, &cp);
    if (!IsWhitespace(cp)) break;
    begin += len;
  }
  return begin;
}

}  // namespace

AddedTokenMatcher::AddedTokenMatcher(std::vector<AddedToken> tokens, const TextNormalizer* normalizer)
    : tokens_(std::move(tokens)) {
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const AddedToken& t = tokens_[i];
    if (t.content.empty()) continue;
    Pass& pass = passes_[t.normalized ? 1 : 0];
    std::string pattern = t.content;
    if (t.normalized && normalizer != nullptr) pattern = normalizer->Apply(ToValidUtf8(pattern));
    if (pattern.empty()) continue;
    pass.patterns.push_back(std::move(pattern));
    pass.token_index.push_back(i);
  }
  for (Pass& pass : passes_) {
    for (size_t p = 0; p < pass.patterns.size(); ++p) {
      pass.by_first_byte[static_cast<unsigned char>(pass.patterns[p][0])].push_back(static_cast<int>(p));
    }
    for (auto& bucket : pass.by_first_byte) {
      std::stable_sort(bucket.begin(), bucket.end(),
                       [&](int a, int b) { return pass.patterns[a].size() > pass.patterns[b].size(); });
    }
  }
}

void AddedTokenMatcher::Split(std::string_view text, bool normalized_pass, bool parse_special,
                              std::vector<Segment>* out) const {
  if (text.empty()) return;
  const Pass& pass = passes_[normalized_pass ? 1 : 0];
  size_t start_offset = 0;  // end of the last emitted piece
  size_t pos = 0;
  if (!pass.patterns.empty()) {
    while (pos < text.size()) {
      const std::vector<int>& bucket = pass.by_first_byte[static_cast<unsigned char>(text[pos])];
      int found = -1;
      for (int p : bucket) {
        const std::string& pattern = pass.patterns[p];
        if (text.compare(pos, pattern.size(), pattern) == 0) {
          found = p;  // the bucket is longest first
          break;
        }
      }
      if (found < 0) {
        ++pos;
        continue;
      }
      const AddedToken& token = tokens_[pass.token_index[found]];
      size_t start = pos, stop = pos + pass.patterns[found].size();
      // The automaton resumes after the match itself, used or not, even when
      // rstrip extends the token over the whitespace that follows.
      pos = stop;
      if (token.special && !parse_special) continue;
      if (token.single_word) {
        const bool word_before = start > 0 && IsWordChar(LastChar(text, start));
        char32_t next = 0;
        const bool word_after = stop < text.size() && (DecodeUtf8(text, stop, &next), IsWordChar(next));
        if (word_before || word_after) continue;
      }
      if (token.lstrip) start = std::max(WhitespaceRunStart(text, start), start_offset);
      if (token.rstrip) stop = WhitespaceRunEnd(text, stop);
      if (start_offset < start) out->push_back({start_offset, start, -1});
      out->push_back({start, stop, token.id});
      start_offset = stop;
    }
  }
  if (start_offset < text.size()) out->push_back({start_offset, text.size(), -1});
  // A token whose match began inside the previous token's stripped whitespace
  // overlaps it, as in tokenizers; the text between them is then empty.
}

}  // namespace doomscope::engine
