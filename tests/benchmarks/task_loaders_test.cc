// LoadTaskItems for every kind: shared data, config checks, and errors that
// name the file, line and field.
#include "benchmarks/load_items.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "benchmarks/bfcl/data.h"
#include "benchmarks/bfcl/prompt.h"
#include "benchmarks/wnut17/data.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace doomscope::benchmarks {
namespace {

using doomscope::testing::MakeTempDir;
using doomscope::testing::SharedPath;
using doomscope::testing::WriteFile;

TaskConfig Config(TaskKind kind, const std::string& data) {
  TaskConfig cfg;
  cfg.set_name("t");
  cfg.set_kind(kind);
  if (kind == PROMPTS_JSONL) {
    cfg.set_prompts(data);
  } else {
    cfg.set_data(data);
  }
  return cfg;
}

std::string ErrorOf(const TaskConfig& cfg, const std::string& base = "") {
  auto items = LoadTaskItems(cfg, base);
  return items.ok() ? "OK" : std::string(items.status().message());
}

TEST(TaskLoadersTest, Wnut17SharedData) {
  auto items = LoadTaskItems(Config(WNUT17_JSONL, SharedPath("data/wnut17/test.jsonl")), "");
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_EQ(items->size(), 1287u);
  const TaskItem& item = (*items)[5];
  EXPECT_EQ(item.id, "wnut17_test_0005");
  EXPECT_EQ(json::Serialize(*item.gold.Find("person")), R"(["Colonel Rajesh Kalia"])");
  EXPECT_EQ(item.prompt.find(std::string(WnutInstruction())), 0u);
  EXPECT_NE(item.prompt.find("\n\nText: & gt ; * Arrangements"), std::string::npos);
  EXPECT_EQ(item.prompt.substr(item.prompt.size() - 6), "\nJSON:");
  ASSERT_EQ(item.messages.size(), 2u);
  for (std::string_view type : WnutEntityTypes()) {
    EXPECT_NE(item.prompt.find(absl::StrCat("\"", std::string(type), "\"")), std::string::npos) << type;
  }
}

TEST(TaskLoadersTest, Wnut17Errors) {
  const std::string dir = MakeTempDir("wnut");
  const std::string path = dir + "/w.jsonl";
  WriteFile(path, "{\"id\": \"a\", \"text\": \"x\", \"fields\": {\"person\": []}}\n");
  EXPECT_NE(ErrorOf(Config(WNUT17_JSONL, path)).find(path + ":1: field 'fields' lacks key 'location'"), std::string::npos)
      << ErrorOf(Config(WNUT17_JSONL, path));
  WriteFile(path, "{\"id\": \"a\", \"text\": \"x\", \"fields\": {\"person\": [1], \"location\": [], \"group\": [], "
                  "\"corporation\": [], \"product\": [], \"creative-work\": []}}\n");
  EXPECT_NE(ErrorOf(Config(WNUT17_JSONL, path)).find(":1: field 'fields.person' must hold strings"), std::string::npos);
  WriteFile(path, "{\"text\": \"x\"}\n");
  EXPECT_NE(ErrorOf(Config(WNUT17_JSONL, path)).find(":1: field 'id'"), std::string::npos);
  WriteFile(path, "not json\n");
  EXPECT_NE(ErrorOf(Config(WNUT17_JSONL, path)).find(path + ":1: invalid JSON"), std::string::npos);
}

TEST(TaskLoadersTest, BfclSharedDataEveryCategory) {
  const std::string dir = SharedPath("data/bfcl");
  auto items = LoadTaskItems(Config(BFCL_V4, dir), "");
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_EQ(items->size(), 400u + 200 + 200 + 200 + 240);
  const TaskItem& first = (*items)[0];
  EXPECT_EQ(first.id, "simple_python_0");
  EXPECT_EQ(first.extra.Find("category")->as_string(), "simple_python");
  EXPECT_EQ(json::Serialize(first.gold),
            R"([{"calculate_triangle_area":{"base":[10],"height":[5],"unit":["units",""]}}])");
  // The prompt shows JSON-schema types, not BFCL's Python names.
  EXPECT_NE(first.prompt.find("\"type\":\"object\""), std::string::npos);
  EXPECT_EQ(first.prompt.find("\"type\":\"dict\""), std::string::npos);
  EXPECT_NE(first.prompt.find("User: Find the area of a triangle"), std::string::npos);
  EXPECT_EQ(first.prompt.substr(first.prompt.size() - 10), "Assistant:");
  ASSERT_EQ(first.messages.size(), 2u);
  EXPECT_EQ(first.messages[0].role, "system");
  // The functions as chat tool definitions, with JSON Schema types.
  ASSERT_EQ(first.tools.size(), 1u);
  EXPECT_EQ(first.tools[0].name, "calculate_triangle_area");
  EXPECT_EQ(json::Serialize(*first.tools[0].parameters.Find("type")), "\"object\"");
  const TaskItem& last = items->back();
  EXPECT_EQ(last.extra.Find("category")->as_string(), "irrelevance");
  EXPECT_TRUE(last.gold.is_array() && last.gold.as_array().empty());

  TaskConfig cfg = Config(BFCL_V4, dir);
  cfg.add_bfcl_categories("parallel");
  cfg.set_limit(3);
  items = LoadTaskItems(cfg, "");
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_EQ(items->size(), 3u);
  EXPECT_EQ((*items)[2].id, "parallel_2");
}

TEST(TaskLoadersTest, BfclSchemaConversion) {
  auto schema = json::Parse(R"({"type": "dict", "properties": {"a": {"type": "float"}, "b": {"type": "tuple",
      "items": {"type": "dict", "properties": {"c": {"type": "any"}}}}}, "required": ["a"]})");
  ASSERT_TRUE(schema.ok());
  EXPECT_EQ(json::Serialize(BfclSchemaToJsonSchema(*schema)),
            R"({"type":"object","properties":{"a":{"type":"number"},"b":{"type":"array","items":{"type":"object","properties":{"c":{}}}}},"required":["a"]})");
}

