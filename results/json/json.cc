#include "results/json/json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "results/utf8/utf8.h"
#include "simdjson.h"

namespace doomscope::json {
namespace {

const std::string kEmptyString;
const Array kEmptyArray;
const Object kEmptyObject;

// Objects with more members than this find repeated keys through a hash map
// (a linear search per key would make a hostile object quadratic).
constexpr size_t kLinearKeySearch = 16;

// Documents up to this size go through simdjson first (see Parse).
constexpr size_t kSimdjsonMaxBytes = 4u << 20;

class Parser {
 public:
  explicit Parser(std::string_view text, const ParseOptions& options = {}) : text_(text), options_(options) {}

  absl::StatusOr<Value> ParseValue(int depth) {
    SkipSpace();
    if (pos_ >= text_.size()) return Error("unexpected end of input");
    if (depth > options_.max_depth) return Error(absl::StrFormat("nesting deeper than %d levels", options_.max_depth));
    const char c = text_[pos_];
    switch (c) {
      case '{': return ParseObject(depth);
      case '[': return ParseArray(depth);
      case '"': {
        std::string s;
        if (auto st = ParseString(&s); !st.ok()) return st;
        return Value(std::move(s));
      }
      case 't': return ParseLiteral("true", Value(true));
      case 'f': return ParseLiteral("false", Value(false));
      case 'n': return ParseLiteral("null", Value());
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber();
        return Error(absl::StrFormat("unexpected character '%s'", Printable(c)));
    }
  }

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  size_t pos() const { return pos_; }
  void set_pos(size_t p) { pos_ = p; }

  absl::Status Error(std::string_view what) const {
    if (options_.budget != nullptr) return absl::InvalidArgumentError(std::string(what));
    int line = 1, col = 1;
    for (size_t i = 0; i < pos_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return absl::InvalidArgumentError(absl::StrFormat("line %d, column %d: %s", line, col, what));
  }

 private:
  static std::string Printable(char c) {
    // Control and non-ASCII bytes as \xNN: an error message must stay valid UTF-8.
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x80) {
      return absl::StrFormat("\\x%02x", static_cast<unsigned char>(c));
    }
    return std::string(1, c);
  }

  absl::StatusOr<Value> ParseLiteral(std::string_view word, Value v) {
    if (text_.substr(pos_, word.size()) != word) return Error("invalid literal");
    pos_ += word.size();
    return v;
  }

  // RFC 8259: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?. A digit
  // after a leading 0 ends the number (Parse then refuses the rest).
  absl::StatusOr<Value> ParseNumber() {
    const size_t start = pos_;
    auto digits = [&]() {
      const size_t from = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      return pos_ > from;
    };
    if (text_[pos_] == '-') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '0') {
      ++pos_;
    } else if (!digits()) {
      return Error("invalid number");
    }
    bool is_float = false;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      is_float = true;
      if (!digits()) return Error("invalid number: no digits after '.'");
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      is_float = true;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (!digits()) return Error("invalid number: no digits in the exponent");
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    if (!is_float) {
      int64_t v = 0;
      auto [ptr, ec] = std::from_chars(first, last, v);
      if (ec == std::errc() && ptr == last) return Number(Value(v), start);
      // Too large for int64: fall through to double.
    }
    double d = 0;
    auto [ptr, ec] = std::from_chars(first, last, d);
    if (ptr != last || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
      pos_ = start;
      return Error("invalid number");
    }
    if (ec == std::errc::result_out_of_range) {
      // from_chars leaves d unset; strtod says which way (+-HUGE_VAL or 0).
      d = std::strtod(std::string(first, last).c_str(), nullptr);
    }
    return Number(Value(d), start);
  }

  Value Number(Value v, size_t start) const {
    if (!options_.keep_number_text) return v;
    return Value::NumberWithText(std::move(v), std::string(text_.substr(start, pos_ - start)));
  }

