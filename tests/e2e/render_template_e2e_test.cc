// `doomscope render-template` as a user runs it: a template file or a model
// path, JSONL contexts in, {"text"} / {"error"} lines out in order, the
// model's special tokens filled in, and exit 2 naming FILE:LINE on bad input.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/test_support.h"

namespace doomscope {
namespace {

using Json = nlohmann::ordered_json;
using ::testing::HasSubstr;
using testing::MakeTempDir;
using testing::ReadFile;
using testing::RunDoomscope;
using testing::SharedPath;
using testing::WriteFile;

std::vector<Json> Lines(const std::string& text) {
  std::vector<Json> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) out.push_back(Json::parse(std::string(line)));
  return out;
}

TEST(RenderTemplateE2e, TemplateFileLinesInOrder) {
  std::string dir = MakeTempDir("render");
  WriteFile(dir + "/t.jinja",
            "{{ bos_token }}{% for m in messages %}<{{ m.role }}>{{ m.content }}\n{% endfor %}"
            "{% if add_generation_prompt %}<assistant>{% endif %}{% if fail %}{{ raise_exception('bad: ' ~ fail) }}{% endif %}\n");
  WriteFile(dir + "/ctx.jsonl",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"héllo \\\"x\\\"\"}], \"add_generation_prompt\": true, "
            "\"bos_token\": \"<s>\"}\n"
            "\n"
            "{\"messages\": [], \"fail\": \"roles\"}\n"
            "{\"messages\": [{\"role\": \"system\", \"content\": \"s\"}]}\n");
  testing::CommandResult r = RunDoomscope(absl::StrCat("render-template --template ", dir, "/t.jinja --context ", dir,
                                                       "/ctx.jsonl --output ", dir, "/out.jsonl"));
  EXPECT_EQ(r.exit_code, 2) << r.err;  // one line raised
  std::vector<Json> out = Lines(ReadFile(dir + "/out.jsonl"));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0]["text"], "<s><user>héllo \"x\"\n<assistant>");
  EXPECT_THAT(out[1]["error"].get<std::string>(), HasSubstr("t.jinja:2: bad: roles"));
  EXPECT_EQ(out[2]["text"], "<system>s\n");
}

TEST(RenderTemplateE2e, ModelPathSuppliesSpecialTokens) {
  std::string dir = MakeTempDir("render-model");
  WriteFile(dir + "/ctx.jsonl",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"What is 2+2?\"}], \"add_generation_prompt\": true, "
            "\"enable_thinking\": false}\n");
  testing::CommandResult r = RunDoomscope(absl::StrCat("render-template --template ",
                                                       SharedPath("tokenizers/qwen3/tokenizer_config.json"),
                                                       " --context ", dir, "/ctx.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<Json> out = Lines(r.out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["text"], "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");

  // An HF folder whose template prints its BOS/EOS: the line's own values win.
  WriteFile(dir + "/tokenizer_config.json",
            R"({"bos_token": "<B>", "eos_token": {"content": "<E>"}, "chat_template": "{{ bos_token }}|{{ eos_token }}"})");
  WriteFile(dir + "/ctx2.jsonl", "{}\n{\"bos_token\": \"<mine>\"}\n");
  r = RunDoomscope(absl::StrCat("render-template --template ", dir, " --context ", dir, "/ctx2.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  out = Lines(r.out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]["text"], "<B>|<E>");
  EXPECT_EQ(out[1]["text"], "<mine>|<E>");
}

TEST(RenderTemplateE2e, BadInputExitsTwoNamingFileAndLine) {
  std::string dir = MakeTempDir("render-bad");
  WriteFile(dir + "/t.jinja", "ok\n{% for x in y %}\n");
  WriteFile(dir + "/ctx.jsonl", "{}\n");
  testing::CommandResult r = RunDoomscope(absl::StrCat("render-template --template ", dir, "/t.jinja --context ", dir, "/ctx.jsonl"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("t.jinja:2:"));

  WriteFile(dir + "/good.jinja", "{{ x }}");
  WriteFile(dir + "/bad.jsonl", "{\"x\": 1}\n{\"x\": \n");
  r = RunDoomscope(absl::StrCat("render-template --template ", dir, "/good.jinja --context ", dir, "/bad.jsonl"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("bad.jsonl:2:"));

  WriteFile(dir + "/arr.jsonl", "[1]\n");
  r = RunDoomscope(absl::StrCat("render-template --template ", dir, "/good.jinja --context ", dir, "/arr.jsonl"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("arr.jsonl:1: expected a JSON object"));

  r = RunDoomscope(absl::StrCat("render-template --template ", dir, " --context ", dir, "/ctx.jsonl"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("no chat template"));
}

}  // namespace
}  // namespace doomscope
