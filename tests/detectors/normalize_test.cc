// Character-level normalization: whitespace folding, long runs kept, UTF-8
// repair, code point counts.
#include "detectors/normalize.h"

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
