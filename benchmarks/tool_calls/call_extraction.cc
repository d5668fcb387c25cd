#include "benchmarks/tool_calls/call_extraction.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "benchmarks/tool_calls/json_calls.h"
#include "benchmarks/tool_calls/python_call_parser.h"
#include "results/json/json.h"

namespace doomscope::benchmarks {
namespace {

// Failed parse attempts each may scan to the end of the text; a cap keeps a
// pathological output (thousands of unclosed brackets) linear in practice.
constexpr int kMaxFailedAttempts = 1000;

constexpr std::array<std::string_view, 6> kCallMarkers = {
    "<tool_call", "<function", "<|python_tag|>", "<functioncall", "\"arguments\"", "'arguments'"};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }

size_t SkipSpace(std::string_view t, size_t i) {
  while (i < t.size() && IsSpace(t[i])) ++i;
  return i;
}

// End of the dotted name starting at i ("a.b.c"), or i when none starts there.
size_t DottedNameEnd(std::string_view t, size_t i) {
  if (i >= t.size() || !IsIdentStart(t[i])) return i;
  size_t k = i;
  while (true) {
    while (k < t.size() && IsIdentChar(t[k])) ++k;
    if (k + 1 < t.size() && t[k] == '.' && IsIdentStart(t[k + 1])) {
      ++k;
      continue;
    }
    return k;
  }
}

bool KnownName(std::span<const std::string> names, std::string_view name) {
  for (const std::string& n : names) {
    if (n == name) return true;
    // Models that cannot emit dots in names write "math_factorial" for "math.factorial".
    if (n.size() == name.size() && n.find('.') != std::string::npos &&
        absl::StrReplaceAll(n, {{".", "_"}}) == name) {
      return true;
    }
  }
  return false;
}

// After "name(": does an argument list with a keyword argument start here?
bool StartsWithKeywordArg(std::string_view t, size_t i) {
  i = SkipSpace(t, i);
  if (i >= t.size() || !IsIdentStart(t[i])) return false;
  while (i < t.size() && IsIdentChar(t[i])) ++i;
  i = SkipSpace(t, i);
  return i < t.size() && t[i] == '=' && (i + 1 >= t.size() || t[i + 1] != '=');
}

// '{' + optional space + a quoted key that call objects start with.
bool LooksLikeJsonCall(std::string_view t, size_t brace) {
  size_t i = SkipSpace(t, brace + 1);
  if (i >= t.size() || t[i] != '"') return false;
  for (std::string_view key : {"\"name\"", "\"function\"", "\"tool_calls\""}) {
    if (t.substr(i, key.size()) == key) {
      const size_t j = SkipSpace(t, i + key.size());
      return j >= t.size() || t[j] == ':';  // cut off right after the key also counts
    }
  }
  return false;
}

// Removes <think>...</think> blocks. Returns false when a block never closes.
// A leading "...</think>" without an opening tag (the template opened it) is
// removed too.
bool StripThinking(std::string_view text, std::string* out) {
  out->clear();
  size_t i = 0;
  const size_t first_close = text.find("</think>");
  const size_t first_open = text.find("<think>");
  if (first_close != std::string_view::npos && (first_open == std::string_view::npos || first_close < first_open)) {
    i = first_close + 8;
  }
  while (i < text.size()) {
    const size_t open = text.find("<think>", i);
    if (open == std::string_view::npos) {
      out->append(text.substr(i));
      break;
    }
    out->append(text.substr(i, open - i));
    const size_t close = text.find("</think>", open + 7);
    if (close == std::string_view::npos) return false;
    i = close + 8;
  }
  return true;
}

class Scanner {
 public:
  Scanner(std::string_view text, std::span<const std::string> known) : t_(text), known_(known) {}

  CallExtraction Run() {
    if (t_.find("<tool_call") != std::string_view::npos) return ScanToolCallBlocks();
    ScanText();
    return Finish();
  }

 private:
  void AddCalls(std::vector<eval::FunctionCall> calls, std::string_view format) {
    if (calls.empty()) return;
    for (eval::FunctionCall& c : calls) calls_.push_back(std::move(c));
    if (format_.empty()) {
      format_ = std::string(format);
    } else if (format_ != format) {
      format_ = "mixed";
    }
  }

