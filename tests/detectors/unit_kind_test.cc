// unit_kind classification.
#include "detectors/unit_kind.h"

#include "gtest/gtest.h"

namespace doomscope {
namespace {

TEST(UnitKindTest, Classifies) {
  EXPECT_EQ(ClassifyUnitText("\n"), WHITESPACE);
  EXPECT_EQ(ClassifyUnitText(" \n\t"), WHITESPACE);
  EXPECT_EQ(ClassifyUnitText("="), SEPARATOR);
  EXPECT_EQ(ClassifyUnitText("|---"), SEPARATOR);
  EXPECT_EQ(ClassifyUnitText("...... "), SEPARATOR);
  EXPECT_EQ(ClassifyUnitText("─"), SEPARATOR);  // box drawing
  EXPECT_EQ(ClassifyUnitText("<br>"), MARKUP);
  EXPECT_EQ(ClassifyUnitText("div><div class=\"x\""), MARKUP);  // a rotation cutting the tag
  EXPECT_EQ(ClassifyUnitText("0, "), STRUCTURED);
  EXPECT_EQ(ClassifyUnitText("[0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "), STRUCTURED);
  EXPECT_EQ(ClassifyUnitText("}, {"), SEPARATOR);
  EXPECT_EQ(ClassifyUnitText("the "), TEXT);
  EXPECT_EQ(ClassifyUnitText("Wait, let me re-check the calculation. "), TEXT);
  EXPECT_EQ(ClassifyUnitText("我们再检查一遍。"), TEXT);
  EXPECT_EQ(ClassifyUnitText(""), TEXT);
  EXPECT_EQ(UnitKindName(STRUCTURED), "structured");
}

}  // namespace
}  // namespace doomscope
