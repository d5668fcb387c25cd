#include "benchmarks/common/json_object_extract.h"

#include "absl/strings/str_cat.h"

namespace doomscope::benchmarks {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Where the answer starts: after the last closed </think>. An unclosed <think>
// means no answer was given (npos).
size_t AnswerStart(std::string_view text) {
  const size_t close = text.rfind("</think>");
  const size_t open = text.rfind("<think>");
  if (open != std::string_view::npos && (close == std::string_view::npos || close < open)) {
    return std::string_view::npos;
  }
  return close == std::string_view::npos ? 0 : close + 8;
}

}  // namespace

JsonObjectExtraction ExtractFirstJsonObject(std::string_view text) {
  JsonObjectExtraction out;
  const size_t start = AnswerStart(text);
  if (start == std::string_view::npos) {
    out.outcome = JsonObjectOutcome::kEmpty;
    out.error = "the output ends inside an unterminated <think> block";
    return out;
  }
  text = text.substr(start);
  bool blank = true;
  for (char c : text) blank = blank && IsSpace(c);
  if (blank) {
    out.outcome = JsonObjectOutcome::kEmpty;
    out.error = "no answer text";
    return out;
  }
  for (size_t i = text.find('{'); i != std::string_view::npos; i = text.find('{', i + 1)) {
    size_t j = i + 1;
    while (j < text.size() && IsSpace(text[j])) ++j;
    if (j < text.size() && text[j] != '"' && text[j] != '}') continue;  // prose brace
    size_t end = 0;
    auto v = json::ParsePrefix(text, i, &end);
    if (!v.ok()) {
      out.outcome = JsonObjectOutcome::kInvalid;
      out.error = absl::StrCat("invalid JSON object: ", v.status().message());
      return out;
    }
    out.outcome = JsonObjectOutcome::kFound;
    out.value = *std::move(v);
    return out;
  }
  out.outcome = JsonObjectOutcome::kNotFound;
  out.error = "no JSON object in the output";
  return out;
}

}  // namespace doomscope::benchmarks
