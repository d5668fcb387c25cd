#include "engine/chat_template/json_value.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/chat_template/cat.h"
#include "engine/chat_template/py_string.h"

namespace doomscope::engine::jinja {
namespace {

constexpr int kMaxJsonDepth = 512;

void DumpString(std::string_view s, bool ensure_ascii, std::string* out) {
  out->push_back('"');
  auto escape_u = [&](unsigned cp) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "\\u%04x", cp);
    out->append(buf);
  };
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out->append("\\\""); continue;
      case '\\': out->append("\\\\"); continue;
      case '\n': out->append("\\n"); continue;
      case '\r': out->append("\\r"); continue;
      case '\t': out->append("\\t"); continue;
      case '\b': out->append("\\b"); continue;
      case '\f': out->append("\\f"); continue;
      default: break;
    }
    if (c < 0x20) {
      escape_u(c);
    } else if (c < 0x80 || !ensure_ascii) {
      out->push_back(static_cast<char>(c));
    } else {
      // ensure_ascii: the code point as \uXXXX, a surrogate pair above the BMP.
      size_t n = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
      std::vector<char32_t> cp = Utf8Decode(s.substr(i, n));
      char32_t v = cp.empty() ? 0xFFFD : cp[0];
      if (v >= 0x10000) {
        v -= 0x10000;
        escape_u(0xD800 + (v >> 10));
        escape_u(0xDC00 + (v & 0x3FF));
      } else {
        escape_u(v);
      }
      i += n - 1;
    }
  }
  out->push_back('"');
}

std::string FloatJson(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return FloatRepr(d);
}

// A dict key as json.dumps converts it; nullopt for keys it refuses.
std::optional<std::string> KeyString(const Value& k) {
  switch (k.kind()) {
    case Value::Kind::kString: return k.str();
    case Value::Kind::kInt: return Cat(k.as_int());
    case Value::Kind::kFloat: return FloatJson(k.as_float());
    case Value::Kind::kBool: return k.as_bool() ? "true" : "false";
    case Value::Kind::kNone: return "null";
    default: return std::nullopt;
  }
}

struct Dumper {
  const JsonDumpOptions& opt;
  std::string item_sep;
  std::string key_sep;
  std::string* out;

  void Newline(int level) {
    if (!opt.indent) return;
    out->push_back('\n');
    for (int i = 0; i < level; ++i) out->append(*opt.indent);
  }

  void Dump(const Value& v, int level) {
    if (level > kMaxJsonDepth) Fail("maximum recursion depth exceeded while encoding a JSON object");
    switch (v.kind()) {
      case Value::Kind::kNone: out->append("null"); return;
      case Value::Kind::kBool: out->append(v.as_bool() ? "true" : "false"); return;
      case Value::Kind::kInt: out->append(Cat(v.as_int())); return;
      case Value::Kind::kFloat: out->append(FloatJson(v.as_float())); return;
      case Value::Kind::kString: DumpString(v.str(), opt.ensure_ascii, out); return;
      case Value::Kind::kList: {
        if (!v.is_indexable()) Fail(Cat("Object of type ", TypeName(v), " is not JSON serializable"));
        const auto& items = v.list().items;
        if (items.empty()) {
          out->append("[]");
          return;
        }
        out->push_back('[');
        for (size_t i = 0; i < items.size(); ++i) {
          if (i > 0) out->append(item_sep);
          Newline(level + 1);
          Dump(items[i], level + 1);
        }
        Newline(level);
        out->push_back(']');
        return;
      }
      case Value::Kind::kDict: {
        const auto& items = v.dict().items;
        if (items.empty()) {
          out->append("{}");
          return;
        }
        std::vector<std::pair<std::string, const Value*>> entries;
        entries.reserve(items.size());
        for (const auto& [k, val] : items) {
          std::optional<std::string> key = KeyString(k);
          if (!key) Fail(Cat("keys must be str, int, float, bool or None, not ", TypeName(k)));
          entries.emplace_back(std::move(*key), &val);
        }
        if (opt.sort_keys) {
          std::stable_sort(entries.begin(), entries.end(),
                           [](const auto& a, const auto& b) { return a.first < b.first; });
        }
        out->push_back('{');
        for (size_t i = 0; i < entries.size(); ++i) {
          if (i > 0) out->append(item_sep);
          Newline(level + 1);
          DumpString(entries[i].first, opt.ensure_ascii, out);
          out->append(key_sep);
          Dump(*entries[i].second, level + 1);
        }
        Newline(level);
        out->push_back('}');
        return;
      }
      default:
        Fail(Cat("Object of type ", TypeName(v), " is not JSON serializable"));
    }
  }
};

}  // namespace

namespace {

Value FromJsonAt(const nlohmann::ordered_json& j, int depth) {
  // Checked before descending: a hostile context nested a million deep must
  // not recurse a million frames.
  if (depth > kMaxValueDepth) Fail("the context nests deeper than the renderer allows");
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null: return Value::None();
    case nlohmann::ordered_json::value_t::boolean: return Value(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer: return Value(j.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      uint64_t u = j.get<uint64_t>();
      if (u <= static_cast<uint64_t>(INT64_MAX)) return Value(static_cast<int64_t>(u));
      return Value(static_cast<double>(u));
    }
    case nlohmann::ordered_json::value_t::number_float: return Value(j.get<double>());
    case nlohmann::ordered_json::value_t::string: return Value(j.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(FromJsonAt(e, depth + 1));
      return Value::List(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      DictObj d;
      d.items.reserve(j.size());
      for (const auto& [k, v] : j.items()) d.items.emplace_back(Value(k), FromJsonAt(v, depth + 1));
      return Value::Dict(std::move(d));
    }
    default: return Value::None();
  }
}

}  // namespace

Value FromJson(const nlohmann::ordered_json& j) { return FromJsonAt(j, 0); }

std::string JsonDumps(const Value& v, const JsonDumpOptions& options) {
  std::string out;
  Dumper d{options, options.item_separator.value_or(options.indent ? "," : ", "),
           options.key_separator.value_or(": "), &out};
  d.Dump(v, 0);
  return out;
}

}  // namespace doomscope::engine::jinja
