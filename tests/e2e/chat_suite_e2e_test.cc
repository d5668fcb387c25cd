// Suites in chat format, end to end: `doomscope run` over checkpoints that
// carry a chat template, with prompt_format CHAT and enable_thinking: false.
//  - A synth GGUF with a small tokenizer.chat_template: every stored prompt is
//    the template's rendering written out by hand, with the BOS the template
//    wrote and no second one.
//  - A synth HF folder with the real Qwen3 tokenizer and its template (GSM8K,
//    WNUT-17, BFCL): every stored prompt is what `doomscope render-template`
//    (checked against transformers.js by its own tests) renders for the
//    item's conversation in transformers' message shape.
//  - examples/qwen35-thinking.textproto: GSM8K with thinking on over synth
//    Qwen3.5 checkpoints whose template opens the think segment in the prompt;
//    the detectors place the outputs in it and the report says so.
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "benchmarks/load_items.h"
#include "benchmarks/registry.h"
#include "engine/hf_synth.h"
#include "engine/synth_model.h"
#include "engine/tokenizer_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "results/json/json.h"
#include "results/run_dir.h"
#include "runners/suite_config.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

using ::testing::HasSubstr;

// Tools listed with their descriptions, each turn closed with eos_token, the
// reasoning block closed at once when thinking is off (as Qwen3's template does).
constexpr char kTemplate[] =
    "{{ bos_token }}{% if tools %}[tools]{% for t in tools %}{{ t.function.name }}: {{ t.function.description }};"
    "{% endfor %}{% endif %}{% for m in messages %}[{{ m.role }}]{{ m.content }}{{ eos_token }}{% endfor %}"
    "{% if add_generation_prompt %}[assistant]{% if enable_thinking is defined and not enable_thinking %}"
    "<think></think>{% endif %}{% endif %}";

// kTemplate's rendering, written out independently of the engine.
std::string ExpectedPrompt(const benchmarks::Conversation& chat) {
  std::string out = "<s>";
  if (!chat.tools.empty()) {
    out += "[tools]";
    for (const auto& t : chat.tools) out += absl::StrCat(t.name, ": ", t.description, ";");
  }
  for (const auto& m : chat.messages) out += absl::StrCat("[", m.role, "]", m.content, "</s>");
  return out + "[assistant]<think></think>";
}

