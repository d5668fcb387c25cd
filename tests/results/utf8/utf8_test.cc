// The UTF-8 leaf: one definition of valid UTF-8 (RFC 3629) for every folder.
#include "results/utf8/utf8.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace doomscope {
namespace {

TEST(Utf8Test, ValidTextPassesThroughUnchanged) {
  const std::string text = "plain ascii, é, 中文, 😀 and a real \xEF\xBF\xBD";
  EXPECT_TRUE(IsValidUtf8(text));
  EXPECT_EQ(ToValidUtf8(text), text);
  EXPECT_EQ(CountCodePoints("a中😀"), 3);
}

TEST(Utf8Test, EveryInvalidByteBecomesOneReplacement) {
  const std::string r(kReplacementUtf8);
  EXPECT_EQ(ToValidUtf8(std::string("a\xFF" "b", 3)), "a" + r + "b");
  EXPECT_EQ(ToValidUtf8("\xC3"), r);                  // truncated 2-byte sequence
  EXPECT_EQ(ToValidUtf8("\xE4\xB8"), r + r);          // a split CJK character: both bytes
  EXPECT_EQ(ToValidUtf8("\xC0\xAF"), r + r);          // overlong '/'
  EXPECT_EQ(ToValidUtf8("\xED\xA0\x80"), r + r + r);  // a UTF-16 surrogate
  EXPECT_EQ(ToValidUtf8("\xF4\x90\x80\x80"), r + r + r + r);  // above U+10FFFF
  EXPECT_EQ(ToValidUtf8("\x80"), r);                  // stray continuation byte
  EXPECT_FALSE(IsValidUtf8("ok\xE4\xB8"));
  EXPECT_EQ(CountCodePoints("\xE4\xB8"), 2);
}

TEST(Utf8Test, LongAsciiRunsAroundABadByteAreKept) {
  const std::string ascii(100, 'x');
  EXPECT_EQ(ToValidUtf8(ascii + "\xFE" + ascii), ascii + std::string(kReplacementUtf8) + ascii);
  EXPECT_TRUE(IsValidUtf8(ascii + "é" + ascii));
}

TEST(Utf8Test, DecodeAndEncodeRoundTrip) {
  std::vector<int32_t> cps;
  DecodeUtf8("a\xC3\xA9\xF0\x9F\x98\x80\xFF", &cps);
  EXPECT_EQ(cps, (std::vector<int32_t>{'a', 0xE9, 0x1F600, kReplacementChar}));
  EXPECT_EQ(EncodeUtf8(cps), "a\xC3\xA9\xF0\x9F\x98\x80\xEF\xBF\xBD");
  std::string s;
  AppendUtf8(0xD800, &s);  // no UTF-8 form
  AppendUtf8(0x110000, &s);
  EXPECT_EQ(s, std::string(kReplacementUtf8) + std::string(kReplacementUtf8));
}

TEST(Utf8Test, CutsNeverSplitACharacter) {
  const std::string text = "ab中文";  // 2 + 3 + 3 bytes
  EXPECT_EQ(Utf8SafePrefix(text, 4), "ab");
  EXPECT_EQ(Utf8SafePrefix(text, 5), "ab中");
  EXPECT_EQ(Utf8SafeSuffix(text, 4), "文");
  EXPECT_EQ(Utf8Prefix(text, 3), "ab中");
}

}  // namespace
}  // namespace doomscope
