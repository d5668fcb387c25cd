// Issue 5 acceptance: on every shared data file, the gold answers rendered as
// model outputs score 100%, the same outputs with one value changed score 0 on
// every item, abstentions score 100% on irrelevance and malformed calls 0.
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmarks/gsm8k/data.h"
#include "eval/numeric_match.h"
#include "benchmarks/tool_calls/python_call_writer.h"
#include "benchmarks/benchmark.h"
#include "benchmarks/wnut17/data.h"
#include "eval/error_classes.h"
#include "benchmarks/load_items.h"
#include "benchmarks/score_sample.h"
#include "gtest/gtest.h"
#include "tests/benchmarks/bfcl_gold.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

using testing::SharedPath;

TaskConfig Config(TaskKind kind, const std::string& relative) {
  TaskConfig cfg;
  cfg.set_name("t");
  cfg.set_kind(kind);
  cfg.set_data(SharedPath(relative));
  return cfg;
}

std::vector<benchmarks::TaskItem> Load(const TaskConfig& cfg) {
  auto items = benchmarks::LoadTaskItems(cfg, "");
  EXPECT_TRUE(items.ok()) << items.status();
  return items.ok() ? *std::move(items) : std::vector<benchmarks::TaskItem>{};
}

// Counts correct samples over all items for outputs made by `render`.
template <typename Render>
int CountCorrect(const TaskConfig& cfg, const std::vector<benchmarks::TaskItem>& items, Render render,
                 std::string* first_failure) {
  int correct = 0;
  for (const benchmarks::TaskItem& item : items) {
    const std::string output = render(item);
    const eval::ScoreResult r = benchmarks::ScoreSample(cfg, item, output, /*doom_loop=*/false);
    if (r.correct) {
      ++correct;
    } else if (first_failure->empty()) {
      *first_failure = absl::StrCat(item.id, ": ", r.error_class, " ", json::Serialize(r.details), " for ", output);
    }
  }
  return correct;
}

std::string Gsm8kAnswer(const benchmarks::TaskItem& item) { return item.gold.Find("answer")->as_string(); }
std::string Gsm8kSolution(const benchmarks::TaskItem& item) { return item.gold.Find("solution")->as_string(); }

TEST(GoldAcceptanceTest, Gsm8kGoldScoresFullMarksAndChangedAnswersZero) {
  for (Gsm8kScoring scoring : {GSM8K_SCORING_STRICT, GSM8K_SCORING_FLEXIBLE}) {
    TaskConfig cfg = Config(GSM8K_JSONL, "data/gsm8k/test.jsonl");
    cfg.set_gsm8k_scoring(scoring);
    const std::vector<benchmarks::TaskItem> items = Load(cfg);
    ASSERT_EQ(items.size(), 1319u - 8u);  // the 8 exemplars are never scored
    std::string failure;
    // "... The answer is N." and the original "#### N" solution.
    EXPECT_EQ(CountCorrect(cfg, items, [](const benchmarks::TaskItem& i) { return benchmarks::Gsm8kExemplarAnswer(Gsm8kSolution(i)); },
                           &failure),
              static_cast<int>(items.size()))
        << failure;
    EXPECT_EQ(CountCorrect(cfg, items, Gsm8kSolution, &failure), static_cast<int>(items.size())) << failure;
    // One value changed: the final answer plus one.
    auto changed = [](const benchmarks::TaskItem& i) {
      const int64_t n = std::stoll(Gsm8kAnswer(i));
      return absl::StrCat("Working it out step by step.\nThe answer is ", n + 1, ".");
    };
    auto changed_solution = [](const benchmarks::TaskItem& i) {
      std::string s = Gsm8kSolution(i);
      return absl::StrCat(s.substr(0, s.rfind("####")), "#### ", std::stoll(Gsm8kAnswer(i)) + 1);
    };
    failure.clear();
    EXPECT_EQ(CountCorrect(cfg, items, changed, &failure), 0) << failure;
    EXPECT_EQ(CountCorrect(cfg, items, changed_solution, &failure), 0) << failure;
  }
}

TEST(GoldAcceptanceTest, Gsm8kThousandsSeparatorsInReferenceAndOutput) {
  TaskConfig cfg = Config(GSM8K_JSONL, "data/gsm8k/test.jsonl");
  const std::vector<benchmarks::TaskItem> items = Load(cfg);
  int with_commas = 0;
  for (const benchmarks::TaskItem& item : items) {
    const std::string solution = Gsm8kSolution(item);
    const std::string raw = solution.substr(solution.rfind("####") + 5);
    if (raw.find(',') == std::string::npos) continue;
    ++with_commas;
    // The output writes the number with commas and a dollar sign.
    const eval::ScoreResult r = benchmarks::ScoreSample(cfg, item, absl::StrCat("The answer is $", raw, "."), false);
    EXPECT_TRUE(r.correct) << item.id << " " << raw;
  }
  EXPECT_EQ(with_commas, 14);  // shared/data/README.md
}

