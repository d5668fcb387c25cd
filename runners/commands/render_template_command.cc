// `doomscope render-template --template FILE|MODEL --context FILE.jsonl [--output FILE] [--now ISO]`
//
// Renders a chat template the way transformers does, once per input line.
// --template is a template text file (.jinja), or a model: an HF folder, its
// tokenizer_config.json, or a GGUF file (its default template; with a model,
// the line's bos_token/eos_token/... come from the model's tokenizer config
// when the line leaves them out). Each input line is a JSON object holding the
// template's variables (messages, tools, add_generation_prompt,
// enable_thinking, bos_token, ...); each output line is {"text": ...}, or
// {"error": ...} when the template fails on that line (raise_exception
// included), in input order. A line may name a model's template with
// "chat_template_name" (as apply_chat_template's chat_template argument).
//
// Exit codes: 0 every line rendered, 1 I/O failure, 2 bad input (a template
// that does not parse, a line that is not a JSON object: FILE:LINE), or some
// lines rendered to {"error"}.
#include <cstdio>
#include <ctime>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "engine/chat_template/chat_template.h"
#include "nlohmann/json.hpp"
#include "results/json/jsonl.h"
#include "runners/commands/commands.h"
#include "runners/common_flags.h"

ABSL_FLAG(std::string, template, "",
          "render-template: a template file (.jinja text), or a model (HF folder, tokenizer_config.json, .gguf).");
ABSL_FLAG(std::string, context, "",
          "render-template: JSONL file, one JSON object of template variables per line.");
ABSL_FLAG(std::string, now, "",
          "render-template: the time strftime_now() formats, as YYYY-MM-DDTHH:MM:SS (default: the local time now).");

namespace doomscope {
namespace {

using Json = nlohmann::ordered_json;

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "render-template: %s\n", message.c_str());
  return code;
}

std::optional<std::tm> ParseNow(const std::string& text) {
  std::tm tm{};
  int y, mo, d, h, mi, s;
  char tail;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d%c", &y, &mo, &d, &h, &mi, &s, &tail) != 6) return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60) {
    return std::nullopt;
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  tm.tm_isdst = -1;
  std::time_t t = timegm(&tm);  // normalises and fills in the weekday and day of the year
  gmtime_r(&t, &tm);
  return tm;
}

int RunRenderTemplate(const std::vector<std::string>& args) {
  if (!args.empty()) return Fail(kExitBadInput, "unexpected argument '" + args[0] + "'");
  const std::string template_path = absl::GetFlag(FLAGS_template);
  const std::string context_path = absl::GetFlag(FLAGS_context);
  if (template_path.empty()) return Fail(kExitBadInput, "--template is required");
  if (context_path.empty()) return Fail(kExitBadInput, "--context is required");
  engine::RenderOptions options;
  if (std::string now = absl::GetFlag(FLAGS_now); !now.empty()) {
    options.now = ParseNow(now);
    if (!options.now) return Fail(kExitBadInput, "--now must look like 2025-03-14T15:09:26");
  }

  std::optional<engine::ModelChatTemplates> model;
  std::optional<engine::ChatTemplate> single;
  if (engine::IsModelPath(template_path)) {
    absl::StatusOr<engine::ModelChatTemplates> m = engine::LoadChatTemplates(template_path);
    if (!m.ok()) return Fail(kExitBadInput, std::string(m.status().message()));
    model = std::move(*m);
  } else {
    std::string text;
    if (absl::Status s = json::ReadFileToString(template_path, &text); !s.ok()) {
      return Fail(kExitBadInput, std::string(s.message()));
    }
    absl::StatusOr<engine::ChatTemplate> t = engine::ChatTemplate::Parse(text, template_path);
    if (!t.ok()) return Fail(kExitBadInput, std::string(t.status().message()));
    single = std::move(*t);
  }

  std::ifstream in(context_path, std::ios::binary);
  if (!in) return Fail(kExitBadInput, context_path + ": cannot open");
  std::string out;
  std::string line;
  int line_no = 0, rendered = 0, errors = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Json ctx;
    try {
      ctx = Json::parse(line);
    } catch (const Json::exception& e) {
      return Fail(kExitBadInput, absl::StrCat(context_path, ":", line_no, ": invalid JSON: ", e.what()));
    }
    if (!ctx.is_object()) {
      return Fail(kExitBadInput, absl::StrCat(context_path, ":", line_no, ": expected a JSON object of template variables"));
    }
    const engine::ChatTemplate* tmpl = single ? &*single : nullptr;
    if (model) {
      std::string name;
      if (auto it = ctx.find("chat_template_name"); it != ctx.end()) {
        if (!it->is_string()) {
          return Fail(kExitBadInput, absl::StrCat(context_path, ":", line_no, ": 'chat_template_name' must be a string"));
        }
        name = it->get<std::string>();
        ctx.erase(it);
      }
      auto tools = ctx.find("tools");
      absl::StatusOr<const engine::ChatTemplate*> t = model->Select(name, tools != ctx.end() && !tools->is_null());
      if (!t.ok()) return Fail(kExitBadInput, absl::StrCat(context_path, ":", line_no, ": ", t.status().message()));
      tmpl = *t;
      for (const auto& [token_name, token] : model->special_tokens) {
        if (!ctx.contains(token_name)) ctx[token_name] = token;
      }
    }
    absl::StatusOr<std::string> text = tmpl->Render(ctx, options);
    Json result = Json::object();
    if (text.ok()) {
      result["text"] = std::move(*text);
      ++rendered;
    } else {
      result["error"] = std::string(text.status().message());
      ++errors;
    }
    out += result.dump(-1, ' ', false, Json::error_handler_t::replace);
    out += '\n';
  }
  if (in.bad()) return Fail(kExitFailure, context_path + ": read failed");
  const std::string output = absl::GetFlag(FLAGS_output);
  if (output.empty()) {
    std::fwrite(out.data(), 1, out.size(), stdout);
  } else if (absl::Status w = json::WriteFileAtomically(output, out); !w.ok()) {
    return Fail(kExitFailure, std::string(w.message()));
  }
  std::fprintf(stderr, "render-template: %d lines rendered, %d template errors\n", rendered, errors);
  return errors > 0 ? kExitBadInput : kExitOk;
}

}  // namespace

Command RenderTemplateCommand() {
  return Command{
      .name = "render-template",
      .summary = "Render a chat template as transformers does, one JSONL context per line",
      .usage = "doomscope render-template --template FILE|MODEL --context FILE.jsonl [--output FILE.jsonl] "
               "[--now YYYY-MM-DDTHH:MM:SS]",
      .flags = {"template", "context", "output", "now"},
      .run = RunRenderTemplate,
  };
}

}  // namespace doomscope
