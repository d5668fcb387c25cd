// Chat templates against independent renderings:
//  - ../shared/tokenizers/qwen3/chat_reference.jsonl: 28 renderings of Qwen3's
//    template by @huggingface/jinja (transformers.js), byte for byte;
//  - tests/fixtures/chat_templates/goldens.jsonl: 15 real templates (Qwen3,
//    LFM2, LFM2.5, SmolLM3, Llama 3.1/3.2, Phi-3.5, Granite 3.3/4.0, Mistral
//    Nemo/Small 3.2, DeepSeek-R1 distills, gpt-oss) x 15 conversations rendered
//    by Python Jinja2 in transformers' environment
//    (scripts/fixtures/chat_template_goldens.py); text byte for byte, and a
//    template error where Python raised one.
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "engine/chat_template/chat_template.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace doomscope::engine {
namespace {

using Json = nlohmann::ordered_json;
using ::testing::HasSubstr;

std::filesystem::path FixtureDir() {
  return std::filesystem::path(__FILE__).parent_path().parent_path() / "fixtures" / "chat_templates";
}

std::vector<Json> ReadJsonl(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::vector<Json> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) rows.push_back(Json::parse(line));
  }
  return rows;
}

// strftime_now's clock in the goldens (FIXED_NOW in the generating script).
RenderOptions FixedNow() {
  RenderOptions o;
  std::tm tm{};
  tm.tm_year = 2025 - 1900;
  tm.tm_mon = 2;
  tm.tm_mday = 14;
  tm.tm_hour = 15;
  tm.tm_min = 9;
  tm.tm_sec = 26;
  tm.tm_wday = 5;
  tm.tm_yday = 72;
  o.now = tm;
  return o;
}

TEST(ChatTemplateGolden, Qwen3SharedReferenceIsExact) {
  absl::StatusOr<ModelChatTemplates> model =
      LoadChatTemplates(testing::SharedPath("tokenizers/qwen3/tokenizer_config.json"));
  ASSERT_TRUE(model.ok()) << model.status();
  std::vector<Json> rows = ReadJsonl(testing::SharedPath("tokenizers/qwen3/chat_reference.jsonl"));
  ASSERT_EQ(rows.size(), 28u);
  int exact = 0;
  for (const Json& row : rows) {
    Json ctx = row["flags"];
    ctx["messages"] = row["messages"];
    absl::StatusOr<const ChatTemplate*> t = model->Select("", ctx.contains("tools"));
    ASSERT_TRUE(t.ok()) << t.status();
    absl::StatusOr<std::string> text = (*t)->Render(ctx);
    ASSERT_TRUE(text.ok()) << text.status();
    EXPECT_EQ(*text, row["text"].get<std::string>()) << "conversation " << row["conversation"] << " flags "
                                                     << row["flags"].dump();
    exact += *text == row["text"].get<std::string>();
  }
  EXPECT_EQ(exact, 28);
}

TEST(ChatTemplateGolden, RealTemplatesMatchTransformers) {
  std::vector<Json> rows = ReadJsonl((FixtureDir() / "goldens.jsonl").string());
  ASSERT_GE(rows.size(), 200u);
  std::map<std::string, ChatTemplate> templates;
  std::map<std::string, std::pair<int, int>> per_family;  // exact, total
  for (const Json& row : rows) {
    const std::string file = row["template"].get<std::string>();
    if (!templates.count(file)) {
      std::string path = (FixtureDir() / "templates" / file).string();
      absl::StatusOr<ChatTemplate> t = ChatTemplate::Parse(testing::ReadFile(path), path);
      ASSERT_TRUE(t.ok()) << t.status();
      templates.emplace(file, std::move(*t));
    }
    absl::StatusOr<std::string> text = templates.at(file).Render(row["context"], FixedNow());
    const Json& want = row["python"];
    bool ok;
    if (want.contains("text")) {
      ok = text.ok() && *text == want["text"].get<std::string>();
      EXPECT_TRUE(text.ok()) << file << " " << row["case"] << ": " << text.status();
      if (text.ok()) {
        EXPECT_EQ(*text, want["text"].get<std::string>()) << file << " " << row["case"];
      }
    } else {
      ok = !text.ok();
      EXPECT_FALSE(text.ok()) << file << " " << row["case"] << " should fail like Python: " << want["error"];
    }
    auto& [exact, total] = per_family[row["family"].get<std::string>()];
    exact += ok;
    ++total;
  }
  for (const auto& [family, counts] : per_family) {
    std::printf("  %-20s %d/%d exact\n", family.c_str(), counts.first, counts.second);
  }
}

// A template error names the template and line, and raise_exception's message comes through.
TEST(ChatTemplateGolden, RaisingTemplateReportsItsMessage) {
  std::string path = (FixtureDir() / "templates" / "mistral-nemo.jinja").string();
  absl::StatusOr<ChatTemplate> t = ChatTemplate::Parse(testing::ReadFile(path), path);
  ASSERT_TRUE(t.ok()) << t.status();
  Json ctx = Json::parse(R"({"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}],
                             "bos_token": "<s>", "eos_token": "</s>", "add_generation_prompt": true})");
  absl::StatusOr<std::string> text = t->Render(ctx);
  ASSERT_FALSE(text.ok());
  EXPECT_THAT(std::string(text.status().message()),
              HasSubstr("conversation roles must alternate user/assistant/user/assistant/..."));
  EXPECT_THAT(std::string(text.status().message()), HasSubstr("mistral-nemo.jinja:"));
}

// The one-line call suites make gives the prompt transformers' apply_chat_template gives.
TEST(ChatTemplateGolden, RenderChatMatchesApplyChatTemplate) {
  std::vector<Json> rows = ReadJsonl((FixtureDir() / "goldens.jsonl").string());
  absl::StatusOr<ModelChatTemplates> model =
      LoadChatTemplates(testing::SharedPath("tokenizers/qwen3/tokenizer_config.json"));
  ASSERT_TRUE(model.ok()) << model.status();
  int checked = 0;
  for (const Json& row : rows) {
    if (row["template"] != "qwen3.jinja" || !row["python"].contains("text")) continue;
    const Json& ctx = row["context"];
    ChatRequest req;
    req.messages = ctx["messages"];
    req.tools = ctx["tools"];
    req.add_generation_prompt = ctx["add_generation_prompt"].get<bool>();
    if (ctx.contains("enable_thinking")) req.enable_thinking = ctx["enable_thinking"].get<bool>();
    absl::StatusOr<std::string> text = RenderChat(*model, req);
    ASSERT_TRUE(text.ok()) << row["case"] << ": " << text.status();
    EXPECT_EQ(*text, row["python"]["text"].get<std::string>()) << row["case"];
    ++checked;
  }
  EXPECT_GE(checked, 14);
  EXPECT_EQ(EndOfTurnMarkers(*model), std::vector<std::string>{"<|im_end|>"});
}

}  // namespace
}  // namespace doomscope::engine
