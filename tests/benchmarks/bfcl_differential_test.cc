// BFCL scoring against BFCL's own checker, verdict for verdict: ~2,000
// candidate answers (gold, other acceptable values, type and string
// perturbations, dropped and extra parameters, renamed, duplicated, reordered
// and dropped calls, positional arguments, None, non-ASCII strings) with the
// verdicts BFCL's ast_checker gave them, for a prompting model (names exact)
// and a function-calling model whose names map dots to underscores.
// The fixture and the script that made it: tests/benchmarks/data/,
// scripts/fixtures/bfcl_checker_verdicts.py.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmarks/load_items.h"
#include "benchmarks/score_sample.h"
#include "gtest/gtest.h"
#include "results/json/jsonl.h"
#include "tests/test_support.h"

namespace doomscope::benchmarks {
namespace {

std::string FixturePath() {
  return (std::filesystem::path(__FILE__).parent_path() / "data" / "bfcl_checker_verdicts.jsonl").string();
}

struct Candidate {
  std::string id, category, kind, output;
  bool exact_names = false, underscored_names = false;
  TaskItem inline_item;  // for hand-made items (functions and ground truth in the line)
  bool has_inline_item = false;
};

std::vector<Candidate> ReadFixture() {
  std::vector<Candidate> out;
  absl::Status st = json::ReadJsonl(FixturePath(), [&](int line, json::Value v) -> absl::Status {
    if (line == 1) return absl::OkStatus();  // generator, BFCL commit, seed
    Candidate c;
    c.id = v.Find("id")->as_string();
    c.category = v.Find("category")->as_string();
    c.kind = v.Find("kind")->as_string();
    c.output = v.Find("output")->as_string();
    c.exact_names = v.Find("exact_names")->as_bool();
    c.underscored_names = v.Find("underscored_names")->as_bool();
    if (const json::Value* functions = v.Find("function"); functions != nullptr) {
      c.has_inline_item = true;
      c.inline_item.id = c.id;
      c.inline_item.gold = *v.Find("ground_truth");
      c.inline_item.extra = json::Value(json::Object{{"category", json::Value(c.category)}, {"functions", *functions}});
    }
    out.push_back(std::move(c));
    return absl::OkStatus();
  });
  EXPECT_TRUE(st.ok()) << st;
  return out;
}

std::map<std::string, TaskItem> SharedItems() {
  std::map<std::string, TaskItem> items;
  for (const char* category : {"simple_python", "multiple", "parallel", "parallel_multiple"}) {
    TaskConfig cfg;
    cfg.set_name("bfcl");
    cfg.set_kind(BFCL_V4);
    cfg.set_data(testing::SharedPath(absl::StrCat("data/bfcl/BFCL_v4_", category, ".json")));
    auto loaded = LoadTaskItems(cfg, "");
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    if (!loaded.ok()) continue;
    for (TaskItem& item : *loaded) items.emplace(item.id, std::move(item));
  }
  return items;
}

TEST(BfclDifferentialTest, VerdictsMatchBfclsChecker) {
  const std::vector<Candidate> candidates = ReadFixture();
  ASSERT_GE(candidates.size(), 1500u);
  const std::map<std::string, TaskItem> items = SharedItems();
  std::map<std::string, int> kinds;
  int accepted = 0, checked = 0;
  std::vector<std::string> mismatches;
  for (const Candidate& c : candidates) {
    const TaskItem* item = &c.inline_item;
    if (!c.has_inline_item) {
      auto it = items.find(c.id);
      ASSERT_NE(it, items.end()) << c.id;
      item = &it->second;
    }
    ++kinds[c.kind];
    for (bool underscored : {false, true}) {
      TaskConfig cfg;
      cfg.set_name("bfcl");
      cfg.set_kind(BFCL_V4);
      cfg.set_function_names(underscored ? FUNCTION_NAMES_UNDERSCORED : FUNCTION_NAMES_EXACT);
      const eval::ScoreResult r = ScoreSample(cfg, *item, c.output, /*doom_loop=*/false);
      const bool expected = underscored ? c.underscored_names : c.exact_names;
      ++checked;
      accepted += expected ? 1 : 0;
      if (r.correct != expected) {
        mismatches.push_back(absl::StrCat(c.id, " [", c.kind, underscored ? ", underscored" : ", exact", "] ",
                                          c.output, ": BFCL ", expected ? "accepts" : "rejects", ", we say ",
                                          r.error_class, " ", json::Serialize(r.details)));
      }
    }
  }
  // Both verdicts are well represented, and every kind of candidate is there.
  EXPECT_GT(accepted, checked / 5);
  EXPECT_LT(accepted, 3 * checked / 4);
  for (const char* kind : {"gold", "alternative", "value", "drop_param", "extra_param", "rename", "duplicate_call",
                           "reorder", "drop_call", "positional", "none_value", "unicode"}) {
    EXPECT_GT(kinds[kind], 0) << kind;
  }
  EXPECT_TRUE(mismatches.empty()) << mismatches.size() << " of " << checked << " verdicts differ; first: "
                                  << mismatches.front();
}

}  // namespace
}  // namespace doomscope::benchmarks
