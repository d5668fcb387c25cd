#include "benchmarks/tool_calls/python_call_parser.h"

#include <charconv>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "results/utf8/utf8.h"

namespace doomscope::benchmarks {
namespace {

// Hostile or looping outputs must not overflow the stack.
constexpr int kMaxDepth = 100;

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class PyParser {
 public:
  PyParser(std::string_view text, size_t pos) : text_(text), pos_(pos) {}

  size_t pos() const { return pos_; }

  absl::StatusOr<std::vector<eval::FunctionCall>> ParseCallList() {
    if (Peek() != '[') return Error("expected '['");
    ++pos_;
    std::vector<eval::FunctionCall> calls;
    SkipSpace();
    while (Peek() != ']') {
      auto call = ParseCall(1);
      if (!call.ok()) return call.status();
      calls.push_back(*std::move(call));
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        SkipSpace();
        continue;
      }
      if (Peek() != ']') return Error("expected ',' or ']' after a call");
    }
    ++pos_;
    return calls;
  }

  absl::StatusOr<eval::FunctionCall> ParseCall(int depth) {
    SkipSpace();
    eval::FunctionCall call;
    const size_t name_start = pos_;
    if (!ReadDottedName(&call.name)) return Error("expected a function name");
    SkipSpace();
    if (Peek() != '(') {
      pos_ = name_start + call.name.size();
      return Error(absl::StrCat("expected '(' after '", call.name, "'"));
    }
    ++pos_;
    bool seen_keyword = false;
    SkipSpace();
    while (Peek() != ')') {
      if (AtEnd()) return Error("unterminated argument list");
      if (Peek() == '*') return Error("*args and **kwargs are not supported");
      // A keyword argument is "name =" but not "name ==".
      const size_t arg_start = pos_;
      std::string keyword;
      if (IsIdentStart(Peek()) && ReadIdent(&keyword)) {
        SkipSpace();
        if (Peek() == '=' && PeekAt(1) != '=') {
          ++pos_;
          for (const auto& [k, unused] : call.args) {
            if (k == keyword) return Error(absl::StrCat("keyword argument '", keyword, "' repeated"));
          }
          tuples_ = &call.tuple_pointers;
          pointer_ = eval::JsonPointerChild("", keyword);
          auto value = ParseValue(depth + 1);
          tuples_ = nullptr;
          if (!value.ok()) return value.status();
          call.args.emplace_back(std::move(keyword), *std::move(value));
          seen_keyword = true;
        } else {
          pos_ = arg_start;
          keyword.clear();
        }
      }
      if (pos_ == arg_start) {
        if (seen_keyword) return Error("positional argument after keyword arguments");
        auto value = ParseValue(depth + 1);
        if (!value.ok()) return value.status();
        call.positional.push_back(*std::move(value));
      }
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        SkipSpace();
        continue;
      }
      if (Peek() != ')') return Error("expected ',' or ')' in the argument list");
    }
    ++pos_;
    return call;
  }

  absl::StatusOr<json::Value> ParseValue(int depth) {
    if (depth > kMaxDepth) return Error("nesting too deep");
    SkipSpace();
    if (AtEnd()) return Error("unexpected end of text, expected a value");
    const char c = Peek();
    if (c == '"' || c == '\'') return ParseStrings();
    if (c == '-' || c == '+') return ParseSigned();
    if (IsDigit(c) || (c == '.' && IsDigit(PeekAt(1)))) return ParseNumber();
    if (c == '[') return ParseSequence(depth, ']');
    if (c == '(') return ParseSequence(depth, ')');
    if (c == '{') return ParseDict(depth);
    if (IsIdentStart(c)) {
      // String prefixes: r"..", u"..", and the unsupported b"..", f"..".
      size_t n = 0;
      while (n < 2 && IsIdentStart(PeekAt(n)) && std::string_view("rRuUbBfF").find(PeekAt(n)) != std::string_view::npos) ++n;
      if (n > 0 && (PeekAt(n) == '"' || PeekAt(n) == '\'')) return ParseStrings();
      return ParseName(depth);
    }
    return Error(absl::StrFormat("unexpected character '%c'", c));
  }

