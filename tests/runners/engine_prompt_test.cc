// The bundled engine's prompt rendering: plain text or token ids, or a chat
// through the checkpoint's own chat template (checked against transformers.js
// renderings of the real Qwen3 template), the stop tokens of a chat
// checkpoint, and the suite check that refuses chat format where there is no
// template.
#include "runners/engine_prompt.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_split.h"
#include "engine/gguf_writer.h"
#include "engine/model_loader.h"
#include "engine/synth_model.h"
#include "gtest/gtest.h"
#include "results/json/json.h"
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

std::string TemplateSource(const absl::StatusOr<std::optional<engine::ModelChatTemplates>>& t) {
  if (!t.ok() || !t->has_value() || (*t)->templates.empty()) return "<none>";
  return (*t)->templates.front().second.source();
}

TEST(EnginePromptTest, FindsTheChatTemplatesACheckpointCarries) {
  const std::string dir = testing::MakeTempDir("tmpl");
  EXPECT_EQ(TemplateSource(CheckpointChatTemplates(GgufWithTemplate(dir, "{{ messages }}"), "")), "{{ messages }}");
  // Checkpoints without one: a GGUF without the key, llama2.c, an HF folder without a template.
  for (const char* none :
       {"models/stories260K/stories260K.gguf", "models/stories260K/stories260K.bin", "models/hf/stages-a-sft"}) {
    auto t = CheckpointChatTemplates(SharedPath(none), "");
    ASSERT_TRUE(t.ok()) << none << ": " << t.status();
    EXPECT_FALSE(t->has_value()) << none;
  }
  // Hugging Face folders: chat_template.jinja wins over tokenizer_config.json.
  const std::string hf = testing::MakeTempDir("hf");
  testing::WriteFile(hf + "/tokenizer_config.json", R"({"chat_template": "{% for m in messages %}x{% endfor %}"})");
  EXPECT_EQ(TemplateSource(CheckpointChatTemplates(hf, "")), "{% for m in messages %}x{% endfor %}");
  testing::WriteFile(hf + "/chat_template.jinja", "J");
  EXPECT_EQ(TemplateSource(CheckpointChatTemplates(hf, "")), "J");
  // A llama2.c checkpoint whose tokenizer is given as a folder with a template.
  EXPECT_EQ(TemplateSource(CheckpointChatTemplates(SharedPath("models/stories260K/stories260K.bin"), hf)), "J");
  // A template that does not parse is an error naming the file, not "no template".
  testing::WriteFile(hf + "/chat_template.jinja", "{% for m in messages %}");
  auto broken = CheckpointChatTemplates(hf, "");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(std::string(broken.status().message()).find("chat_template.jinja"), std::string::npos) << broken.status();
}

// checkpoint { chat_template: FILE }: the file replaces the checkpoint's
// templates, or gives one to a checkpoint without any; the special tokens stay.
TEST(EnginePromptTest, AChatTemplateFileReplacesTheCheckpointsOwn) {
  const std::string dir = testing::MakeTempDir("tmpl-file");
  testing::WriteFile(dir + "/mine.jinja", "M{{ bos_token }}");
  const std::string hf = testing::MakeTempDir("hf-own");
  testing::WriteFile(hf + "/tokenizer_config.json", R"({"chat_template": "OWN", "bos_token": "<s>"})");
  auto replaced = CheckpointChatTemplates(hf, "", dir + "/mine.jinja");
  ASSERT_TRUE(replaced.ok() && replaced->has_value()) << replaced.status();
  EXPECT_EQ(TemplateSource(replaced), "M{{ bos_token }}");
  ASSERT_EQ((*replaced)->templates.size(), 1u);
  ASSERT_NE((*replaced)->SpecialToken("bos_token"), nullptr);
  EXPECT_EQ(*(*replaced)->SpecialToken("bos_token"), "<s>");
  EXPECT_EQ(TemplateSource(CheckpointChatTemplates(SharedPath("models/stories260K/stories260K.gguf"), "",
                                                   dir + "/mine.jinja")),
            "M{{ bos_token }}");
  // A missing or broken file is an error naming it.
  auto missing = CheckpointChatTemplates(hf, "", dir + "/absent.jinja");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(std::string(missing.status().message()).find("absent.jinja"), std::string::npos) << missing.status();
  testing::WriteFile(dir + "/broken.jinja", "{% if x %}");
  auto broken = CheckpointChatTemplates(hf, "", dir + "/broken.jinja");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(std::string(broken.status().message()).find("broken.jinja"), std::string::npos) << broken.status();
}

