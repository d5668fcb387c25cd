// Field F1: entity normalization, multiset counts and P/R/F1.
#include "eval/field_f1.h"

#include <array>

#include "gtest/gtest.h"

namespace doomscope::eval {
namespace {

TEST(FieldF1Test, NormalizeEntity) {
  EXPECT_EQ(NormalizeEntity("  The   Beatles!! "), "the beatles");
  EXPECT_EQ(NormalizeEntity("\xE2\x80\x9C" "Abbey Road" "\xE2\x80\x9D"), "abbey road");
  EXPECT_EQ(NormalizeEntity("\xC3\x89" "cole"), "\xC3\xA9" "cole");
  EXPECT_EQ(NormalizeEntity("#"), "");
  EXPECT_EQ(NormalizeEntity("AT&T"), "at&t");
}

TEST(FieldF1Test, MultisetCountsAndPrf) {
  const std::array<std::string_view, 2> keys = {"a", "b"};
  auto obj = json::Parse(R"({"a": ["X", "x", "y"], "b": "z"})");
  ASSERT_TRUE(obj.ok());
  const FieldLists pred = ReadFieldLists(*obj, keys);
  EXPECT_FALSE(pred.valid);  // "b" is a string, not a list
  EXPECT_EQ(pred.lists.at("a").at("x"), 2);
  EXPECT_EQ(pred.lists.at("b").at("z"), 1);
  const FieldCounts c = CompareMultisets(pred.lists.at("a"), StringMultiset{{"x", 1}, {"w", 1}});
  EXPECT_EQ(c.tp, 1);
  EXPECT_EQ(c.fp, 2);
  EXPECT_EQ(c.fn, 1);
  const Prf p = PrfFromCounts(c.tp, c.fp, c.fn);
  EXPECT_DOUBLE_EQ(p.precision, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(p.recall, 0.5);
  EXPECT_DOUBLE_EQ(p.f1, 0.4);
  EXPECT_DOUBLE_EQ(PrfFromCounts(0, 0, 0).f1, 1.0);
}

}  // namespace
}  // namespace doomscope::eval