  void SkipSpace() {
    while (!AtEnd()) {
      const char c = Peek();
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
        ++pos_;
      } else if (c == '\\' && (PeekAt(1) == '\n' || (PeekAt(1) == '\r' && PeekAt(2) == '\n'))) {
        pos_ += PeekAt(1) == '\n' ? 2 : 3;  // explicit line joining
      } else if (c == '#') {
        while (!AtEnd() && Peek() != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  bool AtEnd() const { return pos_ >= text_.size(); }

  absl::Status Error(std::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("Python call syntax at offset ", pos_, ": ", std::string(what)));
  }

 private:
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  char PeekAt(size_t k) const { return pos_ + k < text_.size() ? text_[pos_ + k] : '\0'; }

  bool ReadIdent(std::string* out) {
    if (!IsIdentStart(Peek())) return false;
    const size_t start = pos_;
    while (!AtEnd() && IsIdentChar(Peek())) ++pos_;
    out->assign(text_.substr(start, pos_ - start));
    return true;
  }

  bool ReadDottedName(std::string* out) {
    if (!ReadIdent(out)) return false;
    while (Peek() == '.' && IsIdentStart(PeekAt(1))) {
      ++pos_;
      std::string part;
      ReadIdent(&part);
      absl::StrAppend(out, ".", part);
    }
    return true;
  }

  // True/False/None, or a variable: a dotted name, optionally subscripted,
  // kept as its source text (BFCL's decoder does the same).
  absl::StatusOr<json::Value> ParseName(int depth) {
    const size_t start = pos_;
    std::string name;
    ReadDottedName(&name);
    if (name == "True") return json::Value(true);
    if (name == "False") return json::Value(false);
    if (name == "None") return json::Value();
    SkipSpace();
    if (Peek() == '(') return Error(absl::StrCat("a call ('", name, "(...)') as an argument value is not supported"));
    size_t text_end = start + name.size();
    while (Peek() == '[') {
      // Validate the subscript as a value, keep its source text.
      ++pos_;
      auto index = ParseValue(depth + 1);
      if (!index.ok()) return index.status();
      SkipSpace();
      if (Peek() != ']') return Error("expected ']' to close a subscript");
      ++pos_;
      text_end = pos_;
      SkipSpace();
    }
    pos_ = text_end;
    return json::Value(std::string(text_.substr(start, text_end - start)));
  }

  absl::StatusOr<json::Value> ParseSigned() {
    bool negative = false;
    while (Peek() == '-' || Peek() == '+') {
      if (Peek() == '-') negative = !negative;
      ++pos_;
      SkipSpace();
    }
    if (!(IsDigit(Peek()) || (Peek() == '.' && IsDigit(PeekAt(1))))) {
      return Error("a sign must be followed by a number");
    }
    auto v = ParseNumber();
    if (!v.ok() || !negative) return v;
    if (v->is_int()) {
      if (v->as_int() == INT64_MIN) return json::Value(-v->as_double());
      return json::Value(-v->as_int());
    }
    return json::Value(-v->as_double());
  }

  absl::StatusOr<json::Value> ParseNumber() {
    const size_t start = pos_;
    std::string digits;  // the literal without '_' separators
    auto read_digits = [&](auto is_digit) {
      bool any = false;
      while (!AtEnd()) {
        const char c = Peek();
        if (is_digit(c)) {
          digits.push_back(c);
          any = true;
          ++pos_;
        } else if (c == '_' && any && is_digit(PeekAt(1))) {
          ++pos_;
        } else {
          break;
        }
      }
      return any;
    };
    // Hex, octal and binary integers.
    if (Peek() == '0' && std::string_view("xXoObB").find(PeekAt(1)) != std::string_view::npos && PeekAt(1) != '\0') {
      const char kind = static_cast<char>(PeekAt(1) | 0x20);
      const int base = kind == 'x' ? 16 : kind == 'o' ? 8 : 2;
      pos_ += 2;
      if (!read_digits([base](char c) {
            const int h = HexValue(c);
            return h >= 0 && h < base;
          })) {
        return Error("malformed integer literal");
      }
      if (IsIdentChar(Peek())) return Error("malformed number");
      uint64_t v = 0;
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
      if (ec != std::errc() || v > static_cast<uint64_t>(INT64_MAX)) return Error("integer literal out of range");
      (void)ptr;
      return json::Value(static_cast<int64_t>(v));
    }
    bool is_float = false;
    read_digits(IsDigit);
    if (Peek() == '.' && !(PeekAt(1) == '.')) {
      is_float = true;
      digits.push_back('.');
      ++pos_;
      read_digits(IsDigit);
    }
    if ((Peek() == 'e' || Peek() == 'E') &&
        (IsDigit(PeekAt(1)) || ((PeekAt(1) == '+' || PeekAt(1) == '-') && IsDigit(PeekAt(2))))) {
      is_float = true;
      digits.push_back('e');
      ++pos_;
      if (Peek() == '+' || Peek() == '-') {
        digits.push_back(Peek());
        ++pos_;
      }
      read_digits(IsDigit);
    }
    if (Peek() == 'j' || Peek() == 'J') return Error("complex numbers are not supported");
    if (IsIdentChar(Peek())) return Error("malformed number");
    if (digits.empty() || digits == ".") {
      pos_ = start;
      return Error("malformed number");
    }
    if (!is_float) {
      // Python forbids leading zeros in non-zero decimal integers ("007").
      if (digits.size() > 1 && digits[0] == '0' && digits.find_first_not_of('0') != std::string::npos) {
        pos_ = start;
        return Error("leading zeros in a decimal integer");
      }
      int64_t v = 0;
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
      if (ec == std::errc() && ptr == digits.data() + digits.size()) return json::Value(v);
      // Beyond int64: Python's int is unbounded; keep the magnitude as a double.
    }
    double d = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), d);
    if (ptr != digits.data() + digits.size() || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
      pos_ = start;
      return Error("malformed number");
    }
    return json::Value(d);
  }

