// The HTTP path's character-level early-stop rule: a sentence loop streamed in
// small pieces fires (after the warm-up, with the loop covering the projected
// budget), a numbered list of distinct lines and a loop that starts too late
// in the budget do not.
#include "runners/text_loop_stop.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace doomscope {
namespace {

ResolvedConfig Defaults() { return ResolveConfig(DetectorConfig()); }

// Streams `text` in pieces of `piece` bytes; returns the byte offset at
// which the rule fired, or -1.
int64_t FireOffset(TextLoopStop& rule, const std::string& text, size_t piece = 7) {
  for (size_t i = 0; i < text.size(); i += piece) {
    if (rule.Push(std::string_view(text).substr(i, piece))) return static_cast<int64_t>(std::min(text.size(), i + piece));
  }
  return -1;
}

TEST(TextLoopStopTest, SentenceLoopFiresOnceWarmedUp) {
  std::string text = "Tom went to the park with his dog and they played with a red ball all day long. ";
  const std::string unit = "The dog was happy and Tom was happy too. ";
  const size_t intro = text.size();
  for (int i = 0; i < 200; ++i) text += unit;
  TextLoopStop rule(Defaults(), /*max_new_tokens=*/2048, /*effective_max_tokens=*/2048);
  const int64_t at = FireOffset(rule, text);
  ASSERT_GT(at, 0);
  EXPECT_TRUE(rule.fired());
  // Not before the warm-up (128 tokens ~ 512 characters), and once at least
  // four copies and L_stop (max(64, 0.05 * 2048) tokens ~ 408 characters) are there.
  EXPECT_GE(at, 512);
  EXPECT_GE(static_cast<size_t>(at), intro + 4 * unit.size());
  EXPECT_LT(static_cast<size_t>(at), intro + 20 * unit.size());
  EXPECT_FALSE(rule.Push(unit));  // fires once
}

TEST(TextLoopStopTest, NumberedListDoesNotFire) {
  std::string text;
  for (int i = 1; i <= 300; ++i) absl::StrAppend(&text, i, ". Add the item number ", i * 7, " to the list.\n");
  TextLoopStop rule(Defaults(), 4096, 4096);
  EXPECT_EQ(FireOffset(rule, text), -1);
}

TEST(TextLoopStopTest, LoopLateInTheBudgetIsLeftToRun) {
  // 3000 characters of distinct text in a budget of 1000 tokens (~4000
  // characters): a loop starting there cannot cover 25% of the output.
  std::string text;
  for (int i = 0; text.size() < 3300; ++i) absl::StrAppend(&text, "word", i * 13 % 997, " ");
  const std::string unit = "again and again we go. ";
  for (int i = 0; i < 12; ++i) text += unit;
  TextLoopStop rule(Defaults(), 1000, 1000);
  EXPECT_EQ(FireOffset(rule, text), -1);
}

}  // namespace
}  // namespace doomscope