TEST(ChatSuiteE2eTest, StoredPromptsAreExactlyTheTemplatesRendering) {
  const std::string dir = testing::MakeTempDir("chat-suite");
  absl::StatusOr<engine::ModelConfig> shape = engine::FindSynthShape("stories260K");
  ASSERT_TRUE(shape.ok()) << shape.status();
  shape->max_seq_len = 4096;  // room for BFCL's function lists in the synthetic vocabulary
  absl::StatusOr<engine::GgufWriter> writer = engine::SynthModelWriter(*shape, engine::DType::kF32, 7, "chat");
  ASSERT_TRUE(writer.ok()) << writer.status();
  writer->AddString("tokenizer.chat_template", kTemplate);
  const std::string model = dir + "/chat.gguf";
  ASSERT_TRUE(writer->WriteFile(model).ok());

  const std::string suite_path = dir + "/suite.textproto";
  testing::WriteFile(
      suite_path,
      absl::StrCat("name: \"chat\"\n", "checkpoint { name: \"synth\" stage: SFT path: \"", model, "\" }\n",
                   "task { name: \"gsm8k\" kind: GSM8K_JSONL data: \"", testing::SharedPath("data/gsm8k/test.jsonl"),
                   "\" shots: 2 limit: 3 prompt_format: PROMPT_FORMAT_CHAT }\n",
                   "task { name: \"bfcl\" kind: BFCL_V4 data: \"", testing::SharedPath("data/bfcl"),
                   "\" bfcl_categories: \"multiple\" limit: 3 prompt_format: PROMPT_FORMAT_CHAT }\n",
                   "sampling { name: \"greedy\" temperature: 0 max_new_tokens: 8 }\n", "enable_thinking: false\n",
                   "backend { engine { max_batch: 4 } }\n"));
  const std::string out = dir + "/run";
  testing::CommandResult r = testing::RunDoomscope(absl::StrCat("run --suite ", suite_path, " --out ", out));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // The conversations the benchmarks build for these items.
  absl::StatusOr<SuiteConfig> suite = LoadSuiteConfig(suite_path);
  ASSERT_TRUE(suite.ok()) << suite.status();
  std::map<std::string, std::string> expected;  // task/item -> prompt
  for (const TaskConfig& task : suite->task()) {
    absl::StatusOr<std::vector<benchmarks::TaskItem>> items = benchmarks::LoadTaskItems(task, "");
    ASSERT_TRUE(items.ok()) << items.status();
    const benchmarks::Benchmark* benchmark = *benchmarks::FindBenchmark(task.kind());
    for (const benchmarks::TaskItem& item : *items) {
      expected[task.name() + "/" + item.id] = ExpectedPrompt(benchmark->BuildRequest(task, item).chat);
    }
  }
  ASSERT_EQ(expected.size(), 6u);

  absl::StatusOr<results::RunContents> run = results::LoadRunDir(out);
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_EQ(run->records.size(), 6u);
  int with_tools = 0;
  for (const SampleRecord& rec : run->records) {
    const std::string key = rec.task() + "/" + rec.item_id();
    ASSERT_TRUE(expected.contains(key)) << key;
    EXPECT_EQ(rec.prompt(), expected[key]) << key;
    with_tools += absl::StrContains(rec.prompt(), "[tools]");
    // The template wrote BOS ("<s>", id 1) and the tokenizer added none.
    ASSERT_GE(rec.prompt_tokens_size(), 2) << key;
    EXPECT_EQ(rec.prompt_tokens(0), 1) << key;
    EXPECT_NE(rec.prompt_tokens(1), 1) << key;
    EXPECT_TRUE(rec.score().scored()) << key;
  }
  EXPECT_EQ(with_tools, 3);  // BFCL's functions went to the template as tools
}

// One render-template input line: the conversation as transformers takes it.
std::string ContextLine(const benchmarks::Conversation& chat) {
  json::Array messages;
  for (const auto& m : chat.messages) {
    messages.push_back(json::Value(json::Object{{"role", json::Value(m.role)}, {"content", json::Value(m.content)}}));
  }
  json::Object context{{"messages", json::Value(std::move(messages))}};
  if (!chat.tools.empty()) {
    json::Array tools;
    for (const auto& t : chat.tools) {
      json::Object function{
          {"name", json::Value(t.name)}, {"description", json::Value(t.description)}, {"parameters", t.parameters}};
      tools.push_back(
          json::Value(json::Object{{"type", json::Value("function")}, {"function", json::Value(std::move(function))}}));
    }
    context.emplace_back("tools", json::Value(std::move(tools)));
  }
  context.emplace_back("add_generation_prompt", json::Value(true));
  context.emplace_back("enable_thinking", json::Value(false));
  return json::Serialize(json::Value(std::move(context))) + "\n";
}