  bool ReadHex4(uint32_t* out) {
    if (pos_ + 4 > text_.size()) return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_ + i];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else return false;
    }
    pos_ += 4;
    *out = v;
    return true;
  }

  absl::Status ParseString(std::string* out) {
    ++pos_;  // opening quote
    while (true) {
      const size_t run_start = pos_;
      while (pos_ < text_.size() && text_[pos_] != '"' && text_[pos_] != '\\' &&
             static_cast<unsigned char>(text_[pos_]) >= 0x20) {
        if (static_cast<unsigned char>(text_[pos_]) < 0x80) {
          ++pos_;
          continue;
        }
        // JSON text is UTF-8 (RFC 8259 section 8.1): a broken sequence is an error.
        int32_t cp;
        const size_t len = Utf8SequenceAt(text_, pos_, &cp);
        if (len == 0) return Error("invalid UTF-8 in string");
        pos_ += len;
      }
      out->append(text_.data() + run_start, pos_ - run_start);
      if (pos_ >= text_.size()) return Error("unterminated string");
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return absl::OkStatus();
      }
      if (c != '\\') return Error("control character in string");
      ++pos_;
      if (pos_ >= text_.size()) return Error("unterminated string");
      const char e = text_[pos_++];
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
          uint32_t cp = 0;
          if (!ReadHex4(&cp)) return Error("invalid \\u escape");
          // A surrogate must be a high one followed by a low one; alone it
          // is not a character (strict parsers refuse it, as simdjson does).
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t lo = 0;
            if (pos_ + 1 >= text_.size() || text_[pos_] != '\\' || text_[pos_ + 1] != 'u') {
              return Error("lone surrogate in \\u escape");
            }
            pos_ += 2;
            if (!ReadHex4(&lo)) return Error("invalid \\u escape");
            if (lo < 0xDC00 || lo > 0xDFFF) return Error("lone surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return Error("lone surrogate in \\u escape");
          }
          AppendUtf8(cp, out);
          break;
        }
        default:
          --pos_;
          return Error("invalid escape in string");
      }
    }
  }

  absl::StatusOr<Value> ParseArray(int depth) {
    ++pos_;
    Array items;
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      return Value(std::move(items));
    }
    while (true) {
      auto item = ParseValue(depth + 1);
      if (!item.ok()) return item.status();
      items.push_back(*std::move(item));
      SkipSpace();
      if (pos_ >= text_.size()) return Error("unterminated array");
      if (text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (text_[pos_] == ']') {
        ++pos_;
        return Value(std::move(items));
      }
      return Error("expected ',' or ']' in array");
    }
  }

  absl::StatusOr<Value> ParseObject(int depth) {
    ++pos_;
    Object members;
    absl::flat_hash_map<std::string, size_t> index;  // key -> member, once the object is large
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return Value(std::move(members));
    }
    while (true) {
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '"') return Error("expected a string key");
      std::string key;
      if (auto st = ParseString(&key); !st.ok()) return st;
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != ':') return Error("expected ':' after key");
      ++pos_;
      auto item = ParseValue(depth + 1);
      if (!item.ok()) return item.status();
      // Duplicate keys: the last one wins, as in most parsers.
      if (members.size() < kLinearKeySearch) {
        bool replaced = false;
        for (auto& [k, v] : members) {
          if (k == key) {
            v = *std::move(item);
            replaced = true;
            break;
          }
        }
        if (!replaced) members.emplace_back(std::move(key), *std::move(item));
      } else {
        if (index.empty()) {
          for (size_t i = 0; i < members.size(); ++i) index.emplace(members[i].first, i);
        }
        auto [it, inserted] = index.emplace(key, members.size());
        if (inserted) {
          members.emplace_back(std::move(key), *std::move(item));
        } else {
          members[it->second].second = *std::move(item);
        }
      }
      SkipSpace();
      if (pos_ >= text_.size()) return Error("unterminated object");
      if (text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (text_[pos_] == '}') {
        ++pos_;
        return Value(std::move(members));
      }
      return Error("expected ',' or '}' in object");
    }
  }

  std::string_view text_;
  ParseOptions options_;
  size_t pos_ = 0;
};

void AppendDouble(double d, std::string* out) {
  if (!std::isfinite(d)) {  // JSON has no NaN/Inf
    out->append("null");
    return;
  }
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), d);
  std::string_view s(buf, ptr - buf);
  out->append(s);
  // Keep doubles recognisable as doubles when read back.
  if (s.find_first_of(".eE") == std::string_view::npos) out->append(".0");
}

