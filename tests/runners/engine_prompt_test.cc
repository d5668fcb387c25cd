// The bundled engine's prompt rendering: plain text or token ids, or a chat
// through the checkpoint's chat template (the renderer seam), and the suite
// check that refuses chat format where it cannot be rendered.
#include "runners/engine_prompt.h"

#include <filesystem>

#include "engine/gguf_writer.h"
#include "engine/model_loader.h"
#include "gtest/gtest.h"
#include "runners/engine_backend.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

using testing::SharedPath;

// A GGUF with metadata only: enough for the chat-template lookup.
std::string GgufWithTemplate(const std::string& dir, const std::string& chat_template) {
  engine::GgufWriter w;
  w.AddString("general.architecture", "llama");
  if (!chat_template.empty()) w.AddString("tokenizer.chat_template", chat_template);
  const std::string path = dir + "/model.gguf";
  EXPECT_TRUE(w.WriteFile(path).ok());
  return path;
}

TEST(EnginePromptTest, FindsTheChatTemplateACheckpointCarries) {
  const std::string dir = testing::MakeTempDir("tmpl");
  auto t = CheckpointChatTemplate(GgufWithTemplate(dir, "{{ messages }}"));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t, "{{ messages }}");
  EXPECT_TRUE(absl::IsNotFound(CheckpointChatTemplate(SharedPath("models/stories260K/stories260K.gguf")).status()));
  EXPECT_TRUE(absl::IsNotFound(CheckpointChatTemplate(SharedPath("models/stories260K/stories260K.bin")).status()));
  // Hugging Face folders: chat_template.jinja, else tokenizer_config.json.
  const std::string hf = testing::MakeTempDir("hf");
  testing::WriteFile(hf + "/tokenizer_config.json", R"({"chat_template": "{% for m in messages %}x{% endfor %}"})");
  t = CheckpointChatTemplate(hf);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t, "{% for m in messages %}x{% endfor %}");
  testing::WriteFile(hf + "/chat_template.jinja", "J");
  EXPECT_EQ(*CheckpointChatTemplate(hf), "J");
  EXPECT_TRUE(absl::IsNotFound(CheckpointChatTemplate(SharedPath("models/hf/stages-a-sft")).status()));
}

class RenderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto m = engine::LoadModel(SharedPath("models/stories260K/stories260K.bin"),
                               SharedPath("models/stories260K/tok512.bin"));
    ASSERT_TRUE(m.ok()) << m.status();
    model_ = new engine::LoadedModel(std::move(*m));
  }
  static engine::LoadedModel* model_;
};
engine::LoadedModel* RenderTest::model_ = nullptr;

BackendRequest Request(PromptFormat format) {
  BackendRequest r;
  r.format = format;
  r.prompt = "Once upon a time";
  r.chat.messages = {{"system", "Be brief."}, {"user", "Tell a story."}};
  r.chat.tools = {{"f", "does f", json::Value(json::Object{{"type", json::Value("object")}})}};
  return r;
}

TEST_F(RenderTest, PlainTextTokensOrAChatThroughTheTemplate) {
  const engine::Tokenizer& tok = model_->tokenizer;
  int calls = 0;
  // Stands in for engine/chat_template: renders the roles and the tool names.
  ChatTemplateRenderer renderer = [&](std::string_view tmpl, const benchmarks::Conversation& chat) {
    ++calls;
    std::string out(tmpl);
    for (const auto& m : chat.messages) out += m.role + ": " + m.content + "\n";
    for (const auto& t : chat.tools) out += "tool " + t.name + "\n";
    return absl::StatusOr<std::string>(out + "assistant:");
  };
  // AUTO without a renderer (this build) or without a template: plain, with BOS.
  auto plain = RenderPromptTokens(Request(PROMPT_FORMAT_AUTO), tok, "T", nullptr);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->chat);
  EXPECT_EQ(plain->tokens, tok.Encode("Once upon a time", true));
  EXPECT_FALSE(RenderPromptTokens(Request(PROMPT_FORMAT_AUTO), tok, "", renderer)->chat);
  // Token ids are used as given.
  BackendRequest given = Request(PROMPT_FORMAT_AUTO);
  given.prompt_tokens = {1, 2, 3};
  EXPECT_EQ(RenderPromptTokens(given, tok, "T", renderer)->tokens, (std::vector<int32_t>{1, 2, 3}));
  // AUTO with both, or CHAT: the conversation through the template.
  for (PromptFormat f : {PROMPT_FORMAT_AUTO, PROMPT_FORMAT_CHAT}) {
    auto chat = RenderPromptTokens(Request(f), tok, "T", renderer);
    ASSERT_TRUE(chat.ok()) << chat.status();
    EXPECT_TRUE(chat->chat);
    EXPECT_EQ(chat->tokens, tok.Encode("Tsystem: Be brief.\nuser: Tell a story.\ntool f\nassistant:", false));
  }
  EXPECT_EQ(calls, 2);
  // PLAIN never renders; CHAT without a way to render is an error, not a silent fallback.
  EXPECT_FALSE(RenderPromptTokens(Request(PROMPT_FORMAT_PLAIN), tok, "T", renderer)->chat);
  EXPECT_FALSE(RenderPromptTokens(Request(PROMPT_FORMAT_CHAT), tok, "", renderer).ok());
  EXPECT_FALSE(RenderPromptTokens(Request(PROMPT_FORMAT_CHAT), tok, "T", nullptr).ok());
}

SuiteConfig ChatSuite(const std::string& checkpoint_path) {
  SuiteConfig suite;
  CheckpointConfig* c = suite.add_checkpoint();
  c->set_name("ckpt");
  c->set_path(checkpoint_path);
  TaskConfig* t = suite.add_task();
  t->set_name("chatty");
  t->set_prompt_format(PROMPT_FORMAT_CHAT);
  suite.add_task()->set_name("plain");  // PLAIN/AUTO tasks need nothing
  return suite;
}

TEST(EngineBackendCheckTest, ChatFormatNeedsATemplateTheEngineCanRender) {
  const std::string bin = SharedPath("models/stories260K/stories260K.bin");
  BundledEngineBackend no_renderer(1, 1);
  absl::Status s = no_renderer.CheckSuite(ChatSuite(bin));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(s.message()).find("task \"chatty\" asks for prompt_format CHAT, but checkpoint \"ckpt\" (" +
                                          bin + ") has no chat template"),
            std::string::npos)
      << s;
  const std::string with_template = GgufWithTemplate(testing::MakeTempDir("tmpl"), "{{ x }}");
  s = no_renderer.CheckSuite(ChatSuite(with_template));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(s.message()).find("has a chat template this build of the engine cannot render"),
            std::string::npos)
      << s;
  BundledEngineBackend with_renderer(
      1, 1, [](std::string_view, const benchmarks::Conversation&) { return absl::StatusOr<std::string>("x"); });
  EXPECT_TRUE(with_renderer.CheckSuite(ChatSuite(with_template)).ok());
  EXPECT_EQ(with_renderer.CheckSuite(ChatSuite(bin)).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace doomscope
