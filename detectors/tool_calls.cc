#include "detectors/tool_calls.h"

#include <algorithm>
#include <utility>

#include "detectors/normalize.h"

namespace doomscope {
namespace {

constexpr int kMaxDepth = 64;

// A parsed value: canonical text, plus what tool-call detection needs.
struct Value {
  enum Kind { kOther, kString, kObject } kind = kOther;
  std::string canonical;
  std::string string_value;                              // kString
  std::vector<std::pair<std::string, Value>> members;   // kObject, sorted by key
};

class Parser {
 public:
  Parser(std::string_view s, size_t pos, int64_t* budget) : s_(s), i_(pos), budget_(budget) {}

  bool ParseValue(Value* v, int depth) {
    SkipSpace();
    if (i_ >= s_.size() || depth > kMaxDepth || --*budget_ < 0) return false;
    const char c = s_[i_];
    if (c == '{') return ParseObject(v, depth);
    if (c == '[') return ParseArray(v, depth);
    if (c == '"') {
      v->kind = Value::kString;
      if (!ParseString(&v->string_value)) return false;
      AppendQuotedCanonical(v->string_value, &v->canonical);
      return true;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber(&v->canonical);
    for (std::string_view lit : {std::string_view("true"), std::string_view("false"), std::string_view("null")}) {
      if (s_.substr(i_, lit.size()) == lit) {
        i_ += lit.size();
        v->canonical = std::string(lit);
        return true;
      }
    }
    return false;
  }

  size_t pos() const { return i_; }

 private:
  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }

  bool Consume(char c) {
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }

  bool ParseObject(Value* v, int depth) {
    ++i_;  // '{'
    v->kind = Value::kObject;
    if (!Consume('}')) {
      do {
        SkipSpace();
        if (i_ >= s_.size() || s_[i_] != '"') return false;
        std::string key;
        if (!ParseString(&key)) return false;
        if (!Consume(':')) return false;
        Value member;
        if (!ParseValue(&member, depth + 1)) return false;
        v->members.emplace_back(std::move(key), std::move(member));
      } while (Consume(','));
      if (!Consume('}')) return false;
    }
    // Sort by key; for a repeated key the last one wins (stable sort keeps
    // input order among equals, then keep the last of each group).
    std::stable_sort(v->members.begin(), v->members.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::pair<std::string, Value>> unique;
    for (size_t k = 0; k < v->members.size(); ++k) {
      if (k + 1 < v->members.size() && v->members[k + 1].first == v->members[k].first) continue;
      unique.push_back(std::move(v->members[k]));
    }
    v->members = std::move(unique);
    v->canonical = "{";
    for (size_t k = 0; k < v->members.size(); ++k) {
      if (k > 0) v->canonical += ',';
      AppendQuotedCanonical(v->members[k].first, &v->canonical);
      v->canonical += ':';
      v->canonical += v->members[k].second.canonical;
    }
    v->canonical += '}';
    return true;
  }

  bool ParseArray(Value* v, int depth) {
    ++i_;  // '['
    v->canonical = "[";
    if (!Consume(']')) {
      bool first = true;
      do {
        Value element;
        if (!ParseValue(&element, depth + 1)) return false;
        if (!first) v->canonical += ',';
        first = false;
        v->canonical += element.canonical;
      } while (Consume(','));
      if (!Consume(']')) return false;
    }
    v->canonical += ']';
    return true;
  }

  static int Hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool ParseHex4(int32_t* out) {
    if (i_ + 4 > s_.size()) return false;
    int32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const int h = Hex(s_[i_ + static_cast<size_t>(k)]);
      if (h < 0) return false;
      v = v * 16 + h;
    }
    i_ += 4;
    *out = v;
    return true;
  }

  bool ParseString(std::string* out) {
    ++i_;  // '"'
    out->clear();
    while (i_ < s_.size()) {
      if (--*budget_ < 0) return false;
      const char c = s_[i_];
      if (c == '"') {
        ++i_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        out->push_back(c);
        ++i_;
        continue;
      }
      if (++i_ >= s_.size()) return false;
      const char e = s_[i_++];
      switch (e) {
        case '"': out->push_back('"'); break;
        case '\\': out->push_back('\\'); break;
        case '/': out->push_back('/'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          int32_t cp;
          if (!ParseHex4(&cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF && i_ + 6 <= s_.size() && s_[i_] == '\\' && s_[i_ + 1] == 'u') {
            i_ += 2;
            int32_t lo;
            if (!ParseHex4(&lo) || lo < 0xDC00 || lo > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          AppendUtf8(cp, out);
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }

  bool ParseNumber(std::string* out) {
    const size_t start = i_;
    if (s_[i_] == '-') ++i_;
    auto digits = [&]() {
      const size_t d = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ > d;
    };
    if (i_ < s_.size() && s_[i_] == '0') {
      ++i_;
    } else if (!digits()) {
      return false;
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!digits()) return false;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digits()) return false;
    }
    out->assign(s_.substr(start, i_ - start));
    return true;
  }

  static void AppendQuotedCanonical(std::string_view s, std::string* out) {
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

  std::string_view s_;
  size_t i_;
  int64_t* budget_;
};

const Value* Member(const Value& v, std::string_view key) {
  for (const auto& [k, m] : v.members) {
    if (k == key) return &m;
  }
  return nullptr;
}

// The call an object describes, if it is one.
std::optional<ToolCall> AsToolCall(const Value& v, int64_t* budget) {
  if (v.kind != Value::kObject) return std::nullopt;
  const Value* holder = &v;
  if (const Value* fn = Member(v, "function"); fn != nullptr && fn->kind == Value::kObject) holder = fn;
  const Value* name = Member(*holder, "name");
  if (name == nullptr || name->kind != Value::kString) return std::nullopt;
  const Value* args = nullptr;
  for (std::string_view key : {"arguments", "parameters", "args", "input"}) {
    if ((args = Member(*holder, key)) != nullptr) break;
  }
  if (args == nullptr) return std::nullopt;
  ToolCall call;
  call.name = name->string_value;
  call.canonical_arguments = args->canonical;
  if (args->kind == Value::kString) {
    // Arguments encoded as a JSON string: compare the JSON inside.
    Parser inner(args->string_value, 0, budget);
    Value parsed;
    if (inner.ParseValue(&parsed, 1)) {
      size_t end = inner.pos();
      while (end < args->string_value.size() && std::string_view(" \t\r\n").find(args->string_value[end]) !=
                                                    std::string_view::npos) {
        ++end;
      }
      if (end == args->string_value.size()) call.canonical_arguments = parsed.canonical;
    }
  }
  return call;
}

}  // namespace

std::optional<std::string> CanonicalJson(std::string_view text, size_t pos, size_t* end) {
  int64_t budget = static_cast<int64_t>(text.size()) * 4 + 1024;
  Parser parser(text, pos, &budget);
  Value v;
  if (!parser.ParseValue(&v, 0)) return std::nullopt;
  *end = parser.pos();
  return std::move(v.canonical);
}

std::vector<ToolCall> FindToolCalls(std::string_view text) {
  std::vector<ToolCall> calls;
  // Total parsing work is capped at a few passes over the text.
  int64_t budget = static_cast<int64_t>(text.size()) * 8 + 4096;
  size_t i = 0;
  while (budget > 0) {
    i = text.find('{', i);
    if (i == std::string_view::npos) break;
    Parser parser(text, i, &budget);
    Value v;
    if (parser.ParseValue(&v, 0)) {
      if (auto call = AsToolCall(v, &budget)) {
        calls.push_back(std::move(*call));
        i = parser.pos();
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