TEST(TaskLoadersTest, BfclErrors) {
  const std::string dir = MakeTempDir("bfcl");
  const std::string q = dir + "/BFCL_v4_simple_python.json";
  const std::string fn = R"("function": [{"name": "f", "parameters": {"type": "dict", "properties": {"a": {"type": "integer"}}, "required": ["a"]}}])";
  WriteFile(q, "{\"id\": \"simple_python_0\", \"question\": [[{\"role\": \"user\", \"content\": \"hi\"}]], " + fn + "}");
  EXPECT_NE(ErrorOf(Config(BFCL_V4, q)).find(dir + "/possible_answer/BFCL_v4_simple_python.json does not exist"),
            std::string::npos)
      << ErrorOf(Config(BFCL_V4, q));
  std::filesystem::create_directories(dir + "/possible_answer");
  WriteFile(dir + "/possible_answer/BFCL_v4_simple_python.json", "{\"id\": \"simple_python_9\", \"ground_truth\": []}\n");
  EXPECT_NE(ErrorOf(Config(BFCL_V4, q)).find(q + ":1: id 'simple_python_0' has no line in"), std::string::npos)
      << ErrorOf(Config(BFCL_V4, q));
  WriteFile(dir + "/possible_answer/BFCL_v4_simple_python.json",
            "{\"id\": \"simple_python_0\", \"ground_truth\": [{\"g\": {\"a\": [1]}}]}\n");
  EXPECT_NE(ErrorOf(Config(BFCL_V4, q)).find(":1: field 'ground_truth[0]' calls 'g', which the question does not offer"),
            std::string::npos)
      << ErrorOf(Config(BFCL_V4, q));
  WriteFile(dir + "/possible_answer/BFCL_v4_simple_python.json",
            "{\"id\": \"simple_python_0\", \"ground_truth\": [{\"f\": {\"a\": 1}}]}\n");
  EXPECT_NE(ErrorOf(Config(BFCL_V4, q)).find("field 'ground_truth[0].f.a' must be a list of acceptable values"),
            std::string::npos);
  WriteFile(q, "{\"id\": \"simple_python_0\", \"question\": [[{\"role\": \"user\", \"content\": \"hi\"}], [{\"role\": "
               "\"user\", \"content\": \"again\"}]], " + fn + "}");
  EXPECT_NE(ErrorOf(Config(BFCL_V4, q)).find(":1: field 'question' has several turns"), std::string::npos);
  WriteFile(q, "{\"id\": \"simple_python_0\", \"question\": [[{\"role\": \"user\", \"content\": \"hi\"}]], "
               "\"function\": [{\"parameters\": {}}]}");
  EXPECT_NE(ErrorOf(Config(BFCL_V4, q)).find(":1: field 'function[0].name' must be a non-empty string"),
            std::string::npos);
  // An irrelevance file needs no answers.
  const std::string irr = dir + "/BFCL_v4_irrelevance.json";
  WriteFile(irr, "{\"id\": \"irrelevance_0\", \"question\": [[{\"role\": \"user\", \"content\": \"hi\"}]], " + fn + "}");
  EXPECT_EQ(ErrorOf(Config(BFCL_V4, irr)), "OK");
}

