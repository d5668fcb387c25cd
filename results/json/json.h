// A small JSON value type with a strict parser and a compact serializer.
//
// Why our own: JSONL is the exchange format of every input (generations, BFCL,
// WNUT, prompts) and BFCL's checker needs the int/float distinction and key
// order that google.protobuf.Struct loses. Numbers keep their kind: integers
// that fit int64 are kInt, everything else kDouble.
#ifndef DOOMSCOPE_RESULTS_JSON_JSON_H_
#define DOOMSCOPE_RESULTS_JSON_JSON_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace doomscope::json {

class Value;
using Array = std::vector<Value>;
// Objects keep insertion order (outputs read like their inputs); lookups are
// linear, which is fine for the small objects JSONL lines hold.
using Object = std::vector<std::pair<std::string, Value>>;

class Value {
 public:
  enum class Kind { kNull, kBool, kInt, kDouble, kString, kArray, kObject };

  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : kind_(Kind::kBool), bool_(b) {}
  Value(int i) : kind_(Kind::kInt), int_(i) {}
  Value(int64_t i) : kind_(Kind::kInt), int_(i) {}
  Value(uint64_t i) : kind_(Kind::kInt), int_(static_cast<int64_t>(i)) {}
  Value(double d) : kind_(Kind::kDouble), double_(d) {}
  Value(const char* s) : kind_(Kind::kString), string_(s) {}
  Value(std::string s) : kind_(Kind::kString), string_(std::move(s)) {}
  Value(std::string_view s) : kind_(Kind::kString), string_(s) {}
  Value(Array a);
  Value(Object o);

  Value(const Value& other);
  Value& operator=(const Value& other);
  Value(Value&&) noexcept = default;
  Value& operator=(Value&&) noexcept = default;
  ~Value() = default;

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_double() const { return kind_ == Kind::kDouble; }
  bool is_number() const { return is_int() || is_double(); }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_object() const { return kind_ == Kind::kObject; }

  // Accessors assume the kind was checked; on a mismatch they return a zero value.
  bool as_bool() const { return is_bool() && bool_; }
  int64_t as_int() const;        // doubles are truncated
  double as_double() const;      // ints are converted
  const std::string& as_string() const;
  const Array& as_array() const;
  const Object& as_object() const;
  std::string& mutable_string();  // converts a non-string into "" (lets a reader move a long string out)
  Array& mutable_array();        // converts a null into an empty array
  Object& mutable_object();      // converts a null into an empty object

  // Object helpers. Find returns nullptr when absent or when this is not an object.
  const Value* Find(std::string_view key) const;
  // Sets (replacing an existing key) and returns the stored value.
  Value& Set(std::string_view key, Value v);

  // A number's text as written, when parsed with ParseOptions::keep_number_text
  // (else empty).
  const std::string& number_text() const { return is_number() ? string_ : kNoText; }
  static Value NumberWithText(Value number, std::string text);

  // Structural equality; an int and a double are equal when numerically equal.
  bool operator==(const Value& other) const;

 private:
  static const std::string kNoText;
  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  int64_t int_ = 0;
  double double_ = 0;
  std::string string_;
  std::unique_ptr<Array> array_;
  std::unique_ptr<Object> object_;
};

// Parses exactly one JSON value (surrounding whitespace allowed). Errors say
// "line L, column C: what" (1-based, counted within `text`).
absl::StatusOr<Value> Parse(std::string_view text);

// Parses the first JSON value starting at `text[pos]`; on success sets `*end`
// to the offset just past it. Used to pull a JSON object out of prose.
absl::StatusOr<Value> ParsePrefix(std::string_view text, size_t pos, size_t* end);

struct ParseOptions {
  int max_depth = 512;
  // Numbers keep their text as written (Value::number_text()), for canonical
  // forms that must not respell a number.
  bool keep_number_text = false;
  // When set, parsing reads at most *budget bytes and subtracts what it read
  // (at least 1 per call), and errors carry no line and column (finding them
  // costs a pass over the text). Scanning prose for JSON at every '{' with one
  // shared budget stays linear however hostile the text.
  int64_t* budget = nullptr;
};
absl::StatusOr<Value> ParsePrefix(std::string_view text, size_t pos, size_t* end, const ParseOptions& options);

// Compact serialization (no spaces), valid UTF-8 passed through and every byte
// that is not part of valid UTF-8 written as U+FFFD (so whatever a caller
// stores, the output is valid JSON text), control characters escaped; doubles
// printed with the shortest round-trip form.
std::string Serialize(const Value& v);
void AppendSerialized(const Value& v, std::string* out);
// Appends a JSON string literal (with quotes) for `s`.
void AppendQuoted(std::string_view s, std::string* out);

const char* KindName(Value::Kind kind);

}  // namespace doomscope::json

#endif  // DOOMSCOPE_RESULTS_JSON_JSON_H_
