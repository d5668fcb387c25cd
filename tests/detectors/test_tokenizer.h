// A tiny deterministic tokenizer for detector tests, so every adversarial case
// can run at the token level and the character level from one text.
//
// Pieces: a space followed by a letter or digit joins that word (" the"), a
// run of ASCII letters or digits is one piece, a run of one repeated ASCII
// punctuation character is split into pieces of up to 8 ("========" is one
// token, as in BPE vocabularies), anything else (a lone space, "\n", each
// non-ASCII code point) is a piece of its own. Ids are
// handed out in order of first appearance and decode back exactly.
#ifndef DOOMSCOPE_TESTS_DETECTORS_TEST_TOKENIZER_H_
#define DOOMSCOPE_TESTS_DETECTORS_TEST_TOKENIZER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace doomscope::testing {

class TestTokenizer {
 public:
  std::vector<int32_t> Encode(std::string_view text) {
    std::vector<int32_t> ids;
    size_t i = 0;
    auto alnum = [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    };
    while (i < text.size()) {
      size_t j = i;
      if (text[i] == ' ' && i + 1 < text.size() && alnum(text[i + 1])) j = i + 1;
      const auto punct = [](char c) { return c > ' ' && c < 0x7F; };
      if (alnum(text[j])) {
        while (j < text.size() && alnum(text[j])) ++j;
      } else if (j == i && punct(text[j])) {
        const char c = text[j];
        while (j < text.size() && text[j] == c && j - i < 8) ++j;
      } else {
        const unsigned char c = static_cast<unsigned char>(text[j]);
        j += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (j > text.size()) j = text.size();
      }
      ids.push_back(Id(text.substr(i, j - i)));
      i = j;
    }
    return ids;
  }

  int32_t Id(std::string_view piece) {
    auto [it, inserted] = ids_.try_emplace(std::string(piece), static_cast<int32_t>(pieces_.size()));
    if (inserted) pieces_.push_back(std::string(piece));
    return it->second;
  }

  std::string Decode(std::span<const int32_t> ids) const {
    std::string s;
    for (int32_t id : ids) {
      if (id >= 0 && static_cast<size_t>(id) < pieces_.size()) s += pieces_[static_cast<size_t>(id)];
    }
    return s;
  }

  std::function<std::string(std::span<const int32_t>)> Detokenizer() const {
    return [this](std::span<const int32_t> ids) { return Decode(ids); };
  }

 private:
  std::map<std::string, int32_t> ids_;
  std::vector<std::string> pieces_;
};

// Deterministic prose: words from a fixed list, sentences of 8-15 words,
// driven by a linear congruential generator (no 30-gram repeats in practice).
inline std::string Prose(int words, uint32_t seed) {
  static const char* kWords[] = {
      "the", "model", "computes", "a", "value", "for", "each", "step", "and", "then", "checks", "result",
      "we", "add", "three", "apples", "to", "basket", "which", "gives", "total", "of", "items", "next",
      "multiply", "by", "price", "per", "unit", "so", "cost", "is", "dollars", "after", "that", "subtract",
      "discount", "from", "sum", "remaining", "amount", "equals", "answer", "because", "train", "leaves",
      "station", "at", "noon", "travels", "miles", "hour", "until", "evening", "when", "it", "stops",
      "farmer", "plants", "rows", "corn", "field", "with", "seeds", "in", "row", "harvest", "yields",
      "bushels", "sold", "market", "week", "she", "saves", "half", "her", "salary", "spends", "rest",
      "on", "rent", "food", "books", "school", "has", "students", "class", "teacher", "gives", "pencils",
      "box", "contains", "dozen", "eggs", "baker", "uses", "cake", "recipe", "needs", "cups", "flour",
      "sugar", "butter", "oven", "bakes", "minutes", "cools", "down", "slices", "serves", "guests",
      "party", "starts", "ends", "late", "night", "everyone", "goes", "home", "happy", "tired"};
  constexpr int kCount = sizeof(kWords) / sizeof(kWords[0]);
  uint32_t state = seed * 2654435761u + 12345u;
  auto next = [&]() {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  };
  std::string s;
  int in_sentence = 0, sentence_len = 8 + static_cast<int>(next() % 8);
  for (int k = 0; k < words; ++k) {
    if (!s.empty()) s += ' ';
    if (next() % 9 == 0) {
      s += std::to_string(next() % 1000);
    } else {
      s += kWords[next() % kCount];
    }
    if (++in_sentence == sentence_len) {
      s += '.';
      in_sentence = 0;
      sentence_len = 8 + static_cast<int>(next() % 8);
    }
  }
  return s;
}

}  // namespace doomscope::testing

#endif  // DOOMSCOPE_TESTS_DETECTORS_TEST_TOKENIZER_H_
