// `doomscope tokenize`: a tokenizer alone, to check that doomscope tokenizes a
// checkpoint's text exactly as its trainer did. PATH is anything
// engine::OpenTokenizer accepts (GGUF, tokenizer.json, HF folder, tok*.bin).
// Special tokens written in the text are parsed as the tokenizer's config says;
// BOS/EOS are added only with --add-special.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/tokenizer_loader.h"
#include "results/json/jsonl.h"
#include "runners/commands/commands.h"
#include "runners/common_flags.h"

ABSL_FLAG(std::string, text, "", "tokenize: the text to tokenize.");
ABSL_FLAG(bool, add_special, false, "tokenize: add the tokenizer's BOS/EOS (template) tokens.");

namespace doomscope {
namespace {

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "doomscope tokenize: %s\n", message.c_str());
  return code;
}

json::Value IdsValue(const std::vector<int32_t>& ids) {
  json::Array array;
  array.reserve(ids.size());
  for (int32_t id : ids) array.emplace_back(static_cast<int64_t>(id));
  json::Value v{json::Object{}};
  v.Set("ids", std::move(array));
  return v;
}

int RunTokenize(const std::vector<std::string>& args) {
  if (!args.empty()) return Fail(kExitBadInput, absl::StrCat("unexpected argument '", args[0], "'"));
  const std::string path = absl::GetFlag(FLAGS_tokenizer);
  const std::string text = absl::GetFlag(FLAGS_text);
  const std::string input = absl::GetFlag(FLAGS_input);
  if (path.empty()) return Fail(kExitBadInput, "--tokenizer PATH is required");
  if (text.empty() == input.empty()) return Fail(kExitBadInput, "give exactly one of --text S and --input FILE.jsonl");
  absl::StatusOr<engine::Tokenizer> tok = engine::OpenTokenizer(path);
  if (!tok.ok()) return Fail(kExitBadInput, std::string(tok.status().message()));
  const bool add_special = absl::GetFlag(FLAGS_add_special);
  const engine::EncodeOptions options{.add_special = add_special,
                                      .parse_special = tok->special_ids().parse_special_by_default};
  if (!text.empty()) {
    const std::vector<int32_t> ids = tok->Encode(text, options);
    const std::string out = absl::GetFlag(FLAGS_json) ? json::Serialize(IdsValue(ids)) : absl::StrJoin(ids, " ");
    std::printf("%s\n", out.c_str());
    return kExitOk;
  }
  // Every line is checked before anything is printed: bad input leaves no partial output.
  std::string out;
  absl::Status s = json::ReadJsonl(input, [&](int, json::Value v) -> absl::Status {
    const json::Value* t = v.is_object() ? v.Find("text") : nullptr;
    if (t == nullptr || !t->is_string()) return absl::InvalidArgumentError("expected an object with a string \"text\"");
    json::AppendSerialized(IdsValue(tok->Encode(t->as_string(), options)), &out);
    out += '\n';
    return absl::OkStatus();
  });
  if (!s.ok()) return Fail(kExitBadInput, std::string(s.message()));
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace

Command TokenizeCommand() {
  return Command{
      .name = "tokenize",
      .summary = "Tokenize text with a checkpoint's tokenizer (GGUF, tokenizer.json, HF folder, tok*.bin)",
      .usage = "doomscope tokenize --tokenizer PATH (--text S | --input FILE.jsonl) [--add-special] [--json]\n"
               "  --input: each line {\"text\": ...} gives one line {\"ids\": [...]}, in order",
      .flags = {"tokenizer", "text", "input", "add_special", "json"},
      .run = RunTokenize,
  };
}

}  // namespace doomscope