  void Malformed(std::string error) {
    if (error_.empty()) error_ = std::move(error);
    malformed_ = true;
  }

  bool Budget() { return failed_attempts_ < kMaxFailedAttempts; }

  CallExtraction Finish() {
    CallExtraction out;
    if (!malformed_ && calls_.empty()) {
      for (std::string_view marker : kCallMarkers) {
        if (t_.find(marker) != std::string_view::npos) {
          Malformed(absl::StrCat("found the call marker ", std::string(marker), " but no decodable call"));
          break;
        }
      }
    }
    if (malformed_) {
      out.outcome = CallOutcome::kMalformed;
      out.error = error_;
      return out;
    }
    out.outcome = calls_.empty() ? CallOutcome::kNoCall : CallOutcome::kCalls;
    out.calls = std::move(calls_);
    out.format = format_;
    return out;
  }

  // Parses a whole block: JSON calls or Python calls, nothing else.
  void ParseBlock(std::string_view block) {
    size_t b = SkipSpace(block, 0);
    size_t e = block.size();
    while (e > b && IsSpace(block[e - 1])) --e;
    block = block.substr(b, e - b);
    if (block.empty()) {
      Malformed("empty <tool_call> block");
      return;
    }
    if (block[0] == '{' || block[0] == '[') {
      auto v = json::Parse(block);
      if (v.ok()) {
        JsonCalls j = InterpretJsonCalls(*v, known_);
        if (j.shape == JsonCallShape::kCalls) {
          AddCalls(std::move(j.calls), "tool_call");
          return;
        }
        if (j.shape == JsonCallShape::kBroken) {
          Malformed(j.error);
          return;
        }
      }
    }
    size_t end = 0;
    if (block[0] == '[') {
      auto calls = ParsePythonCallList(block, 0, &end);
      if (calls.ok() && SkipSpace(block, end) == block.size() && !calls->empty()) {
        AddCalls(*std::move(calls), "tool_call");
        return;
      }
    } else if (IsIdentStart(block[0])) {
      auto call = ParsePythonCall(block, 0, &end);
      if (call.ok() && SkipSpace(block, end) == block.size()) {
        std::vector<eval::FunctionCall> one;
        one.push_back(*std::move(call));
        AddCalls(std::move(one), "tool_call");
        return;
      }
    }
    Malformed(absl::StrCat("<tool_call> block is not a JSON or Python call: ", std::string(block.substr(0, 80))));
  }

  CallExtraction ScanToolCallBlocks() {
    size_t i = 0;
    while ((i = t_.find("<tool_call", i)) != std::string_view::npos) {
      const size_t after = i + 10;
      if (after >= t_.size() || t_[after] != '>') {
        Malformed("a <tool_call ...> tag with attributes is not a call format");
        i = after;
        continue;
      }
      const size_t close = t_.find("</tool_call>", after + 1);
      // An unclosed block (capped, or a stripped stop sequence) is parsed to the end.
      const std::string_view block =
          t_.substr(after + 1, close == std::string_view::npos ? std::string_view::npos : close - after - 1);
      ParseBlock(block);
      if (close == std::string_view::npos) break;
      i = close + 12;
    }
    return Finish();
  }

  void ScanText() {
    size_t i = 0;
    while (i < t_.size()) {
      const char c = t_[i];
      if (c == '[') {
        i = AtBracket(i);
      } else if (c == '{') {
        i = AtBrace(i);
      } else if (IsIdentStart(c) && (i == 0 || (!IsIdentChar(t_[i - 1]) && t_[i - 1] != '.'))) {
        i = AtWord(i);
      } else {
        ++i;
      }
    }
  }