TEST(GoldAcceptanceTest, Wnut17GoldFieldsScoreFullMarksAndChangedValuesZero) {
  const TaskConfig cfg = Config(WNUT17_JSONL, "data/wnut17/test.jsonl");
  const std::vector<benchmarks::TaskItem> items = Load(cfg);
  ASSERT_EQ(items.size(), 1287u);
  std::string failure;
  EXPECT_EQ(CountCorrect(cfg, items, [](const benchmarks::TaskItem& i) { return json::Serialize(i.gold); }, &failure), 1287)
      << failure;
  for (const benchmarks::TaskItem& item : items) {
    const eval::ScoreResult r = benchmarks::ScoreSample(cfg, item, json::Serialize(item.gold), false);
    ASSERT_EQ(r.score, 1.0) << item.id;
    ASSERT_EQ(r.error_class, eval::error_class::kValid) << item.id;
  }
  // One value changed: the first entity gets a suffix; a sentence without
  // entities gets a spurious one.
  auto changed = [](const benchmarks::TaskItem& i) {
    json::Value fields = i.gold;
    for (auto& [type, list] : fields.mutable_object()) {
      if (!list.as_array().empty()) {
        list.mutable_array()[0] = json::Value(list.as_array()[0].as_string() + " qqq");
        return json::Serialize(fields);
      }
    }
    fields.Set("person", json::Value(json::Array{json::Value("Qqq Zzz")}));
    return json::Serialize(fields);
  };
  failure.clear();
  EXPECT_EQ(CountCorrect(cfg, items, changed, &failure), 0) << failure;
}

struct BfclFile {
  const char* name;
  size_t items;
};

constexpr BfclFile kBfclFiles[] = {{"BFCL_v4_simple_python.json", 400},
                                   {"BFCL_v4_multiple.json", 200},
                                   {"BFCL_v4_parallel.json", 200},
                                   {"BFCL_v4_parallel_multiple.json", 200}};

TEST(GoldAcceptanceTest, BfclGoldAsPythonAndJsonCallsScoresFullMarks) {
  for (const BfclFile& file : kBfclFiles) {
    const TaskConfig cfg = Config(BFCL_V4, absl::StrCat("data/bfcl/", file.name));
    const std::vector<benchmarks::TaskItem> items = Load(cfg);
    ASSERT_EQ(items.size(), file.items) << file.name;
    std::string failure;
    auto python = [](const benchmarks::TaskItem& i) { return benchmarks::PythonCallList(testing::GoldCalls(i)); };
    auto json_calls = [](const benchmarks::TaskItem& i) { return json::Serialize(benchmarks::JsonCallList(testing::GoldCalls(i))); };
    EXPECT_EQ(CountCorrect(cfg, items, python, &failure), static_cast<int>(file.items)) << file.name << " " << failure;
    EXPECT_EQ(CountCorrect(cfg, items, json_calls, &failure), static_cast<int>(file.items)) << file.name << " " << failure;
  }
}

TEST(GoldAcceptanceTest, BfclGoldWithOneValueChangedScoresZero) {
  for (const BfclFile& file : kBfclFiles) {
    const TaskConfig cfg = Config(BFCL_V4, absl::StrCat("data/bfcl/", file.name));
    const std::vector<benchmarks::TaskItem> items = Load(cfg);
    std::string failure;
    auto changed = [](const benchmarks::TaskItem& i) {
      std::vector<eval::FunctionCall> calls = testing::GoldCalls(i);
      testing::MutateOneValue(i, &calls);
      return calls;
    };
    auto python = [&](const benchmarks::TaskItem& i) { return benchmarks::PythonCallList(changed(i)); };
    auto json_calls = [&](const benchmarks::TaskItem& i) { return json::Serialize(benchmarks::JsonCallList(changed(i))); };
    EXPECT_EQ(CountCorrect(cfg, items, python, &failure), 0) << file.name << " " << failure;
    EXPECT_EQ(CountCorrect(cfg, items, json_calls, &failure), 0) << file.name << " " << failure;
  }
}

TEST(GoldAcceptanceTest, BfclIrrelevanceAbstentionsScoreFullMarksAndMalformedCallsZero) {
  const TaskConfig cfg = Config(BFCL_V4, "data/bfcl/BFCL_v4_irrelevance.json");
  const std::vector<benchmarks::TaskItem> items = Load(cfg);
  ASSERT_EQ(items.size(), 240u);
  std::string failure;
  auto abstain = [](const benchmarks::TaskItem&) {
    return std::string("None of the offered functions can answer this question, so I will not call any.");
  };
  EXPECT_EQ(CountCorrect(cfg, items, abstain, &failure), 240) << failure;
  auto empty_list = [](const benchmarks::TaskItem&) { return std::string("[]"); };
  EXPECT_EQ(CountCorrect(cfg, items, empty_list, &failure), 240) << failure;

  auto first_name = [](const benchmarks::TaskItem& i) {
    return i.extra.Find("functions")->as_array()[0].Find("name")->as_string();
  };
  // Truncated Python call, truncated JSON call, and the attribute-style tag of gorilla #1362.
  const std::vector<std::function<std::string(const benchmarks::TaskItem&)>> malformed = {
      [&](const benchmarks::TaskItem& i) { return absl::StrCat("[", first_name(i), "(x=\"unterminated"); },
      [&](const benchmarks::TaskItem& i) { return absl::StrCat("{\"name\": \"", first_name(i), "\", \"arguments\": {\"a\": 1"); },
      [&](const benchmarks::TaskItem& i) {
        return absl::StrCat("<tool_call>\n<tool_call name=\"", first_name(i), "\" arguments={\"a\": 1}/>\n</tool_call>");
      },
  };
  for (const auto& render : malformed) {
    failure.clear();
    EXPECT_EQ(CountCorrect(cfg, items, render, &failure), 0) << failure;
    for (const benchmarks::TaskItem& item : items) {
      ASSERT_EQ(benchmarks::ScoreSample(cfg, item, render(item), false).error_class, eval::error_class::kParseError)
          << render(item);
    }
  }
  // A well-formed call is wrong too.
  auto call = [&](const benchmarks::TaskItem& i) { return absl::StrCat("[", first_name(i), "()]"); };
  EXPECT_EQ(CountCorrect(cfg, items, call, &failure), 0);
}

}  // namespace
}  // namespace doomscope