TEST(TaskLoadersTest, BfclCategories) {
  EXPECT_EQ(BfclCategoryOfId("parallel_multiple_17"), "parallel_multiple");
  EXPECT_EQ(BfclCategoryOfId("weird"), "weird");
  // Live items count per category, as BFCL aggregates them.
  EXPECT_EQ(BfclCategoryOfId("live_parallel_0-0-0"), "live_parallel");
  EXPECT_EQ(BfclCategoryOfId("live_simple_12-3-7"), "live_simple");
  EXPECT_EQ(BfclCategoryOfId("live_irrelevance_5-1-0"), "live_irrelevance");
  EXPECT_EQ(BfclCategoryOfId("odd_-1"), "odd_-1");
  EXPECT_EQ(BfclModeOf("simple_python"), BfclCheckMode::kSingle);
  EXPECT_EQ(BfclModeOf("multiple"), BfclCheckMode::kSingle);
  EXPECT_EQ(BfclModeOf("parallel_multiple"), BfclCheckMode::kParallel);
  EXPECT_EQ(BfclModeOf("irrelevance"), BfclCheckMode::kIrrelevance);
  EXPECT_EQ(BfclModeOf("live_relevance"), BfclCheckMode::kRelevance);
}

TEST(TaskLoadersTest, ContinuationPromptsAndTokens) {
  const std::string dir = MakeTempDir("cont");
  WriteFile(dir + "/p.jsonl", "{\"id\": \"a\", \"prompt\": \"Once upon a time\"}\n\n{\"id\": 7, \"tokens\": [1, 403, 407]}\n");
  auto items = LoadTaskItems(Config(PROMPTS_JSONL, "p.jsonl"), dir);  // relative to the suite folder
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[0].id, "a");
  EXPECT_EQ((*items)[0].prompt, "Once upon a time");
  EXPECT_TRUE((*items)[0].prompt_tokens.empty());
  EXPECT_EQ((*items)[1].id, "7");
  EXPECT_EQ((*items)[1].prompt_tokens, (std::vector<int32_t>{1, 403, 407}));
  EXPECT_TRUE((*items)[1].prompt.empty());

  const std::string p = dir + "/p.jsonl";
  WriteFile(p, "{\"id\": \"a\", \"prompt\": \"x\", \"tokens\": [1]}\n");
  EXPECT_NE(ErrorOf(Config(PROMPTS_JSONL, p)).find(p + ":1: exactly one of the fields 'prompt' and 'tokens'"),
            std::string::npos);
  WriteFile(p, "{\"id\": \"a\", \"prompt\": \"x\"}\n{\"id\": \"a\", \"prompt\": \"y\"}\n");
  EXPECT_NE(ErrorOf(Config(PROMPTS_JSONL, p)).find(p + ":2: field 'id': duplicate id 'a'"), std::string::npos);
  WriteFile(p, "{\"id\": 1.5, \"prompt\": \"x\"}\n");
  EXPECT_NE(ErrorOf(Config(PROMPTS_JSONL, p)).find(":1: field 'id' must be"), std::string::npos);
  WriteFile(p, "{\"id\": \"b\", \"tokens\": [1, -2]}\n");
  EXPECT_NE(ErrorOf(Config(PROMPTS_JSONL, p)).find(":1: field 'tokens[1]'"), std::string::npos);
}

TEST(TaskLoadersTest, ConfigErrors) {
  TaskConfig cfg = Config(WNUT17_JSONL, SharedPath("data/wnut17/test.jsonl"));
  cfg.set_shots(3);
  EXPECT_NE(ErrorOf(cfg).find("field 'shots' applies to GSM8K_JSONL tasks only, not to WNUT17_JSONL"),
            std::string::npos)
      << ErrorOf(cfg);
  cfg = Config(GSM8K_JSONL, SharedPath("data/gsm8k/test.jsonl"));
  cfg.add_bfcl_categories("simple_python");
  EXPECT_NE(ErrorOf(cfg).find("field 'bfcl_categories' applies to BFCL_V4 tasks only"), std::string::npos);
  cfg = Config(WNUT17_JSONL, "");
  EXPECT_NE(ErrorOf(cfg).find("field 'data' is not set"), std::string::npos);
  cfg = Config(TASK_KIND_UNSPECIFIED, "x");
  EXPECT_NE(ErrorOf(cfg).find("field 'kind' is not set"), std::string::npos);
  cfg = Config(GSM8K_JSONL, "/nonexistent/gsm8k.jsonl");
  EXPECT_NE(ErrorOf(cfg).find("cannot open /nonexistent/gsm8k.jsonl"), std::string::npos);
  cfg = Config(BFCL_V4, SharedPath("data/bfcl/BFCL_v4_multiple.json"));
  cfg.add_bfcl_categories("multiple");
  EXPECT_NE(ErrorOf(cfg).find("bfcl_categories needs `data` to be a folder"), std::string::npos);
}

}  // namespace
}  // namespace doomscope::benchmarks
