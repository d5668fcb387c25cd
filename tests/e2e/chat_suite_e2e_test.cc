// A suite in chat format, end to end: `doomscope run` over a checkpoint that
// carries a chat template (a synth GGUF with tokenizer.chat_template), GSM8K
// and BFCL tasks with prompt_format CHAT and enable_thinking: false. Every
// stored prompt must be exactly the template's rendering of the item's
// conversation (built here by hand from the template's rules), tokenized with
// the BOS the template wrote and no second one.
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "benchmarks/load_items.h"
#include "benchmarks/registry.h"
#include "engine/synth_model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
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

TEST(ChatSuiteE2eTest, ChatFormatOnACheckpointWithoutATemplateIsBadInput) {
  const std::string dir = testing::MakeTempDir("chat-none");
  const std::string suite_path = dir + "/suite.textproto";
  testing::WriteFile(
      suite_path,
      absl::StrCat("name: \"chat\"\n", "checkpoint { name: \"s\" stage: PRETRAIN path: \"",
                   testing::SharedPath("models/stories260K/stories260K.bin"), "\" tokenizer: \"",
                   testing::SharedPath("models/stories260K/tok512.bin"), "\" }\n",
                   "task { name: \"gsm8k\" kind: GSM8K_JSONL data: \"", testing::SharedPath("data/gsm8k/test.jsonl"),
                   "\" limit: 1 prompt_format: PROMPT_FORMAT_CHAT }\n",
                   "sampling { name: \"greedy\" temperature: 0 max_new_tokens: 4 }\n"));
  testing::CommandResult r = testing::RunDoomscope(absl::StrCat("run --suite ", suite_path, " --out ", dir, "/run"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("has no chat template"));
}

}  // namespace
}  // namespace doomscope