TEST(ChatSuiteE2eTest, Qwen3TemplateOverAnHfFolderStoresWhatRenderTemplateRenders) {
  const std::string dir = testing::MakeTempDir("chat-qwen3");
  const std::string tokenizer_json = testing::SharedPath("tokenizers/qwen3/tokenizer.json");
  absl::StatusOr<engine::Tokenizer> tok = engine::OpenTokenizer(tokenizer_json);
  ASSERT_TRUE(tok.ok()) << tok.status();
  absl::StatusOr<engine::ModelConfig> shape = engine::FindSynthShape("stories260K");
  ASSERT_TRUE(shape.ok()) << shape.status();
  shape->vocab_size = tok->vocab_size();
  shape->max_seq_len = 2048;
  const std::string model = dir + "/qwen3-synth";
  ASSERT_TRUE(engine::WriteSynthHfFolder(*shape, engine::DType::kF32, 11, "qwen3-synth", tokenizer_json, model).ok());

  const std::string suite_path = dir + "/suite.textproto";
  testing::WriteFile(
      suite_path,
      absl::StrCat("name: \"qwen3\"\n", "checkpoint { name: \"synth\" stage: SFT path: \"", model, "\" }\n",
                   "task { name: \"gsm8k\" kind: GSM8K_JSONL data: \"", testing::SharedPath("data/gsm8k/test.jsonl"),
                   "\" shots: 1 limit: 2 prompt_format: PROMPT_FORMAT_CHAT }\n",
                   "task { name: \"wnut\" kind: WNUT17_JSONL data: \"", testing::SharedPath("data/wnut17/test.jsonl"),
                   "\" limit: 2 prompt_format: PROMPT_FORMAT_CHAT }\n", "task { name: \"bfcl\" kind: BFCL_V4 data: \"",
                   testing::SharedPath("data/bfcl"),
                   "\" bfcl_categories: \"simple_python\" limit: 2 prompt_format: PROMPT_FORMAT_CHAT }\n",
                   "sampling { name: \"greedy\" temperature: 0 max_new_tokens: 4 }\n", "enable_thinking: false\n"));
  testing::CommandResult r = testing::RunDoomscope(absl::StrCat("run --suite ", suite_path, " --out ", dir, "/run"));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  absl::StatusOr<SuiteConfig> suite = LoadSuiteConfig(suite_path);
  ASSERT_TRUE(suite.ok()) << suite.status();
  std::vector<std::string> keys;
  std::string contexts;
  for (const TaskConfig& task : suite->task()) {
    absl::StatusOr<std::vector<benchmarks::TaskItem>> items = benchmarks::LoadTaskItems(task, "");
    ASSERT_TRUE(items.ok()) << items.status();
    const benchmarks::Benchmark* benchmark = *benchmarks::FindBenchmark(task.kind());
    for (const benchmarks::TaskItem& item : *items) {
      keys.push_back(task.name() + "/" + item.id);
      contexts += ContextLine(benchmark->BuildRequest(task, item).chat);
    }
  }
  ASSERT_EQ(keys.size(), 6u);
  testing::WriteFile(dir + "/contexts.jsonl", contexts);
  r = testing::RunDoomscope(absl::StrCat("render-template --template ", model, " --context ", dir,
                                         "/contexts.jsonl --output ", dir, "/rendered.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, std::string> expected;
  size_t i = 0;
  for (absl::string_view piece : absl::StrSplit(testing::ReadFile(dir + "/rendered.jsonl"), '\n', absl::SkipEmpty())) {
    absl::StatusOr<json::Value> line = json::Parse(std::string_view(piece.data(), piece.size()));
    ASSERT_TRUE(line.ok() && line->Find("text") != nullptr) << piece;
    ASSERT_LT(i, keys.size());
    expected[keys[i++]] = line->Find("text")->as_string();
  }
  ASSERT_EQ(expected.size(), 6u);

  absl::StatusOr<results::RunContents> run = results::LoadRunDir(dir + "/run");
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_EQ(run->records.size(), 6u);
  const int32_t im_start = tok->TokenId("<|im_start|>");
  ASSERT_GE(im_start, 0);
  for (const SampleRecord& rec : run->records) {
    const std::string key = rec.task() + "/" + rec.item_id();
    ASSERT_TRUE(expected.contains(key)) << key;
    EXPECT_EQ(rec.prompt(), expected[key]) << key;
    EXPECT_TRUE(absl::EndsWith(rec.prompt(), "<|im_start|>assistant\n<think>\n\n</think>\n\n")) << key;
    // Qwen3 has no BOS: the prompt starts with the template's first special token.
    ASSERT_GT(rec.prompt_tokens_size(), 0);
    EXPECT_EQ(rec.prompt_tokens(0), im_start) << key;
  }
}

TEST(ChatSuiteE2eTest, ChatFormatOnACheckpointWithoutATemplateIsBadInput) {
  const std::string dir = testing::MakeTempDir("chat-none");
  const std::string suite_path = dir + "/suite.textproto";
  testing::WriteFile(suite_path, absl::StrCat("name: \"chat\"\n", "checkpoint { name: \"s\" stage: PRETRAIN path: \"",
                                              testing::SharedPath("models/stories260K/stories260K.bin"),
                                              "\" tokenizer: \"", testing::SharedPath("models/stories260K/tok512.bin"),
                                              "\" }\n", "task { name: \"gsm8k\" kind: GSM8K_JSONL data: \"",
                                              testing::SharedPath("data/gsm8k/test.jsonl"),
                                              "\" limit: 1 prompt_format: PROMPT_FORMAT_CHAT }\n",
                                              "sampling { name: \"greedy\" temperature: 0 max_new_tokens: 4 }\n"));
  testing::CommandResult r = testing::RunDoomscope(absl::StrCat("run --suite ", suite_path, " --out ", dir, "/run"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("has no chat template"));
}

// The example suite as written, with its model paths pointed at `dir`.
TEST(ChatSuiteE2eTest, Qwen35ThinkingExampleSeesTheThinkSegmentTheTemplateOpens) {
  const std::string dir = testing::MakeTempDir("qwen35-think");
  std::string root = __FILE__;  // CMake compiles tests by absolute path
  root = root.substr(0, root.rfind("/tests/e2e/"));
  for (const char* stage : {"pretrain", "sft"}) {
    testing::CommandResult w = testing::RunDoomscope(
        absl::StrCat("synth-model --arch qwen35 --shape qwen35-tiny --vocab_size 151669 --dtype bf16 --seed ",
                     stage[0] == 'p' ? 1 : 2, " --out ", dir, "/models/", stage, ".gguf"));
    ASSERT_EQ(w.exit_code, 0) << w.err;
  }
  const std::string shared = testing::SharedPath("");
  const std::string suite_path = dir + "/qwen35-thinking.textproto";
  testing::WriteFile(suite_path, absl::StrReplaceAll(testing::ReadFile(root + "/examples/qwen35-thinking.textproto"),
                                                     {{"../../shared/", shared},
                                                      {"../out/qwen35-thinking/", dir + "/models/"},
                                                      {"templates/", root + "/examples/templates/"}}));
  testing::CommandResult r = testing::RunDoomscope(absl::StrCat("run --suite ", suite_path, " --out ", dir, "/run"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("reasoning: 8 of 8 in a think segment, 8 never closed it"));

  absl::StatusOr<results::RunContents> run = results::LoadRunDir(dir + "/run");
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_EQ(run->records.size(), 48u);  // 2 checkpoints x 8 items x (greedy + 2 at T=1)
  int greedy_loops_in_think = 0;
  for (const SampleRecord& rec : run->records) {
    EXPECT_TRUE(absl::EndsWith(rec.prompt(), "<|im_end|>\n<|im_start|>assistant\n<think>\n")) << rec.sample_id();
    // Random weights never write "</think>": every output is reasoning, unclosed.
    EXPECT_TRUE(rec.findings().think().opened()) << rec.sample_id();
    EXPECT_FALSE(rec.findings().think().closed()) << rec.sample_id();
    EXPECT_EQ(rec.findings().think().tokens(), rec.tokens_size()) << rec.sample_id();
    if (rec.sampling() == "greedy" && rec.findings().verdict().doom_loop()) {
      EXPECT_EQ(rec.findings().segment(), THINK) << rec.sample_id();
      ++greedy_loops_in_think;
    }
    if (!rec.findings().verdict().doom_loop()) {
      EXPECT_EQ(rec.findings().verdict().kind(), UNCLOSED_THINK) << rec.sample_id();
    }
  }
  EXPECT_GT(greedy_loops_in_think, 0);  // greedy decoding of random weights falls into loops
  const std::string summary = testing::ReadFile(dir + "/run/summary.json");
  EXPECT_THAT(summary, HasSubstr("\"think_unclosed\""));
}

}  // namespace
}  // namespace doomscope
