#include "benchmarks/tool_calls/python_call_writer.h"

#include <charconv>
#include <cmath>

#include "absl/strings/str_format.h"

namespace doomscope::benchmarks {
namespace {

void AppendPythonString(const std::string& s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          out->append(absl::StrFormat("\\x%02x", static_cast<unsigned char>(c)));
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

void AppendPythonFloat(double d, std::string* out) {
  if (std::isnan(d)) {
    out->append("None");  // no literal exists; JSON inputs cannot hold NaN anyway
    return;
  }
  if (std::isinf(d)) {
    out->append(d > 0 ? "1e999" : "-1e999");  // what Python reads as +-inf
    return;
  }
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), d);
  std::string_view s(buf, static_cast<size_t>(ptr - buf));
  out->append(s);
  if (s.find_first_of(".eE") == std::string_view::npos) out->append(".0");
}

void AppendLiteral(const json::Value& v, std::string* out) {
  switch (v.kind()) {
    case json::Value::Kind::kNull: out->append("None"); break;
    case json::Value::Kind::kBool: out->append(v.as_bool() ? "True" : "False"); break;
    case json::Value::Kind::kInt: out->append(std::to_string(v.as_int())); break;
    case json::Value::Kind::kDouble: AppendPythonFloat(v.as_double(), out); break;
    case json::Value::Kind::kString: AppendPythonString(v.as_string(), out); break;
    case json::Value::Kind::kArray: {
      out->push_back('[');
      bool first = true;
      for (const json::Value& e : v.as_array()) {
        if (!first) out->append(", ");
        first = false;
        AppendLiteral(e, out);
      }
      out->push_back(']');
      break;
    }
    case json::Value::Kind::kObject: {
      out->push_back('{');
      bool first = true;
      for (const auto& [k, e] : v.as_object()) {
        if (!first) out->append(", ");
        first = false;
        AppendPythonString(k, out);
        out->append(": ");
        AppendLiteral(e, out);
      }
      out->push_back('}');
      break;
    }
  }
}

}  // namespace

std::string PythonLiteral(const json::Value& v) {
  std::string out;
  AppendLiteral(v, &out);
  return out;
}

std::string PythonCall(const eval::FunctionCall& call) {
  std::string out = call.name + "(";
  bool first = true;
  for (const json::Value& v : call.positional) {
    if (!first) out.append(", ");
    first = false;
    AppendLiteral(v, &out);
  }
  for (const auto& [k, v] : call.args) {
    if (!first) out.append(", ");
    first = false;
    out.append(k);
    out.push_back('=');
    AppendLiteral(v, &out);
  }
  out.push_back(')');
  return out;
}

std::string PythonCallList(std::span<const eval::FunctionCall> calls) {
  std::string out = "[";
  for (size_t i = 0; i < calls.size(); ++i) {
    if (i > 0) out.append(", ");
    out.append(PythonCall(calls[i]));
  }
  out.push_back(']');
  return out;
}

json::Value JsonCallList(std::span<const eval::FunctionCall> calls) {
  json::Array out;
  for (const eval::FunctionCall& c : calls) {
    out.push_back(json::Value(json::Object{{"name", json::Value(c.name)}, {"arguments", json::Value(c.args)}}));
  }
  return json::Value(std::move(out));
}

}  // namespace doomscope::benchmarks
