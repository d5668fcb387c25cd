#include "benchmarks/tool_calls/json_calls.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace doomscope::benchmarks {
namespace {

bool Known(std::span<const std::string> names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

JsonCalls Broken(std::string error) {
  JsonCalls out;
  out.shape = JsonCallShape::kBroken;
  out.error = std::move(error);
  return out;
}

JsonCalls OneCall(eval::FunctionCall call) {
  JsonCalls out;
  out.shape = JsonCallShape::kCalls;
  out.calls.push_back(std::move(call));
  return out;
}

JsonCalls InterpretObject(const json::Value& o, std::span<const std::string> known_names, int depth) {
  if (const json::Value* fn = o.Find("function"); fn != nullptr && fn->is_object() && depth == 0) {
    return InterpretObject(*fn, known_names, depth + 1);
  }
  if (const json::Value* name = o.Find("name"); name != nullptr && name->is_string()) {
    const json::Value* args = o.Find("arguments");
    if (args == nullptr) args = o.Find("parameters");
    eval::FunctionCall call;
    call.name = name->as_string();
    if (args == nullptr) {
      if (!Known(known_names, call.name)) return JsonCalls{};
      return OneCall(std::move(call));
    }
    if (args->is_null()) return OneCall(std::move(call));
    if (args->is_string()) {  // OpenAI style: the arguments JSON-encoded in a string
      auto decoded = json::Parse(args->as_string());
      if (!decoded.ok()) {
        return Broken(absl::StrCat("arguments of '", call.name, "' are not valid JSON: ", decoded.status().message()));
      }
      if (!decoded->is_object()) return Broken(absl::StrCat("arguments of '", call.name, "' are not an object"));
      call.args = decoded->as_object();
      return OneCall(std::move(call));
    }
    if (!args->is_object()) return Broken(absl::StrCat("arguments of '", call.name, "' are not an object"));
    call.args = args->as_object();
    return OneCall(std::move(call));
  }
  if (o.as_object().size() == 1) {
    const auto& [key, args] = o.as_object().front();
    if (Known(known_names, key) && args.is_object()) {
      eval::FunctionCall call;
      call.name = key;
      call.args = args.as_object();
      return OneCall(std::move(call));
    }
  }
  return JsonCalls{};
}

}  // namespace

JsonCalls InterpretJsonCalls(const json::Value& v, std::span<const std::string> known_names) {
  if (v.is_object()) return InterpretObject(v, known_names, 0);
  if (!v.is_array() || v.as_array().empty()) return JsonCalls{};
  JsonCalls out;
  out.shape = JsonCallShape::kCalls;
  for (const json::Value& e : v.as_array()) {
    if (!e.is_object()) return JsonCalls{};
    JsonCalls one = InterpretObject(e, known_names, 0);
    if (one.shape == JsonCallShape::kNotCalls) return JsonCalls{};
    if (one.shape == JsonCallShape::kBroken) return one;
    for (eval::FunctionCall& c : one.calls) out.calls.push_back(std::move(c));
  }
  return out;
}

}  // namespace doomscope::benchmarks
