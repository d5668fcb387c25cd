#include "engine/chat_template/lexer.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "engine/chat_template/cat.h"
#include "engine/chat_template/py_string.h"
#include "engine/chat_template/value.h"

namespace doomscope::engine::jinja {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Length of the whitespace run (Python's \s) starting at `pos`.
size_t SpaceRun(std::string_view s, size_t pos) {
  size_t i = pos;
  while (i < s.size()) {
    unsigned char b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      if (!IsPySpace(b)) break;
      ++i;
      continue;
    }
    size_t n = (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : 4;
    std::vector<char32_t> cp = Utf8Decode(s.substr(i, n));
    if (cp.empty() || !IsPySpace(cp[0])) break;
    i += n;
  }
  return i - pos;
}

// Python's str.rstrip() (Unicode whitespace).
std::string_view RStrip(std::string_view s) {
  std::vector<char32_t> cps = Utf8Decode(s);
  size_t e = cps.size();
  while (e > 0 && IsPySpace(cps[e - 1])) --e;
  size_t bytes = 0;
  for (size_t i = 0; i < e; ++i) {
    char32_t c = cps[i];
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return s.substr(0, bytes);
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Lexer {
 public:
  Lexer(std::string source, std::string_view name) : s_(std::move(source)), name_(name) {}

  absl::StatusOr<std::vector<Token>> Run() {
    while (pos_ < s_.size()) {
      if (auto st = Root(); !st.ok()) return st;
    }
    tokens_.push_back({TokenType::kEnd, "", line_});
    return std::move(tokens_);
  }

 private:
  absl::Status Error(std::string_view what) const { return absl::InvalidArgumentError(Cat(name_, ":", line_, ": ", what)); }

  void Advance(size_t to) {
    line_ += static_cast<int>(std::count(s_.begin() + pos_, s_.begin() + to, '\n'));
    pos_ = to;
  }

  // Emits data text before a tag, applying the tag's strip sign or lstrip_blocks.
  void EmitData(std::string_view text, char sign, bool is_variable) {
    int text_line = line_;
    if (sign == '-') {
      text = RStrip(text);
    } else if (sign != '+' && !is_variable) {
      size_t nl = text.rfind('\n');
      size_t l_pos = nl == std::string_view::npos ? 0 : nl + 1;
      if (l_pos > 0 || line_starting_) {
        std::string_view tail = text.substr(l_pos);
        if (tail.find_first_not_of(" \t") == std::string_view::npos) text = text.substr(0, l_pos);
      }
    }
    if (!text.empty()) tokens_.push_back({TokenType::kData, std::string(text), text_line});
  }

  // Matches `{%(-|+|)\s*NAME\s*` at `at`; returns the position after it.
  std::optional<size_t> MatchTagName(size_t at, std::string_view name, char* sign) const {
    if (s_.compare(at, 2, "{%") != 0) return std::nullopt;
    size_t i = at + 2;
    *sign = 0;
    if (i < s_.size() && (s_[i] == '-' || s_[i] == '+')) *sign = s_[i++];
    i += SpaceRun(s_, i);
    if (s_.compare(i, name.size(), name) != 0) return std::nullopt;
    i += name.size();
    if (i < s_.size() && IsNameChar(s_[i])) return std::nullopt;
    return i + SpaceRun(s_, i);
  }

  // After a block-style end delimiter at `i` ("+%}", "-%}", "%}" for blocks and
  // endraw, "#}" for comments): the position after it and its trimming.
  std::optional<size_t> MatchBlockEnd(size_t i, char close, bool allow_plus) const {
    std::string plain = {close, '}'};
    if (allow_plus && s_.compare(i, 3, "+" + plain) == 0) return i + 3;
    if (s_.compare(i, 3, "-" + plain) == 0) return i + 3 + SpaceRun(s_, i + 3);
    if (s_.compare(i, 2, plain) == 0) return i + 2 + (i + 2 < s_.size() && s_[i + 2] == '\n' ? 1 : 0);
    return std::nullopt;
  }

  absl::Status Root() {
    size_t tag = pos_;
    while (true) {
      tag = s_.find('{', tag);
      if (tag == std::string::npos || tag + 1 >= s_.size()) {
        tokens_.push_back({TokenType::kData, s_.substr(pos_), line_});
        Advance(s_.size());
        return absl::OkStatus();
      }
      char c = s_[tag + 1];
      if (c == '{' || c == '%' || c == '#') break;
      ++tag;
    }
    char kind = s_[tag + 1];
    char sign = 0;
    if (tag + 2 < s_.size() && (s_[tag + 2] == '-' || s_[tag + 2] == '+')) sign = s_[tag + 2];
    std::string_view text = std::string_view(s_).substr(pos_, tag - pos_);
    if (kind == '%') {
      char raw_sign;
      if (auto after = MatchTagName(tag, "raw", &raw_sign)) {
        std::optional<size_t> end;
        if (s_.compare(*after, 3, "-%}") == 0) {
          end = *after + 3 + SpaceRun(s_, *after + 3);
        } else if (s_.compare(*after, 2, "%}") == 0) {
          end = *after + 2;
        }
        if (end) {
          EmitData(text, raw_sign, false);
          Advance(*end);
          line_starting_ = s_[*end - 1] == '\n';
          return Raw();
        }
      }
    }
    EmitData(text, sign, kind == '{');
    Advance(tag + 2 + (sign ? 1 : 0));
    if (kind == '#') return Comment();
    tokens_.push_back({kind == '{' ? TokenType::kVarBegin : TokenType::kBlockBegin, "", line_});
    return Tag(kind == '{');
  }

  absl::Status Raw() {
    size_t at = pos_;
    while (true) {
      at = s_.find("{%", at);
      if (at == std::string::npos) return Error("missing end of raw directive");
      char sign;
      if (auto after = MatchTagName(at, "endraw", &sign)) {
        if (auto end = MatchBlockEnd(*after, '%', true)) {
          EmitData(std::string_view(s_).substr(pos_, at - pos_), sign, false);
          Advance(*end);
          line_starting_ = s_[*end - 1] == '\n';
          return absl::OkStatus();
        }
      }
      at += 2;
    }
  }

  absl::Status Comment() {
    for (size_t i = pos_; i < s_.size(); ++i) {
      if (auto end = MatchBlockEnd(i, '#', true)) {
        Advance(*end);
        line_starting_ = s_[*end - 1] == '\n';
        return absl::OkStatus();
      }
    }
    return Error("missing end of comment tag");
  }

  absl::Status Tag(bool is_variable) {
    std::vector<char> balance;
    while (true) {
      if (pos_ >= s_.size()) {
        return Error(is_variable ? "unexpected end of template, expected '}}'"
                                 : "unexpected end of template, expected '%}'");
      }
      if (balance.empty()) {
        std::optional<size_t> end;
        if (is_variable) {
          if (s_.compare(pos_, 3, "-}}") == 0) {
            end = pos_ + 3 + SpaceRun(s_, pos_ + 3);
          } else if (s_.compare(pos_, 2, "}}") == 0) {
            end = pos_ + 2;
          }
        } else {
          end = MatchBlockEnd(pos_, '%', true);
        }
        if (end) {
          tokens_.push_back({is_variable ? TokenType::kVarEnd : TokenType::kBlockEnd, "", line_});
          Advance(*end);
          line_starting_ = s_[*end - 1] == '\n';
          return absl::OkStatus();
        }
      }
      size_t ws = SpaceRun(s_, pos_);
      if (ws > 0) {
        Advance(pos_ + ws);
        continue;
      }
      char c = s_[pos_];
      if (IsDigit(c)) {
        if (auto st = Number(); !st.ok()) return st;
      } else if (IsNameStart(c)) {
        size_t e = pos_ + 1;
        while (e < s_.size() && IsNameChar(s_[e])) ++e;
        tokens_.push_back({TokenType::kName, s_.substr(pos_, e - pos_), line_});
        Advance(e);
      } else if (c == '\'' || c == '"') {
        if (auto st = String(); !st.ok()) return st;
      } else {
        if (auto st = Operator(&balance); !st.ok()) return st;
      }
    }
  }

  // Digits with single underscores between them ((\d+_)*\d+); returns the end.
  size_t DigitRun(size_t i) const {
    size_t e = i;
    while (e < s_.size() && IsDigit(s_[e])) {
      ++e;
      if (e + 1 < s_.size() && s_[e] == '_' && IsDigit(s_[e + 1])) ++e;
    }
    return e;
  }

  absl::Status Number() {
    int line = line_;
    bool after_dot = pos_ > 0 && s_[pos_ - 1] == '.';
    size_t int_end = DigitRun(pos_);
    if (!after_dot) {
      // Float: digits, then .digits and/or an exponent.
      size_t e = int_end;
      bool is_float = false;
      if (e + 1 < s_.size() && s_[e] == '.' && IsDigit(s_[e + 1])) {
        e = DigitRun(e + 1);
        is_float = true;
      }
      if (e < s_.size() && (s_[e] == 'e' || s_[e] == 'E')) {
        size_t x = e + 1;
        if (x < s_.size() && (s_[x] == '+' || s_[x] == '-')) ++x;
        if (x < s_.size() && IsDigit(s_[x])) {
          e = DigitRun(x);
          is_float = true;
        }
      }
      if (is_float) {
        std::string text;
        for (size_t i = pos_; i < e; ++i) {
          if (s_[i] != '_') text.push_back(s_[i]);
        }
        tokens_.push_back({TokenType::kFloat, text, line});
        Advance(e);
        return absl::OkStatus();
      }
    }
    // Integers: 0b.., 0o.., 0x.. (underscores allowed after the prefix), or decimal.
    if (s_[pos_] == '0' && pos_ + 1 < s_.size()) {
      char p = static_cast<char>(std::tolower(static_cast<unsigned char>(s_[pos_ + 1])));
      int base = p == 'b' ? 2 : p == 'o' ? 8 : p == 'x' ? 16 : 0;
      if (base != 0) {
        size_t e = pos_ + 2;
        uint64_t value = 0;
        bool any = false;
        while (e < s_.size()) {
          size_t x = e;
          if (s_[x] == '_') ++x;
          if (x >= s_.size()) break;
          int d = HexDigit(s_[x]);
          if (d < 0 || d >= base) break;
          if (value > (UINT64_MAX >> 4)) return Error("integer literal too large");
          value = value * base + d;
          any = true;
          e = x + 1;
        }
        if (any) {
          if (value > static_cast<uint64_t>(INT64_MAX)) return Error("integer literal too large");
          tokens_.push_back({TokenType::kInteger, Cat(value), line});
          Advance(e);
          return absl::OkStatus();
        }
      }
      // "0(_?0)*": a decimal integer never starts with 0 unless it is all zeros.
      size_t e = pos_ + 1;
      while (e < s_.size()) {
        size_t x = e + (s_[e] == '_' ? 1 : 0);
        if (x < s_.size() && s_[x] == '0') {
          e = x + 1;
        } else {
          break;
        }
      }
      tokens_.push_back({TokenType::kInteger, "0", line});
      Advance(e);
      return absl::OkStatus();
    }
    std::string text;
    for (size_t i = pos_; i < int_end; ++i) {
      if (s_[i] != '_') text.push_back(s_[i]);
    }
    if (text.size() > 18) return Error("integer literal too large");
    tokens_.push_back({TokenType::kInteger, text, line});
    Advance(int_end);
    return absl::OkStatus();
  }

  // A quoted literal, decoded like Python's unicode-escape codec.
  absl::Status String() {
    int line = line_;
    char quote = s_[pos_];
    size_t i = pos_ + 1;
    std::string out;
    while (true) {
      if (i >= s_.size()) return Error("unexpected end of string literal");
      char c = s_[i];
      if (c == quote) break;
      if (c != '\\') {
        out.push_back(c);
        ++i;
        continue;
      }
      if (i + 1 >= s_.size()) return Error("unexpected end of string literal");
      char e = s_[i + 1];
      i += 2;
      switch (e) {
        case '\n': break;
        case '\\': out.push_back('\\'); break;
        case '\'': out.push_back('\''); break;
        case '"': out.push_back('"'); break;
        case 'a': out.push_back('\a'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'v': out.push_back('\v'); break;
        case 'x':
        case 'u':
        case 'U': {
          int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          uint32_t cp = 0;
          for (int k = 0; k < digits; ++k) {
            int d = i + k < s_.size() ? HexDigit(s_[i + k]) : -1;
            if (d < 0) return Error(Cat("truncated \\", std::string(1, e), " escape in string literal"));
            cp = cp * 16 + d;
          }
          if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return Error("escape in string literal is not a valid code point");
          }
          AppendUtf8(cp, &out);
          i += digits;
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            uint32_t cp = e - '0';
            for (int k = 0; k < 2 && i < s_.size() && s_[i] >= '0' && s_[i] <= '7'; ++k) cp = cp * 8 + (s_[i++] - '0');
            AppendUtf8(cp, &out);
          } else {
            // Unknown escapes stay as written, backslash included.
            out.push_back('\\');
            i -= 1;
          }
      }
    }
    tokens_.push_back({TokenType::kString, std::move(out), line});
    Advance(i + 1);
    return absl::OkStatus();
  }

  absl::Status Operator(std::vector<char>* balance) {
    static constexpr std::string_view kTwo[] = {"//", "**", "==", "!=", "<=", ">="};
    for (std::string_view op : kTwo) {
      if (s_.compare(pos_, 2, op) == 0) {
        tokens_.push_back({TokenType::kOperator, std::string(op), line_});
        Advance(pos_ + 2);
        return absl::OkStatus();
      }
    }
    char c = s_[pos_];
    static constexpr std::string_view kOne = "+-/*%~[](){}<>=.:|,;";
    if (kOne.find(c) == std::string_view::npos) {
      return Error(Cat("unexpected char ", StrRepr(std::string(1, c)), " in tag"));
    }
    if (c == '(' || c == '[' || c == '{') {
      balance->push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
    } else if (c == ')' || c == ']' || c == '}') {
      if (balance->empty()) return Error(Cat("unexpected '", std::string(1, c), "'"));
      if (balance->back() != c) {
        return Error(Cat("unexpected '", std::string(1, c), "', expected '", std::string(1, balance->back()), "'"));
      }
      balance->pop_back();
    }
    tokens_.push_back({TokenType::kOperator, std::string(1, c), line_});
    Advance(pos_ + 1);
    return absl::OkStatus();
  }

  std::string s_;
  std::string_view name_;
  size_t pos_ = 0;
  int line_ = 1;
  bool line_starting_ = true;
  std::vector<Token> tokens_;
};

// Newlines normalised to \n, then one trailing newline dropped (keep_trailing_newline=False).
std::string NormalizeSource(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out.push_back(source[i]);
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace

absl::StatusOr<std::vector<Token>> Tokenize(std::string_view source, std::string_view name) {
  if (!IsValidUtf8(source)) return absl::InvalidArgumentError(Cat(name, ": template is not valid UTF-8"));
  return Lexer(NormalizeSource(source), name).Run();
}

}  // namespace doomscope::engine::jinja