// simdjson's DOM as our Value: key order kept, the last of repeated keys
// wins (as in our parser), int64 as kInt, larger integers as doubles.
Value FromSimdjson(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY: {
      simdjson::dom::array arr;
      if (e.get_array().get(arr) != simdjson::SUCCESS) return Value();
      Array items;
      items.reserve(arr.size());
      for (simdjson::dom::element x : arr) items.push_back(FromSimdjson(x));
      return Value(std::move(items));
    }
    case simdjson::dom::element_type::OBJECT: {
      simdjson::dom::object obj;
      if (e.get_object().get(obj) != simdjson::SUCCESS) return Value();
      Object members;
      members.reserve(obj.size());
      absl::flat_hash_map<std::string_view, size_t> index;  // only for large objects
      for (simdjson::dom::key_value_pair kv : obj) {
        const std::string_view key(kv.key.data(), kv.key.size());
        size_t found = members.size();
        if (members.size() < kLinearKeySearch && index.empty()) {
          for (size_t i = 0; i < members.size(); ++i) {
            if (members[i].first == key) found = i;
          }
        } else {
          if (index.empty()) {
            for (size_t i = 0; i < members.size(); ++i) index.emplace(members[i].first, i);
          }
          if (auto it = index.find(key); it != index.end()) found = it->second;
        }
        if (found < members.size()) {
          members[found].second = FromSimdjson(kv.value);
        } else {
          members.emplace_back(std::string(key), FromSimdjson(kv.value));
          if (!index.empty()) index.emplace(members.back().first, members.size() - 1);
        }
      }
      return Value(std::move(members));
    }
    case simdjson::dom::element_type::INT64: return Value(int64_t{e.get_int64().value_unsafe()});
    case simdjson::dom::element_type::UINT64:
      return Value(static_cast<double>(e.get_uint64().value_unsafe()));
    case simdjson::dom::element_type::DOUBLE: return Value(double{e.get_double().value_unsafe()});
    case simdjson::dom::element_type::STRING: return Value(std::string(std::string_view(e.get_string().value_unsafe())));
    case simdjson::dom::element_type::BOOL: return Value(bool{e.get_bool().value_unsafe()});
    case simdjson::dom::element_type::NULL_VALUE: return Value();
  }
  return Value();
}

// The Value of `text` when simdjson accepts it; nullopt when it does not.
std::optional<Value> ParseWithSimdjson(std::string_view text, int max_depth) {
  // A huge document (one long generation) gains nothing from the fast path
  // but would keep a padded copy and a string buffer of its size in the
  // thread's parser: ours reads it in place.
  if (text.size() > kSimdjsonMaxBytes) return std::nullopt;
  thread_local simdjson::dom::parser parser;
  if (parser.max_depth() != static_cast<size_t>(max_depth + 1) || parser.capacity() < text.size()) {
    // Depth counts the document itself: ours allows max_depth levels below it.
    if (parser.allocate(std::max<size_t>(text.size(), 4096), static_cast<size_t>(max_depth + 1)) !=
        simdjson::SUCCESS) {
      return std::nullopt;
    }
  }
  simdjson::dom::element root;
  if (parser.parse(text.data(), text.size(), /*realloc_if_needed=*/true).get(root) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return FromSimdjson(root);
}

}  // namespace

const std::string Value::kNoText;

Value Value::NumberWithText(Value number, std::string text) {
  if (number.is_number()) number.string_ = std::move(text);
  return number;
}

Value::Value(Array a) : kind_(Kind::kArray), array_(std::make_unique<Array>(std::move(a))) {}
Value::Value(Object o) : kind_(Kind::kObject), object_(std::make_unique<Object>(std::move(o))) {}

Value::Value(const Value& other)
    : kind_(other.kind_),
      bool_(other.bool_),
      int_(other.int_),
      double_(other.double_),
      string_(other.string_),
      array_(other.array_ ? std::make_unique<Array>(*other.array_) : nullptr),
      object_(other.object_ ? std::make_unique<Object>(*other.object_) : nullptr) {}

Value& Value::operator=(const Value& other) {
  if (this != &other) {
    Value copy(other);
    *this = std::move(copy);
  }
  return *this;
}

int64_t Value::as_int() const {
  if (kind_ == Kind::kInt) return int_;
  if (kind_ == Kind::kDouble) return static_cast<int64_t>(double_);
  return 0;
}

double Value::as_double() const {
  if (kind_ == Kind::kDouble) return double_;
  if (kind_ == Kind::kInt) return static_cast<double>(int_);
  return 0;
}

const std::string& Value::as_string() const { return is_string() ? string_ : kEmptyString; }
const Array& Value::as_array() const { return is_array() ? *array_ : kEmptyArray; }
const Object& Value::as_object() const { return is_object() ? *object_ : kEmptyObject; }

Array& Value::mutable_array() {
  if (!is_array()) *this = Value(Array{});
  return *array_;
}

std::string& Value::mutable_string() {
  if (!is_string()) *this = Value(std::string());
  return string_;
}

Object& Value::mutable_object() {
  if (!is_object()) *this = Value(Object{});
  return *object_;
}

const Value* Value::Find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& [k, v] : *object_) {
    if (k == key) return &v;
  }
  return nullptr;
}

Value& Value::Set(std::string_view key, Value v) {
  Object& o = mutable_object();
  for (auto& [k, existing] : o) {
    if (k == key) {
      existing = std::move(v);
      return existing;
    }
  }
  o.emplace_back(std::string(key), std::move(v));
  return o.back().second;
}

