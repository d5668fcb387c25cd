#include "detectors/tool_calls.h"

#include <algorithm>
#include <utility>

#include "results/json/json.h"

namespace doomscope {
namespace {

// Tool calls are shallow; deeper nesting is not a call worth parsing.
constexpr int kMaxDepth = 64;

void AppendCanonical(const json::Value& v, std::string* out);

void AppendCanonicalString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (u < 0x20) {
      out->append("\\u00");
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 15]);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

void AppendCanonical(const json::Value& v, std::string* out) {
  switch (v.kind()) {
    case json::Value::Kind::kString:
      AppendCanonicalString(v.as_string(), out);
      return;
    case json::Value::Kind::kInt:
    case json::Value::Kind::kDouble:
      // As written (the parse kept the text); a number built otherwise is serialized.
      if (!v.number_text().empty()) {
        out->append(v.number_text());
      } else {
        json::AppendSerialized(v, out);
      }
      return;
    case json::Value::Kind::kArray: {
      out->push_back('[');
      bool first = true;
      for (const json::Value& e : v.as_array()) {
        if (!first) out->push_back(',');
        first = false;
        AppendCanonical(e, out);
      }
      out->push_back(']');
      return;
    }
    case json::Value::Kind::kObject: {
      // The parser kept the last of repeated keys; sort what is left.
      std::vector<const std::pair<std::string, json::Value>*> members;
      for (const auto& m : v.as_object()) members.push_back(&m);
      std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
      out->push_back('{');
      for (size_t k = 0; k < members.size(); ++k) {
        if (k > 0) out->push_back(',');
        AppendCanonicalString(members[k]->first, out);
        out->push_back(':');
        AppendCanonical(members[k]->second, out);
      }
      out->push_back('}');
      return;
    }
    default:
      json::AppendSerialized(v, out);  // null, true, false
  }
}

std::string Canonical(const json::Value& v) {
  std::string out;
  AppendCanonical(v, &out);
  return out;
}

json::ParseOptions Options(int64_t* budget) {
  json::ParseOptions o;
  o.max_depth = kMaxDepth;
  o.keep_number_text = true;
  o.budget = budget;
  return o;
}

// The call an object describes, if it is one.
std::optional<ToolCall> AsToolCall(const json::Value& v, int64_t* budget) {
  if (!v.is_object()) return std::nullopt;
  const json::Value* holder = &v;
  if (const json::Value* fn = v.Find("function"); fn != nullptr && fn->is_object()) holder = fn;
  const json::Value* name = holder->Find("name");
  if (name == nullptr || !name->is_string()) return std::nullopt;
  const json::Value* args = nullptr;
  for (std::string_view key : {"arguments", "parameters", "args", "input"}) {
    if ((args = holder->Find(key)) != nullptr) break;
  }
  if (args == nullptr) return std::nullopt;
  ToolCall call;
  call.name = name->as_string();
  call.canonical_arguments = Canonical(*args);
  if (args->is_string()) {
    // Arguments encoded as a JSON string: compare the JSON inside.
    const std::string& inner = args->as_string();
    size_t end = 0;
    absl::StatusOr<json::Value> parsed = json::ParsePrefix(inner, 0, &end, Options(budget));
    if (parsed.ok()) {
      while (end < inner.size() && std::string_view(" \t\r\n").find(inner[end]) != std::string_view::npos) ++end;
      if (end == inner.size()) call.canonical_arguments = Canonical(*parsed);
    }
  }
  return call;
}

}  // namespace

std::optional<std::string> CanonicalJson(std::string_view text, size_t pos, size_t* end) {
  int64_t budget = static_cast<int64_t>(text.size()) * 4 + 1024;
  absl::StatusOr<json::Value> v = json::ParsePrefix(text, pos, end, Options(&budget));
  if (!v.ok()) return std::nullopt;
  return Canonical(*v);
}

std::vector<ToolCall> FindToolCalls(std::string_view text) {
  std::vector<ToolCall> calls;
  // Total parsing work is capped at a few passes over the text.
  int64_t budget = static_cast<int64_t>(text.size()) * 8 + 4096;
  size_t i = 0;
  while (budget > 0) {
    i = text.find('{', i);
    if (i == std::string_view::npos) break;
    size_t end = 0;
    absl::StatusOr<json::Value> v = json::ParsePrefix(text, i, &end, Options(&budget));
    if (v.ok()) {
      if (auto call = AsToolCall(*v, &budget)) {
        calls.push_back(std::move(*call));
        i = end;
        continue;
      }
    }
    ++i;  // not a call: nested objects may still be
  }
  return calls;
}

int64_t LongestIdenticalCallRun(const std::vector<ToolCall>& calls) {
  int64_t best = 0, run = 0;
  for (size_t k = 0; k < calls.size(); ++k) {
    const bool same = k > 0 && calls[k].name == calls[k - 1].name &&
                      calls[k].canonical_arguments == calls[k - 1].canonical_arguments;
    run = same ? run + 1 : 1;
    best = std::max(best, run);
  }
  return best;
}

}  // namespace doomscope