  // One or more adjacent string literals, concatenated as Python does.
  absl::StatusOr<json::Value> ParseStrings() {
    std::string out;
    bool any = false;
    while (true) {
      SkipSpace();
      size_t n = 0;
      bool raw = false;
      while (n < 2 && std::string_view("rRuUbBfF").find(PeekAt(n)) != std::string_view::npos && PeekAt(n) != '\0') {
        const char p = static_cast<char>(PeekAt(n) | 0x20);
        if (p == 'b') return Error("bytes literals are not supported");
        if (p == 'f') return Error("f-strings are not supported");
        if (p == 'r') raw = true;
        ++n;
      }
      if (PeekAt(n) != '"' && PeekAt(n) != '\'') {
        if (any) break;
        return Error("expected a string literal");
      }
      pos_ += n;
      if (auto st = ParseOneString(raw, &out); !st.ok()) return st;
      any = true;
      // Only another quote (or prefix + quote) continues the concatenation.
      const size_t save = pos_;
      SkipSpace();
      size_t m = 0;
      while (m < 2 && std::string_view("rRuU").find(PeekAt(m)) != std::string_view::npos && PeekAt(m) != '\0') ++m;
      const bool more = PeekAt(m) == '"' || PeekAt(m) == '\'';
      pos_ = save;
      if (!more) break;
    }
    return json::Value(std::move(out));
  }

