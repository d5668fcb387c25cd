// `doomscope generate` and `doomscope bench` as a user runs them: run.c's
// output in plain mode, JSONL in and out, tokens independent of --batch and
// --threads, clear errors for bad input, and bench's JSON report.
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

std::string ModelFlags() {
  return absl::StrCat("--model ", SharedPath("models/stories260K/stories260K.bin"), " --tokenizer ",
                      SharedPath("models/stories260K/tok512.bin"));
}

// The reference rows by prompt: (output, generated ids).
json::Value ReferenceRow(const std::string& prompt) {
  json::Value found;
  absl::Status s = json::ReadJsonl(SharedPath("models/stories260K/reference_greedy.jsonl"), [&](int, json::Value v) {
    if (v.Find("prompt")->as_string() == prompt) found = std::move(v);
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_TRUE(found.is_object()) << prompt;
  return found;
}

std::vector<json::Value> ParseLines(const std::string& text) {
  std::vector<json::Value> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    absl::StatusOr<json::Value> v = json::Parse(std::string(line));
    EXPECT_TRUE(v.ok()) << v.status() << ": " << line;
    if (v.ok()) out.push_back(*std::move(v));
  }
  return out;
}

TEST(GenerateE2eTest, PlainModePrintsWhatRunCPrints) {
  const json::Value ref = ReferenceRow("Once upon a time");
  // run.c -n 256 = 256 positions after BOS: 4 prompt tokens + 252 generated.
  auto r = RunDoomscope(absl::StrCat("generate ", ModelFlags(), " --prompt 'Once upon a time' --max_new_tokens 252"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, ref.Find("output")->as_string() + "\n");
  EXPECT_NE(r.err.find("achieved tok/s"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("finish length"), std::string::npos) << r.err;
}

TEST(GenerateE2eTest, JsonlModeWritesOneResultPerLineInInputOrder) {
  const std::string dir = MakeTempDir("gen");
  WriteFile(dir + "/prompts.jsonl",
            "{\"id\": \"lily\", \"prompt\": \"Lily and Tom\"}\n"
            "{\"id\": 7, \"prompt_tokens\": [1, 403, 407, 261, 378], \"max_new_tokens\": 252}\n"
            "\n"
            "{\"prompt\": \"The dog\", \"max_new_tokens\": 3}\n");
  auto r = RunDoomscope(absl::StrCat("generate ", ModelFlags(), " --prompts ", dir, "/prompts.jsonl --output ", dir,
                                     "/out.jsonl --max_new_tokens 400 --batch 2"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<json::Value> lines = ParseLines(ReadFile(dir + "/out.jsonl"));
  ASSERT_EQ(lines.size(), 3u);

  const json::Value lily = ReferenceRow("Lily and Tom");
  EXPECT_EQ(lines[0].Find("id")->as_string(), "lily");
  EXPECT_EQ(lines[0].Find("finish_reason")->as_string(), "stop");  // the model produced BOS
  EXPECT_EQ(lines[0].Find("prompt")->as_string() + lines[0].Find("text")->as_string(),
            lily.Find("output")->as_string());
  EXPECT_EQ(*lines[0].Find("tokens"), *lily.Find("generated_token_ids"));
  EXPECT_EQ(lines[0].Find("prompt_token_count")->as_int(), 5);
  EXPECT_EQ(lines[0].Find("new_token_count")->as_int(), 220);
  EXPECT_GT(lines[0].Find("decode_ms")->as_double(), 0.0);

  const json::Value once = ReferenceRow("Once upon a time");
  EXPECT_EQ(lines[1].Find("id")->as_int(), 7);
  EXPECT_EQ(lines[1].Find("prompt")->as_string(), "Once upon a time");  // decoded from the ids
  EXPECT_EQ(lines[1].Find("finish_reason")->as_string(), "length");
  EXPECT_EQ(*lines[1].Find("tokens"), *once.Find("generated_token_ids"));

  EXPECT_EQ(lines[2].Find("id")->as_int(), 3);  // no id: the line number
  EXPECT_EQ(lines[2].Find("new_token_count")->as_int(), 3);
  EXPECT_EQ(lines[2].Find("finish_reason")->as_string(), "length");
  EXPECT_NE(r.err.find("generated"), std::string::npos);
}

TEST(GenerateE2eTest, SampledTokensDoNotDependOnBatchOrThreads) {
  const std::string dir = MakeTempDir("gen");
  std::string prompts;
  const std::vector<std::string> texts = {"Once upon a time", "Lily and Tom", "The dog", "One day", "Tim and Sue"};
  for (int i = 0; i < 20; ++i) {
    prompts += absl::StrCat("{\"id\": ", 100 + i, ", \"prompt\": \"", texts[i % texts.size()],
                            "\", \"max_new_tokens\": ", 30 + (i * 11) % 50, "}\n");
  }
  WriteFile(dir + "/p.jsonl", prompts);
  const std::string common = absl::StrCat("generate ", ModelFlags(), " --prompts ", dir,
                                          "/p.jsonl --temperature 0.8 --top_p 0.95 --seed 5");
  auto a = RunDoomscope(absl::StrCat(common, " --batch 1 --threads 1 --output ", dir, "/a.jsonl"));
  auto b = RunDoomscope(absl::StrCat(common, " --batch 16 --threads 2 --output ", dir, "/b.jsonl"));
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const std::vector<json::Value> la = ParseLines(ReadFile(dir + "/a.jsonl"));
  const std::vector<json::Value> lb = ParseLines(ReadFile(dir + "/b.jsonl"));
  ASSERT_EQ(la.size(), 20u);
  ASSERT_EQ(lb.size(), 20u);
  for (size_t i = 0; i < la.size(); ++i) {
    EXPECT_EQ(*la[i].Find("tokens"), *lb[i].Find("tokens")) << "line " << i + 1;
    EXPECT_EQ(*la[i].Find("text"), *lb[i].Find("text")) << "line " << i + 1;
  }
  // Rollouts of the same prompt (ids 100 and 105) sample differently.
  EXPECT_NE(*la[0].Find("tokens"), *la[5].Find("tokens"));
}

TEST(GenerateE2eTest, BadInputIsReportedWithItsLocation) {
  const std::string dir = MakeTempDir("gen");
  WriteFile(dir + "/prompts.jsonl", "{\"id\": 1, \"prompt\": \"ok\"}\n{\"id\": 2, \"prompt_tokens\": [1, 99999]}\n");
  auto r = RunDoomscope(absl::StrCat("generate ", ModelFlags(), " --prompts ", dir, "/prompts.jsonl"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("prompts.jsonl:2:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("prompt_tokens"), std::string::npos) << r.err;

  r = RunDoomscope("generate --prompt hi");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--model is required"), std::string::npos) << r.err;
  r = RunDoomscope(absl::StrCat("generate ", ModelFlags(), " --prompt hi --prompts x.jsonl"));
  EXPECT_EQ(r.exit_code, 2);
  r = RunDoomscope(absl::StrCat("generate --model ", dir, "/missing.gguf --prompt hi"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing.gguf"), std::string::npos) << r.err;
  r = RunDoomscope(absl::StrCat("generate ", ModelFlags(), " --prompt hi --top_p 0"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("top_p"), std::string::npos) << r.err;
}

TEST(GenerateE2eTest, HelpListsTheFlags) {
  auto r = RunDoomscope("generate --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* flag : {"--prompts", "--max_new_tokens", "--temperature", "--repetition_penalty", "--batch"}) {
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
  }
}

TEST(BenchE2eTest, JsonReportHasRatesAndTheMachineRoofline) {
  auto r = RunDoomscope(absl::StrCat("bench --model ", SharedPath("models/stories260K/stories260K.bin"),
                                     " --batch 1,4 --prompt_tokens 16 --gen_tokens 8 --threads 1 --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  absl::StatusOr<json::Value> v = json::Parse(r.out);
  ASSERT_TRUE(v.ok()) << v.status() << "\n" << r.out;
  EXPECT_GT(v->Find("bandwidth_gbps")->as_double(), 0.1);
  EXPECT_GT(v->Find("fma_peak_gflops")->as_double(), 0.1);
  const json::Array& rows = v->Find("rows")->as_array();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].Find("batch")->as_int(), 1);
  EXPECT_EQ(rows[1].Find("batch")->as_int(), 4);
  for (const json::Value& row : rows) {
    for (const char* key : {"prefill_tok_s", "decode_tok_s", "decode_pct_bandwidth", "prefill_pct_peak"}) {
      ASSERT_NE(row.Find(key), nullptr) << key;
      EXPECT_GT(row.Find(key)->as_double(), 0.0) << key;
    }
  }
  r = RunDoomscope(absl::StrCat("bench --model ", SharedPath("models/stories260K/stories260K.bin"), " --batch 0"));
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace doomscope