// The synthetic SentencePiece vocabulary of synth-model GGUFs: <s> and </s>
// are control tokens a rendered template writes as text.
class RenderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto t = engine::Tokenizer::FromVocab(engine::SynthVocab(512));
    ASSERT_TRUE(t.ok()) << t.status();
    tokenizer_ = new engine::Tokenizer(*std::move(t));
  }
  static engine::Tokenizer* tokenizer_;
};
engine::Tokenizer* RenderTest::tokenizer_ = nullptr;

BackendRequest Request(PromptFormat format) {
  BackendRequest r;
  r.format = format;
  r.prompt = "Once upon a time";
  r.chat.messages = {{"system", "Be brief."}, {"user", "Tell a story."}};
  r.chat.tools = {{"f", "does f", json::Value(json::Object{{"type", json::Value("object")}})}};
  return r;
}

engine::ModelChatTemplates Templates(const std::string& source) {
  engine::ModelChatTemplates m;
  auto t = engine::ChatTemplate::Parse(source, "test.jinja");
  EXPECT_TRUE(t.ok()) << t.status();
  if (t.ok()) m.templates.emplace_back("default", *std::move(t));
  m.special_tokens = {{"bos_token", "<s>"}, {"eos_token", "</s>"}};
  return m;
}

TEST_F(RenderTest, PlainTextTokensOrAChatThroughTheTemplate) {
  const engine::Tokenizer& tok = *tokenizer_;
  const engine::ModelChatTemplates templates = Templates(
      "{{ bos_token }}{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}"
      "{% for t in tools %}tool {{ t.function.name }} {{ t.function.parameters | tojson }}\n{% endfor %}"
      "{% if enable_thinking is defined %}thinking={{ enable_thinking }}\n{% endif %}assistant:");
  // AUTO without a template: plain, with BOS.
  auto plain = RenderPromptTokens(Request(PROMPT_FORMAT_AUTO), tok, nullptr);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->chat);
  EXPECT_TRUE(plain->text.empty());
  EXPECT_EQ(plain->tokens, tok.Encode("Once upon a time", true));
  // Token ids are used as given, template or not.
  BackendRequest given = Request(PROMPT_FORMAT_AUTO);
  given.prompt_tokens = {1, 2, 3};
  EXPECT_EQ(RenderPromptTokens(given, tok, &templates)->tokens, (std::vector<int32_t>{1, 2, 3}));
  // AUTO with a template, or CHAT: the conversation through the template, the
  // text kept exactly, tokenized without a second BOS (the template wrote one).
  const std::string expected = "<s>system: Be brief.\nuser: Tell a story.\ntool f {\"type\": \"object\"}\nassistant:";
  for (PromptFormat f : {PROMPT_FORMAT_AUTO, PROMPT_FORMAT_CHAT}) {
    auto chat = RenderPromptTokens(Request(f), tok, &templates);
    ASSERT_TRUE(chat.ok()) << chat.status();
    EXPECT_TRUE(chat->chat);
    EXPECT_EQ(chat->text, expected);
    ASSERT_GE(chat->tokens.size(), 2u);
    EXPECT_EQ(chat->tokens[0], tok.bos_id());
    EXPECT_NE(chat->tokens[1], tok.bos_id());
    EXPECT_EQ(chat->tokens, tok.Encode(expected, engine::EncodeOptions{.add_special = false, .parse_special = true}));
  }
  // enable_thinking reaches the template (a Python bool) only when the suite sets it.
  BackendRequest thinking = Request(PROMPT_FORMAT_CHAT);
  thinking.enable_thinking = false;
  EXPECT_NE(RenderPromptTokens(thinking, tok, &templates)->text.find("thinking=False\nassistant:"), std::string::npos);
  // PLAIN never renders; CHAT without a template is an error, not a silent fallback.
  EXPECT_FALSE(RenderPromptTokens(Request(PROMPT_FORMAT_PLAIN), tok, &templates)->chat);
  EXPECT_FALSE(RenderPromptTokens(Request(PROMPT_FORMAT_CHAT), tok, nullptr).ok());
  // A template that raises fails the sample with the template's message.
  const engine::ModelChatTemplates raising = Templates("{{ raise_exception('no system role') }}");
  auto raised = RenderPromptTokens(Request(PROMPT_FORMAT_CHAT), tok, &raising);
  ASSERT_FALSE(raised.ok());
  EXPECT_NE(std::string(raised.status().message()).find("no system role"), std::string::npos) << raised.status();
}