  absl::Status ParseOneString(bool raw, std::string* out) {
    const char quote = Peek();
    const bool triple = PeekAt(1) == quote && PeekAt(2) == quote;
    pos_ += triple ? 3 : 1;
    while (true) {
      if (AtEnd()) return Error("unterminated string literal");
      const char c = Peek();
      if (c == quote) {
        if (!triple) {
          ++pos_;
          return absl::OkStatus();
        }
        if (PeekAt(1) == quote && PeekAt(2) == quote) {
          pos_ += 3;
          return absl::OkStatus();
        }
        out->push_back(c);
        ++pos_;
        continue;
      }
      if (c == '\n' && !triple) return Error("unterminated string literal (newline)");
      if (c != '\\') {
        out->push_back(c);
        ++pos_;
        continue;
      }
      // Backslash.
      const char e = PeekAt(1);
      if (e == '\0') return Error("unterminated string literal");
      if (raw) {  // a raw string keeps the backslash, which still protects a quote
        out->push_back('\\');
        out->push_back(e);
        pos_ += 2;
        continue;
      }
      pos_ += 2;
      switch (e) {
        case '\n': break;
        case '\\': out->push_back('\\'); break;
        case '\'': out->push_back('\''); break;
        case '"': out->push_back('"'); break;
        case 'a': out->push_back('\a'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'v': out->push_back('\v'); break;
        case 'x':
        case 'u':
        case 'U': {
          const int len = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          uint32_t cp = 0;
          for (int k = 0; k < len; ++k) {
            const int h = HexValue(PeekAt(k));
            if (h < 0) return Error(absl::StrCat("truncated \\", std::string(1, e), " escape"));
            cp = cp * 16 + static_cast<uint32_t>(h);
          }
          pos_ += len;
          AppendUtf8(cp, out);
          break;
        }
        case 'N': return Error("\\N{...} escapes are not supported");
        default:
          if (e >= '0' && e <= '7') {
            uint32_t cp = static_cast<uint32_t>(e - '0');
            for (int k = 0; k < 2 && Peek() >= '0' && Peek() <= '7'; ++k) {
              cp = cp * 8 + static_cast<uint32_t>(Peek() - '0');
              ++pos_;
            }
            AppendUtf8(cp, out);
          } else {  // Python keeps unknown escapes as written
            out->push_back('\\');
            out->push_back(e);
          }
      }
    }
  }

  // [a, b] -> array; (a, b) / (a,) / () -> array; (a) -> a.
  absl::StatusOr<json::Value> ParseSequence(int depth, char close) {
    ++pos_;
    json::Array items;
    bool saw_comma = false;
    SkipSpace();
    const std::string pointer = pointer_;
    while (Peek() != close) {
      if (AtEnd()) return Error(absl::StrFormat("unterminated '%c'", close == ']' ? '[' : '('));
      pointer_ = eval::JsonPointerChild(pointer, items.size());
      auto v = ParseValue(depth + 1);
      if (!v.ok()) return v.status();
      items.push_back(*std::move(v));
      SkipSpace();
      if (Peek() == ',') {
        saw_comma = true;
        ++pos_;
        SkipSpace();
        continue;
      }
      if (Peek() != close) return Error(absl::StrFormat("expected ',' or '%c'", close));
    }
    ++pos_;
    pointer_ = pointer;
    if (close == ')' && items.size() == 1 && !saw_comma) return std::move(items[0]);
    // A parenthesized value keeps the marks made inside it under this pointer.
    if (close == ')' && tuples_ != nullptr) tuples_->push_back(pointer);
    return json::Value(std::move(items));
  }

  absl::StatusOr<json::Value> ParseDict(int depth) {
    ++pos_;
    json::Value out{json::Object{}};
    const std::string pointer = pointer_;
    SkipSpace();
    while (Peek() != '}') {
      if (AtEnd()) return Error("unterminated '{'");
      auto key = ParseValue(depth + 1);
      if (!key.ok()) return key.status();
      SkipSpace();
      if (Peek() != ':') {
        if (Peek() == ',' || Peek() == '}') return Error("sets are not supported");
        return Error("expected ':' after a dict key");
      }
      if (!key->is_string()) return Error("dict keys must be strings");
      ++pos_;
      pointer_ = eval::JsonPointerChild(pointer, key->as_string());
      auto value = ParseValue(depth + 1);
      if (!value.ok()) return value.status();
      out.Set(key->as_string(), *std::move(value));  // a repeated key keeps the last value, as in Python
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        SkipSpace();
        continue;
      }
      if (Peek() != '}') return Error("expected ',' or '}' in a dict");
    }
    ++pos_;
    pointer_ = pointer;
    return out;
  }

  std::string_view text_;
  size_t pos_ = 0;
  // Where the value being parsed sits in the current call's keyword arguments
  // (a JSON Pointer), and where tuples found there are noted (null: nowhere).
  std::string pointer_;
  std::vector<std::string>* tuples_ = nullptr;
};

}  // namespace

absl::StatusOr<std::vector<eval::FunctionCall>> ParsePythonCallList(std::string_view text, size_t pos, size_t* end) {
  PyParser p(text, pos);
  auto calls = p.ParseCallList();
  if (calls.ok() && end != nullptr) *end = p.pos();
  return calls;
}

absl::StatusOr<eval::FunctionCall> ParsePythonCall(std::string_view text, size_t pos, size_t* end) {
  PyParser p(text, pos);
  auto call = p.ParseCall(0);
  if (call.ok() && end != nullptr) *end = p.pos();
  return call;
}

absl::StatusOr<json::Value> ParsePythonLiteral(std::string_view text) {
  PyParser p(text, 0);
  auto v = p.ParseValue(0);
  if (!v.ok()) return v.status();
  p.SkipSpace();
  if (!p.AtEnd()) return p.Error("unexpected text after the value");
  return v;
}

}  // namespace doomscope::benchmarks