  size_t AtBracket(size_t i) {
    const size_t j = SkipSpace(t_, i + 1);
    if (j >= t_.size()) return i + 1;
    if (t_[j] == ']') return j + 1;  // an explicit empty call list: no call
    if (!Budget()) return i + 1;
    if (t_[j] == '{') {
      size_t end = 0;
      auto v = json::ParsePrefix(t_, i, &end);
      if (v.ok()) {
        JsonCalls calls = InterpretJsonCalls(*v, known_);
        if (calls.shape == JsonCallShape::kCalls) {
          AddCalls(std::move(calls.calls), "json");
          return end;
        }
        if (calls.shape == JsonCallShape::kBroken) {
          Malformed(calls.error);
          return end;
        }
        return i + 1;  // look inside: a list may wrap call objects with other data
      }
      ++failed_attempts_;
      if (LooksLikeJsonCall(t_, j)) {
        Malformed(absl::StrCat("JSON call list does not parse: ", v.status().message()));
        return t_.size();
      }
      return i + 1;
    }
    const size_t name_end = DottedNameEnd(t_, j);
    if (name_end > j && name_end < t_.size() && t_[name_end] == '(') {
      size_t end = 0;
      auto calls = ParsePythonCallList(t_, i, &end);
      if (calls.ok()) {
        AddCalls(*std::move(calls), "python");
        return end;
      }
      ++failed_attempts_;
      Malformed(std::string(calls.status().message()));
      return name_end;
    }
    return i + 1;
  }

  size_t AtBrace(size_t i) {
    if (!Budget()) return i + 1;
    size_t end = 0;
    auto v = json::ParsePrefix(t_, i, &end);
    if (v.ok()) {
      if (v->is_object()) {
        if (const json::Value* tc = v->Find("tool_calls"); tc != nullptr && tc->is_array()) {
          JsonCalls calls = InterpretJsonCalls(*tc, known_);
          if (calls.shape == JsonCallShape::kCalls) {
            AddCalls(std::move(calls.calls), "json");
            return end;
          }
          if (calls.shape == JsonCallShape::kBroken) Malformed(calls.error);
          return end;
        }
      }
      JsonCalls calls = InterpretJsonCalls(*v, known_);
      if (calls.shape == JsonCallShape::kCalls) {
        AddCalls(std::move(calls.calls), "json");
      } else if (calls.shape == JsonCallShape::kBroken) {
        Malformed(calls.error);
      }
      return end;  // other JSON (an answer object) is skipped whole
    }
    ++failed_attempts_;
    if (LooksLikeJsonCall(t_, i)) {
      Malformed(absl::StrCat("JSON call does not parse: ", v.status().message()));
      return t_.size();
    }
    return i + 1;
  }

  size_t AtWord(size_t i) {
    const size_t name_end = DottedNameEnd(t_, i);
    if (name_end >= t_.size() || t_[name_end] != '(') return name_end;
    const std::string_view name = t_.substr(i, name_end - i);
    if (!KnownName(known_, name) && !StartsWithKeywordArg(t_, name_end + 1)) return name_end;
    if (!Budget()) return name_end;
    size_t end = 0;
    auto call = ParsePythonCall(t_, i, &end);
    if (call.ok()) {
      std::vector<eval::FunctionCall> one;
      one.push_back(*std::move(call));
      AddCalls(std::move(one), "python");
      return end;
    }
    ++failed_attempts_;
    Malformed(std::string(call.status().message()));
    return name_end;
  }

  std::string_view t_;
  std::span<const std::string> known_;
  std::vector<eval::FunctionCall> calls_;
  std::string format_;
  std::string error_;
  bool malformed_ = false;
  int failed_attempts_ = 0;
};

}  // namespace

CallExtraction ExtractFunctionCalls(std::string_view text, std::span<const std::string> known_names) {
  std::string answer;
  if (!StripThinking(text, &answer)) {
    CallExtraction out;
    out.outcome = CallOutcome::kEmpty;
    out.error = "the output ends inside an unterminated <think> block";
    return out;
  }
  if (std::all_of(answer.begin(), answer.end(), IsSpace)) {
    CallExtraction out;
    out.outcome = CallOutcome::kEmpty;
    out.error = "no answer text";
    return out;
  }
  return Scanner(answer, known_names).Run();
}

const char* CallOutcomeName(CallOutcome outcome) {
  switch (outcome) {
    case CallOutcome::kCalls: return "calls";
    case CallOutcome::kNoCall: return "no_call";
    case CallOutcome::kMalformed: return "malformed";
    case CallOutcome::kEmpty: return "empty";
  }
  return "unknown";
}

}  // namespace doomscope::benchmarks