// A conversation as the chat reference writes it (OpenAI message shape).
benchmarks::Conversation ConversationOf(const json::Value& line) {
  benchmarks::Conversation chat;
  for (const json::Value& m : line.Find("messages")->as_array()) {
    benchmarks::ChatMessage message(m.Find("role")->as_string(), m.Find("content")->as_string());
    if (const json::Value* calls = m.Find("tool_calls"); calls != nullptr) {
      for (const json::Value& c : calls->as_array()) {
        const json::Value& f = *c.Find("function");
        message.tool_calls.push_back({"", f.Find("name")->as_string(), *f.Find("arguments")});
      }
    }
    chat.messages.push_back(std::move(message));
  }
  if (const json::Value* tools = line.Find("flags")->Find("tools"); tools != nullptr) {
    for (const json::Value& t : tools->as_array()) {
      const json::Value& f = *t.Find("function");
      chat.tools.push_back({f.Find("name")->as_string(), f.Find("description")->as_string(), *f.Find("parameters")});
    }
  }
  return chat;
}

// The variables a request becomes (message and tool shapes, key order,
// enable_thinking) are what transformers passes: rendering the real Qwen3
// template gives transformers.js's text exactly.
TEST(EnginePromptTest, ChatRequestsRenderAsTransformersJsRendersThem) {
  auto templates = CheckpointChatTemplates(SharedPath("tokenizers/qwen3"), "");
  ASSERT_TRUE(templates.ok() && templates->has_value()) << templates.status();
  int compared = 0, with_tools = 0, with_calls = 0;
  for (absl::string_view piece : absl::StrSplit(testing::ReadFile(SharedPath("tokenizers/qwen3/chat_reference.jsonl")),
                                               '\n', absl::SkipEmpty())) {
    absl::StatusOr<json::Value> line = json::Parse(std::string_view(piece.data(), piece.size()));
    ASSERT_TRUE(line.ok()) << line.status();
    const json::Value& flags = *line->Find("flags");
    if (!flags.Find("add_generation_prompt")->as_bool()) continue;  // requests always ask for the assistant's turn
    std::optional<bool> thinking;
    if (const json::Value* t = flags.Find("enable_thinking"); t != nullptr) thinking = t->as_bool();
    const benchmarks::Conversation chat = ConversationOf(*line);
    auto rendered = engine::RenderChat(**templates, ToChatRequest(chat, thinking));
    ASSERT_TRUE(rendered.ok()) << rendered.status();
    EXPECT_EQ(*rendered, line->Find("text")->as_string()) << "conversation " << line->Find("conversation")->as_int();
    ++compared;
    with_tools += !chat.tools.empty();
    for (const auto& m : chat.messages) with_calls += !m.tool_calls.empty();
  }
  EXPECT_GE(compared, 20);
  EXPECT_GE(with_tools, 6);
  EXPECT_GE(with_calls, 3);
}

// A marker the template writes ends generation even when the tokenizer does
// not mark it special (so its end-of-generation list lacks it).
TEST(EnginePromptTest, ChatCheckpointsStopAtTheTemplatesEndOfTurnMarkers) {
  engine::TokenizerVocab vocab = engine::SynthVocab(400);
  const int32_t marker = 399;
  vocab.pieces[marker] = "<|im_end|>";
  auto tok = engine::Tokenizer::FromVocab(std::move(vocab));
  ASSERT_TRUE(tok.ok()) << tok.status();
  ASSERT_EQ(tok->TokenId("<|im_end|>"), marker);
  const auto& plain_stops = tok->end_of_generation_ids();
  EXPECT_EQ(std::find(plain_stops.begin(), plain_stops.end(), marker), plain_stops.end());
  const std::vector<int32_t> stops =
      ChatStopTokens(*tok, Templates("{% for m in messages %}{{ m.content }}<|im_end|>{% endfor %}"));
  EXPECT_NE(std::find(stops.begin(), stops.end(), marker), stops.end());
  EXPECT_NE(std::find(stops.begin(), stops.end(), tok->eos_id()), stops.end());  // eos_token "</s>"
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

TEST(EngineBackendCheckTest, ChatFormatNeedsACheckpointWithAChatTemplate) {
  const std::string bin = SharedPath("models/stories260K/stories260K.bin");
  BundledEngineBackend backend(1, 1);
  absl::Status s = backend.CheckSuite(ChatSuite(bin));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(s.message())
                .find("task \"chatty\" asks for prompt_format CHAT, but checkpoint \"ckpt\" (" + bin +
                      ") has no chat template"),
            std::string::npos)
      << s;
  EXPECT_TRUE(backend.CheckSuite(ChatSuite(GgufWithTemplate(testing::MakeTempDir("tmpl"), "{{ x }}"))).ok());
  // A template that does not parse is refused before the run, naming where.
  s = backend.CheckSuite(ChatSuite(GgufWithTemplate(testing::MakeTempDir("tmpl"), "{% if %}")));
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("tokenizer.chat_template"), std::string::npos) << s;
}

}  // namespace
}  // namespace doomscope
