// `doomscope detect` as a user runs it: the 300 labeled cases, malformed
// input, --skip_invalid, --group_by, --json, --assume_capped and
// --detector_config.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "results/json/json.h"
#include "results/json/jsonl.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

using testing::MakeTempDir;
using testing::ReadFile;
using testing::RunDoomscope;
using testing::SharedPath;
using testing::WriteFile;

std::vector<json::Value> ReadLines(const std::string& path) {
  std::vector<json::Value> out;
  for (absl::string_view line : absl::StrSplit(ReadFile(path), '\n', absl::SkipEmpty())) {
    auto v = json::Parse(std::string_view(line.data(), line.size()));
    EXPECT_TRUE(v.ok()) << v.status();
    if (v.ok()) out.push_back(*std::move(v));
  }
  return out;
}

std::string Repeat(std::string_view s, int n) {
  std::string r;
  for (int i = 0; i < n; ++i) r += s;
  return r;
}

// A doom loop and a clean answer, for small files.
std::string LoopText() { return "Let me think. " + Repeat("I will check the total again. ", 40); }
std::string CleanText() { return "The answer is 42 because six times seven is forty-two."; }

TEST(DetectE2eTest, TheLabeledCasesComeOutRight) {
  const std::string cases = SharedPath("data/detect-cases/cases.jsonl");
  const std::string dir = MakeTempDir("detect");
  const std::string out = dir + "/findings.jsonl";
  const auto r = RunDoomscope(absl::StrCat("detect --input ", cases, " --output ", out, " --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, bool> label;
  std::vector<std::string> order;
  ASSERT_TRUE(json::ReadJsonl(cases, [&](int, json::Value v) {
                const std::string id = v.Find("id")->as_string();
                label[id] = v.Find("label")->Find("doom_loop")->as_bool();
                order.push_back(id);
                return absl::OkStatus();
              }).ok());
  const std::vector<json::Value> lines = ReadLines(out);
  ASSERT_EQ(lines.size(), 300u);
  int positives = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const json::Value& l = lines[i];
    const std::string id = l.Find("id")->as_string();
    EXPECT_EQ(id, order[i]) << "output must follow input order";
    EXPECT_EQ(l.Find("doom_loop")->as_bool(), label[id]) << id;
    positives += l.Find("doom_loop")->as_bool();
    for (const char* field : {"recovered_loop", "kind", "level", "period", "repeats", "full_copies", "onset",
                              "coverage", "unit_kind", "unit_preview", "seq_rep_4", "distinct_4", "ngram_loop",
                              "findings"}) {
      EXPECT_NE(l.Find(field), nullptr) << field;
    }
    EXPECT_EQ(l.Find("level")->as_string(), "char");
  }
  EXPECT_EQ(positives, 120);
  auto summary = json::Parse(r.out);
  ASSERT_TRUE(summary.ok()) << r.out;
  EXPECT_EQ(summary->Find("lines")->as_int(), 300);
  EXPECT_EQ(summary->Find("total")->Find("doom_loops")->as_int(), 120);
  EXPECT_DOUBLE_EQ(summary->Find("total")->Find("ratio")->as_double(), 0.4);
}

TEST(DetectE2eTest, FindingsCarryTheFullRecord) {
  const std::string dir = MakeTempDir("detect");
  const std::string in = dir + "/gen.jsonl", out = dir + "/out.jsonl";
  WriteFile(in, absl::StrCat(R"({"id": 7, "text": ")", LoopText(), R"(", "finish_reason": "length"})", "\n"));
  const auto r = RunDoomscope(absl::StrCat("detect --input ", in, " --output ", out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<json::Value> lines = ReadLines(out);
  ASSERT_EQ(lines.size(), 1u);
  const json::Value& l = lines[0];
  EXPECT_EQ(l.Find("id")->as_int(), 7);  // an integer id stays an integer
  EXPECT_TRUE(l.Find("doom_loop")->as_bool());
  EXPECT_EQ(l.Find("kind")->as_string(), "tail_loop");
  EXPECT_EQ(l.Find("unit_kind")->as_string(), "text");
  EXPECT_EQ(l.Find("period")->as_int(), 30);
  EXPECT_EQ(l.Find("full_copies")->as_int(), 40);
  const json::Value* f = l.Find("findings");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->Find("detector_version")->as_string(), "doomscope-detectors/1");
  EXPECT_TRUE(f->Find("verdict")->Find("doom_loop")->as_bool());
  EXPECT_TRUE(f->Find("tail")->Find("unit_hash")->is_string());
  EXPECT_EQ(f->Find("ngram")->Find("unique_n")->as_array().size(), 4u);
}

// Generations of a model whose chat template opens "<think>" in the prompt
// (Qwen3.5): with the line's `prompt`, the loop is placed in the think segment.
TEST(DetectE2eTest, APromptThatOpensThinkPutsTheOutputInIt) {
  const std::string dir = MakeTempDir("detect-think");
  const std::string in = dir + "/gen.jsonl", out = dir + "/out.jsonl";
  WriteFile(in, absl::StrCat(R"({"id": "a", "prompt": "<|im_start|>assistant\n<think>\n", "text": ")", LoopText(),
                             R"(", "finish_reason": "length"})", "\n", R"({"id": "b", "text": ")", LoopText(),
                             R"(", "finish_reason": "length"})", "\n", R"({"id": "c", "prompt": 3, "text": "x"})",
                             "\n"));
  const auto bad = RunDoomscope(absl::StrCat("detect --input ", in, " --output ", out));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find(":3: field 'prompt' must be a string"), std::string::npos) << bad.err;
  const auto r = RunDoomscope(absl::StrCat("detect --input ", in, " --output ", out, " --skip-invalid"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<json::Value> lines = ReadLines(out);
  ASSERT_EQ(lines.size(), 2u);
  const json::Value* think = lines[0].Find("findings")->Find("think");
  ASSERT_NE(think, nullptr);
  EXPECT_TRUE(think->Find("opened")->as_bool());
  EXPECT_EQ(lines[0].Find("findings")->Find("segment")->as_string(), "think");
  const json::Value* plain = lines[1].Find("findings")->Find("think");
  EXPECT_TRUE(plain == nullptr || plain->Find("opened") == nullptr || !plain->Find("opened")->as_bool());
}

TEST(DetectE2eTest, MalformedLineFailsAndLeavesTheOutputUntouched) {
  const std::string dir = MakeTempDir("detect");
  const std::string in = dir + "/gen.jsonl", out = dir + "/out.jsonl";
  WriteFile(in, absl::StrCat(R"({"id": "a", "text": "fine", "finish_reason": "stop"})", "\n",
                             R"({"id": "b", "tokens": [1, "x"], "finish_reason": "stop"})", "\n"));
  WriteFile(out, "previous results\n");
  const auto r = RunDoomscope(absl::StrCat("detect --input ", in, " --output ", out));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(in + ":2:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("tokens"), std::string::npos) << r.err;
  EXPECT_EQ(ReadFile(out), "previous results\n");
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 2) << "no temporary file may be left behind";

  // Not JSON at all, an unknown finish reason, a missing id: all exit 2.
  for (const std::string& bad : {std::string("{not json"), std::string(R"({"id":"c","text":"x","finish_reason":"done"})"),
                                std::string(R"({"text":"x"})"), std::string(R"({"id":"d"})"),
                                std::string(R"({"id":"e","text":"x","max_new_tokens":0})")}) {
    WriteFile(in, bad + "\n");
    const auto b = RunDoomscope(absl::StrCat("detect --input ", in, " --output ", out));
    EXPECT_EQ(b.exit_code, 2) << bad;
    EXPECT_NE(b.err.find(in + ":1:"), std::string::npos) << b.err;
    EXPECT_EQ(ReadFile(out), "previous results\n");
  }
  // A missing input file is bad input too.
  EXPECT_EQ(RunDoomscope(absl::StrCat("detect --input ", dir, "/nope.jsonl")).exit_code, 2);
}

TEST(DetectE2eTest, SkipInvalidCountsAndContinues) {
  const std::string dir = MakeTempDir("detect");
  const std::string in = dir + "/gen.jsonl", out = dir + "/out.jsonl";
  WriteFile(in, absl::StrCat(R"({"id": "a", "text": ")", LoopText(), R"(", "finish_reason": "length"})", "\n",
                             "{broken\n", R"({"id": "c", "text": ")", CleanText(), R"(", "finish_reason": "stop"})",
                             "\n", R"({"id": "d", "finish_reason": "stop"})", "\n"));
  const auto r = RunDoomscope(absl::StrCat("detect --input ", in, " --output ", out, " --skip_invalid"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("skipped 2 invalid lines"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(in + ":2:"), std::string::npos) << r.err;
  const std::vector<json::Value> lines = ReadLines(out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].Find("id")->as_string(), "a");
  EXPECT_TRUE(lines[0].Find("doom_loop")->as_bool());
  EXPECT_EQ(lines[1].Find("id")->as_string(), "c");
  EXPECT_FALSE(lines[1].Find("doom_loop")->as_bool());
  EXPECT_NE(r.out.find("(2 invalid lines skipped)"), std::string::npos) << r.out;
}

std::string GroupedInput() {
  std::string s;
  // Model a: 3 lines, 2 doom loops; model b: 2 lines, 0.
  for (const auto& [id, model, loop] : std::vector<std::tuple<std::string, std::string, bool>>{
           {"1", "a", true}, {"2", "a", true}, {"3", "a", false}, {"4", "b", false}, {"5", "b", false}}) {
    s += absl::StrCat(R"({"id": ")", id, R"(", "model": ")", model, R"(", "task": "gsm8k", "text": ")",
                      loop ? LoopText() : CleanText(), R"(", "finish_reason": ")", loop ? "length" : "stop", "\"}\n");
  }
  return s;
}

TEST(DetectE2eTest, GroupByPrintsOneRowPerGroup) {
  const std::string dir = MakeTempDir("detect");
  const std::string in = dir + "/gen.jsonl";
  WriteFile(in, GroupedInput());
  const auto r = RunDoomscope(absl::StrCat("detect --input ", in, " --group_by model,task"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> rows = absl::StrSplit(r.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(rows.size(), 4u) << r.out;  // header, a, b, all
  EXPECT_NE(rows[0].find("doom loops"), std::string::npos);
  EXPECT_NE(rows[1].find("model=a task=gsm8k"), std::string::npos) << r.out;
  EXPECT_NE(rows[1].find("0.667"), std::string::npos) << r.out;
  EXPECT_NE(rows[2].find("model=b task=gsm8k"), std::string::npos) << r.out;
  EXPECT_NE(rows[2].find("[0.000, 0.658]"), std::string::npos) << r.out;  // Wilson 0/2
  EXPECT_EQ(rows[3].rfind("all", 0), 0u) << r.out;
}

TEST(DetectE2eTest, JsonSummaryHasTheSameNumbers) {
  const std::string dir = MakeTempDir("detect");
  const std::string in = dir + "/gen.jsonl";
  WriteFile(in, GroupedInput());
  const auto r = RunDoomscope(absl::StrCat("detect --input ", in, " --group_by model --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto v = json::Parse(r.out);
  ASSERT_TRUE(v.ok()) << r.out;
  const json::Array& groups = v->Find("groups")->as_array();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].Find("key")->Find("model")->as_string(), "a");
  EXPECT_EQ(groups[0].Find("n")->as_int(), 3);
  EXPECT_EQ(groups[0].Find("doom_loops")->as_int(), 2);
  const json::Array& ci = groups[0].Find("ci95")->as_array();
  EXPECT_NEAR(ci[0].as_double(), 0.2076, 1e-4);  // Wilson 2/3
  EXPECT_NEAR(ci[1].as_double(), 0.9385, 1e-4);
  EXPECT_EQ(groups[1].Find("doom_loops")->as_int(), 0);
  EXPECT_EQ(v->Find("total")->Find("n")->as_int(), 5);
}

TEST(DetectE2eTest, MissingFinishReasonCountsAsCappedOnlyWhenAsked) {
  const std::string dir = MakeTempDir("detect");
  const std::string in = dir + "/gen.jsonl", out = dir + "/out.jsonl";
  WriteFile(in, absl::StrCat(R"({"id": "a", "text": ")", LoopText(), "\"}\n"));
  ASSERT_EQ(RunDoomscope(absl::StrCat("detect --input ", in, " --output ", out)).exit_code, 0);
  EXPECT_FALSE(ReadLines(out)[0].Find("doom_loop")->as_bool());
  ASSERT_EQ(RunDoomscope(absl::StrCat("detect --input ", in, " --output ", out, " --assume_capped")).exit_code, 0);
  EXPECT_TRUE(ReadLines(out)[0].Find("doom_loop")->as_bool());
}

TEST(DetectE2eTest, TokensAreUsedWhenPresent) {
  const std::string dir = MakeTempDir("detect");
  const std::string in = dir + "/gen.jsonl", out = dir + "/out.jsonl";
  std::string tokens = "[";
  for (int i = 0; i < 50; ++i) tokens += absl::StrCat(100 + i, ",");
  for (int i = 0; i < 60; ++i) tokens += absl::StrCat(7, i + 1 < 60 ? "," : "]");
  WriteFile(in, absl::StrCat(R"({"id": "t", "tokens": )", tokens, R"(, "max_new_tokens": 110})", "\n"));
  ASSERT_EQ(RunDoomscope(absl::StrCat("detect --input ", in, " --output ", out)).exit_code, 0);
  const json::Value l = ReadLines(out)[0];
  EXPECT_EQ(l.Find("level")->as_string(), "token");
  EXPECT_TRUE(l.Find("doom_loop")->as_bool());  // capped: 110 tokens reached max_new_tokens
  EXPECT_EQ(l.Find("period")->as_int(), 1);
}

TEST(DetectE2eTest, DetectorConfigOverridesAndReportsParseErrors) {
  const std::string dir = MakeTempDir("detect");
  const std::string in = dir + "/gen.jsonl", out = dir + "/out.jsonl", cfg = dir + "/det.textproto";
  WriteFile(in, absl::StrCat(R"({"id": "a", "text": ")", LoopText(), R"(", "finish_reason": "length"})", "\n"));
  WriteFile(cfg, "tail { k_min: 50 }\n");  // 40 copies no longer qualify
  auto r = RunDoomscope(absl::StrCat("detect --input ", in, " --output ", out, " --detector_config ", cfg));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(ReadLines(out)[0].Find("doom_loop")->as_bool());
  WriteFile(cfg, "tail {\n  k_min: \"x\"\n}\n");
  r = RunDoomscope(absl::StrCat("detect --input ", in, " --detector_config ", cfg));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(cfg + ":2:"), std::string::npos) << r.err;
  WriteFile(cfg, "tail { k_min: 1 }\n");
  r = RunDoomscope(absl::StrCat("detect --input ", in, " --detector_config ", cfg));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("tail.k_min"), std::string::npos) << r.err;
}

TEST(DetectE2eTest, TheBundledExampleRuns) {
  const std::string dir = MakeTempDir("detect");
  // The checkout's root, from this file's path (CMake compiles it by absolute path).
  std::string root = __FILE__;
  root = root.substr(0, root.rfind("/tests/e2e/"));
  const std::string example = root + "/examples/generations.jsonl";
  const auto r = RunDoomscope(absl::StrCat("detect --input ", example, " --output ", dir, "/f.jsonl --group_by model"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("model="), std::string::npos) << r.out;
}

}  // namespace
}  // namespace doomscope
