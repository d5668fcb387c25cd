#include "runners/progress.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

TEST(ProgressTest, FormatsCountsRateEtaAndRatios) {
  ProgressSnapshot s;
  s.done = 12;
  s.total = 40;
  s.elapsed_s = 4;
  s.checkpoints = {{"pretrain", 12, 2}, {"sft", 0, 0}};
  EXPECT_EQ(FormatProgress(s, 10), "[###-------] 12/40 30% 3.0 samples/s ETA 0:09 | doom pretrain 0.167 (2/12) sft -");
  EXPECT_EQ(FormatProgress(s, 0), "12/40 30% 3.0 samples/s ETA 0:09 | doom pretrain 0.167 (2/12) sft -");
}

TEST(ProgressTest, NothingDoneYet) {
  ProgressSnapshot s;
  s.total = 5;
  EXPECT_EQ(FormatProgress(s, 4), "[----] 0/5 0% - samples/s ETA -");
}

TEST(ProgressTest, LongEtaUsesHours) {
  ProgressSnapshot s;
  s.done = 1;
  s.total = 7201;
  s.elapsed_s = 1;
  EXPECT_EQ(FormatProgress(s, 0), "1/7201 0% 1.0 samples/s ETA 2:00:00");
}

TEST(ProgressTest, PlainModePrintsPeriodicLines) {
  std::string path = testing::MakeTempDir("progress") + "/out.txt";
  std::FILE* f = std::fopen(path.c_str(), "w+");
  ASSERT_NE(f, nullptr);
  double now = 0;
  {
    Progress p(f, /*interactive=*/false, 4, {{"a", 0, 0}}, [&] { return now; }, /*plain_interval_s=*/10);
    now = 1;
    p.Add(0, true);  // first sample prints at once
    now = 2;
    p.Add(0, false);  // within the interval: quiet
    now = 12;
    p.Add(0, false);  // interval passed: prints
    p.Finish();
    EXPECT_EQ(p.Snapshot().done, 3);
  }
  std::fclose(f);
  EXPECT_EQ(testing::ReadFile(path),
            "progress: 1/4 25% 1.0 samples/s ETA 0:03 | doom a 1.000 (1/1)\n"
            "progress: 3/4 75% 0.2 samples/s ETA 0:04 | doom a 0.333 (1/3)\n"
            "progress: 3/4 75% 0.2 samples/s ETA 0:04 | doom a 0.333 (1/3)\n");
}

TEST(ProgressTest, InteractiveModeRedrawsOneLine) {
  std::string path = testing::MakeTempDir("progress") + "/tty.txt";
  std::FILE* f = std::fopen(path.c_str(), "w+");
  ASSERT_NE(f, nullptr);
  double now = 0;
  Progress p(f, /*interactive=*/true, 2, {}, [&] { return now; });
  now = 1;
  p.Add(0, false);
  now = 2;
  p.Add(0, false);
  p.Finish();
  std::fclose(f);
  std::string out = testing::ReadFile(path);
  EXPECT_EQ(out.substr(0, 1), "\r");
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
  EXPECT_NE(out.find("2/2 100%"), std::string::npos);
}

}  // namespace
}  // namespace doomscope
