// Number normalization, the generic numeric match GSM8K's scorer builds on.
#include "eval/numeric_match.h"

#include "gtest/gtest.h"

namespace doomscope::eval {
namespace {

TEST(NumberNormalizeTest, CommasDollarsTrailingZerosAndSigns) {
  EXPECT_EQ(NormalizeNumber("1,450,000"), "1450000");
  EXPECT_EQ(NormalizeNumber("$2,125"), "2125");
  EXPECT_EQ(NormalizeNumber("18.0"), "18");
  EXPECT_EQ(NormalizeNumber("18."), "18");
  EXPECT_EQ(NormalizeNumber("18.50"), "18.5");
  EXPECT_EQ(NormalizeNumber("007"), "7");
  EXPECT_EQ(NormalizeNumber("0.25"), "0.25");
  EXPECT_EQ(NormalizeNumber("-$5"), "-5");
  EXPECT_EQ(NormalizeNumber("$-5"), "-5");
  EXPECT_EQ(NormalizeNumber("\xE2\x88\x92" "3"), "-3");
  EXPECT_EQ(NormalizeNumber("-0.0"), "0");
  EXPECT_EQ(NormalizeNumber("+4"), "4");
  EXPECT_EQ(NormalizeNumber("abc"), std::nullopt);
  EXPECT_EQ(NormalizeNumber("1.2.3"), std::nullopt);
  EXPECT_EQ(NormalizeNumber("$"), std::nullopt);
}

}  // namespace
}  // namespace doomscope::eval