bool Value::operator==(const Value& other) const {
  if (is_number() && other.is_number()) {
    if (is_int() && other.is_int()) return int_ == other.int_;
    return as_double() == other.as_double();
  }
  if (kind_ != other.kind_) return false;
  switch (kind_) {
    case Kind::kNull: return true;
    case Kind::kBool: return bool_ == other.bool_;
    case Kind::kString: return string_ == other.string_;
    case Kind::kArray: return *array_ == *other.array_;
    case Kind::kObject: {
      if (object_->size() != other.object_->size()) return false;
      for (const auto& [k, v] : *object_) {
        const Value* o = other.Find(k);
        if (o == nullptr || !(v == *o)) return false;
      }
      return true;
    }
    default: return false;
  }
}

absl::StatusOr<Value> Parse(std::string_view text) {
  // simdjson first: the measured faster way to a Value on valid documents
  // (benchmarks/perf/json_bench.cc). Anything it refuses goes to our parser,
  // which names the line and column, and decides the few inputs the two
  // treat differently by design (integers past 2^64 become doubles here).
  if (std::optional<Value> fast = ParseWithSimdjson(text, ParseOptions().max_depth)) return *std::move(fast);
  Parser p(text);
  auto v = p.ParseValue(0);
  if (!v.ok()) return v.status();
  p.SkipSpace();
  if (p.pos() != text.size()) return p.Error("unexpected text after the JSON value");
  return v;
}

absl::StatusOr<Value> ParsePrefix(std::string_view text, size_t pos, size_t* end) {
  return ParsePrefix(text, pos, end, ParseOptions());
}

absl::StatusOr<Value> ParsePrefix(std::string_view text, size_t pos, size_t* end, const ParseOptions& options) {
  if (pos > text.size()) return absl::InvalidArgumentError("parse position past the end of the text");
  if (options.budget != nullptr) {
    if (*options.budget <= 0) return absl::ResourceExhaustedError("JSON parse budget spent");
    text = text.substr(0, pos + static_cast<size_t>(std::min<int64_t>(*options.budget, text.size() - pos)));
  }
  Parser p(text, options);
  p.set_pos(pos);
  auto v = p.ParseValue(0);
  if (options.budget != nullptr) *options.budget -= std::max<int64_t>(1, p.pos() - pos);
  if (v.ok() && end != nullptr) *end = p.pos();
  return v;
}

void AppendQuoted(std::string_view s, std::string* out) {
  out->push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (static_cast<unsigned char>(c) >= 0x80) {
      // JSON text is UTF-8: a byte that is not part of a valid sequence (a
      // model's byte tokens may split a character) is written as U+FFFD.
      int32_t cp;
      const size_t len = Utf8SequenceAt(s, i, &cp);
      if (len == 0) {
        out->append(kReplacementUtf8);
      } else {
        out->append(s.data() + i, len);
        i += len - 1;
      }
      continue;
    }
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned char>(c));
          out->append(buf);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

void AppendSerialized(const Value& v, std::string* out) {
  switch (v.kind()) {
    case Value::Kind::kNull: out->append("null"); break;
    case Value::Kind::kBool: out->append(v.as_bool() ? "true" : "false"); break;
    case Value::Kind::kInt: out->append(std::to_string(v.as_int())); break;
    case Value::Kind::kDouble: AppendDouble(v.as_double(), out); break;
    case Value::Kind::kString: AppendQuoted(v.as_string(), out); break;
    case Value::Kind::kArray: {
      out->push_back('[');
      bool first = true;
      for (const Value& item : v.as_array()) {
        if (!first) out->push_back(',');
        first = false;
        AppendSerialized(item, out);
      }
      out->push_back(']');
      break;
    }
    case Value::Kind::kObject: {
      out->push_back('{');
      bool first = true;
      for (const auto& [k, item] : v.as_object()) {
        if (!first) out->push_back(',');
        first = false;
        AppendQuoted(k, out);
        out->push_back(':');
        AppendSerialized(item, out);
      }
      out->push_back('}');
      break;
    }
  }
}

std::string Serialize(const Value& v) {
  std::string out;
  AppendSerialized(v, &out);
  return out;
}

const char* KindName(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::kNull: return "null";
    case Value::Kind::kBool: return "boolean";
    case Value::Kind::kInt: return "integer";
    case Value::Kind::kDouble: return "number";
    case Value::Kind::kString: return "string";
    case Value::Kind::kArray: return "array";
    case Value::Kind::kObject: return "object";
  }
  return "?";
}

}  // namespace doomscope::json
