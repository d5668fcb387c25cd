// Character-level normalization: whitespace folding, long runs kept, UTF-8
// repair, code point counts.
#include "detectors/normalize.h"

#include <random>
#include <string>

#include "gtest/gtest.h"

namespace doomscope {
namespace {

NormalizedText Norm(std::string_view s, int keep = 128) {
  NormalizedText n;
  NormalizeText(s, keep, &n);
  return n;
}

TEST(NormalizeTest, FoldsWhitespaceRunsToOneSpace) {
  EXPECT_EQ(Norm("a  b\tc\n d \r\ne").utf8, "a b c d e");
  EXPECT_EQ(Norm("  lead and trail  ").utf8, " lead and trail ");
}

TEST(NormalizeTest, TwoOrMoreLineBreaksBecomeAParagraphBreak) {
  EXPECT_EQ(Norm("a\n\nb").utf8, "a\n\nb");
  EXPECT_EQ(Norm("a\n\n\n\n  b").utf8, "a\n\nb");
  EXPECT_EQ(Norm("a \n \n b").utf8, "a\n\nb");
  EXPECT_EQ(Norm("a\r\nb").utf8, "a b");  // \r\n is one break
  EXPECT_EQ(Norm("a\r\n\r\nb").utf8, "a\n\nb");
  EXPECT_EQ(Norm("a\r\rb").utf8, "a\n\nb");
}

TEST(NormalizeTest, WhitespaceDriftBetweenCopiesDisappears) {
  EXPECT_EQ(Norm("copy one.\ncopy one.  copy one.\t copy one.").utf8,
            "copy one. copy one. copy one. copy one.");
}

TEST(NormalizeTest, UnicodeWhitespaceFolds) {
  EXPECT_EQ(Norm("a\xC2\xA0\xE3\x80\x80" "b").utf8, "a b");        // NBSP + ideographic space
  EXPECT_EQ(Norm("a\xE2\x80\xA8\xE2\x80\xA9" "b").utf8, "a\n\nb");  // two line separators
}

TEST(NormalizeTest, LongRunsAreKeptVerbatim) {
  const std::string run(200, '\n');
  const NormalizedText n = Norm("x" + run + "y", 128);
  EXPECT_EQ(n.utf8, "x" + run + "y");
  EXPECT_EQ(n.code_points, 202);
  EXPECT_EQ(Norm("x" + std::string(127, ' ') + "y", 128).utf8, "x y");
}

TEST(NormalizeTest, CountsCodePointsAndAsciiness) {
  const NormalizedText ascii = Norm("hello world");
  EXPECT_TRUE(ascii.ascii);
  EXPECT_EQ(ascii.code_points, 11);
  const NormalizedText cjk = Norm("中文  文本");
  EXPECT_FALSE(cjk.ascii);
  EXPECT_EQ(cjk.utf8, "中文 文本");
  EXPECT_EQ(cjk.code_points, 5);
}

TEST(NormalizeTest, InvalidBytesBecomeReplacementCharacters) {
  const NormalizedText n = Norm(std::string("a\xFF" "b\xC3", 4));
  EXPECT_EQ(n.utf8, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
  EXPECT_EQ(n.code_points, 4);
  EXPECT_EQ(Norm("\xEF\xBF\xBD").utf8, "\xEF\xBF\xBD");  // a real U+FFFD stays
  EXPECT_EQ(Norm("\xED\xA0\x80").code_points, 3);        // a surrogate: 3 bad bytes
  EXPECT_EQ(Norm("\xC0\xAF").code_points, 2);            // overlong
}

TEST(NormalizeTest, FastPathAgreesWithByteByByteFolding) {
  // Long inputs go through the 16-byte path; compare with short pieces.
  std::string text, expect;
  for (int i = 0; i < 200; ++i) {
    text += "word" + std::to_string(i) + (i % 7 == 0 ? "\n" : i % 11 == 0 ? "\t\t" : " ");
    expect += "word" + std::to_string(i) + " ";
  }
  EXPECT_EQ(Norm(text).utf8, expect);
}

// DETECTORS.md's folding written plainly, for valid UTF-8 whose only
// whitespace is ASCII: the reference the SIMD fast paths must agree with.
std::string ReferenceFold(const std::string& s, int keep) {
  auto is_space = [](unsigned char c) { return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F); };
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (!is_space(static_cast<unsigned char>(s[i]))) {
      out += s[i++];
      continue;
    }
    size_t j = i;
    int breaks = 0;
    while (j < s.size() && is_space(static_cast<unsigned char>(s[j]))) {
      const char c = s[j];
      const bool cr_alone = c == '\r' && !(j + 1 < s.size() && s[j + 1] == '\n');
      breaks += c == '\n' || c == '\v' || c == '\f' || (c >= 0x1C && c <= 0x1E) || cr_alone;
      ++j;
    }
    out += static_cast<int>(j - i) >= keep ? s.substr(i, j - i) : breaks >= 2 ? "\n\n" : " ";
    i = j;
  }
  return out;
}

// Mostly single-spaced prose (the SIMD blocks' fast case) with every kind of
// break in it at random places: each position of a 64-byte block gets hit.
TEST(NormalizeTest, SimdFastPathsAgreeWithAPlainFoldOnRandomText) {
  std::mt19937 rng(2026);
  const char* rare[] = {"\n", "\n\n", "  ", "\t", "\r\n", "\r", " \n ", "\xC3\xA9", "\x0B", "\x1C", "\x1F"};
  for (int t = 0; t < 300; ++t) {
    std::string text;
    const int words = 100 + static_cast<int>(rng() % 400);
    for (int w = 0; w < words; ++w) {
      text += std::string(1 + rng() % 9, static_cast<char>('a' + rng() % 26));
      if (rng() % 8 == 0) {
        text += rare[rng() % (sizeof(rare) / sizeof(rare[0]))];
      } else if (rng() % 200 == 0) {
        text += std::string(128 + rng() % 8, rng() % 2 ? ' ' : '\n');  // at or past keep_run_min
      } else {
        text += ' ';
      }
    }
    const std::string want = ReferenceFold(text, 128);
    ASSERT_EQ(Norm(text).utf8, want) << "text " << t;
    ASSERT_EQ(CountNormalizedCodePoints(text, 128), CountCodePoints(want)) << "text " << t;
  }
}

TEST(NormalizeTest, DecodeAndEncodeRoundTrip) {
  std::vector<int32_t> cps;
  DecodeUtf8("aé中😀", &cps);
  EXPECT_EQ(cps, (std::vector<int32_t>{'a', 0xE9, 0x4E2D, 0x1F600}));
  EXPECT_EQ(EncodeUtf8(cps), "aé中😀");
  EXPECT_EQ(Utf8Prefix("aé中😀", 3), "aé中");
  EXPECT_EQ(CountCodePoints("aé中😀"), 4);
}

}  // namespace
}  // namespace doomscope
