// The value model of the Jinja renderer: Python's objects as Jinja2 sees them
// inside transformers' ImmutableSandboxedEnvironment.
//
// Undefined is not none: a missing variable or key is Undefined (prints as "",
// is false, iterates as empty, has length 0) and most operations on it raise.
// Ints and floats are distinct (1 == 1.0 and True == 1 as in Python; str(1.0)
// is "1.0"). Strings are UTF-8 and indexed by code point. Lists and dicts are
// shared and, as in the immutable sandbox, never modified after creation
// (append/pop/update are refused), so copies are cheap pointer copies. Dicts
// keep insertion order. Objects (namespace, loop, cycler, joiner) and callables
// (macros, builtins, bound methods) are behind small virtual interfaces.
#ifndef DOOMSCOPE_ENGINE_CHAT_TEMPLATE_VALUE_H_
#define DOOMSCOPE_ENGINE_CHAT_TEMPLATE_VALUE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace doomscope::engine::jinja {

class Value;
class Interpreter;

// Thrown inside the renderer and caught at its API (chat_template.cc): a
// template error with the line it happened on (0 when not known yet).
struct TemplateError {
  std::string message;
  int line = 0;
};
[[noreturn]] void Fail(std::string message);

// Lists and dicts nest at most this deep (deeper values are refused when
// built), so comparing, printing and destroying them cannot exhaust the stack.
inline constexpr int kMaxValueDepth = 400;

// The Python type a sequence stands for. Generators (what map, select,
// selectattr, unique, batch and items return), reversed() iterators and dict
// views iterate like lists but differ elsewhere, as in Python: a generator is
// always true and has no len(); none of them can be indexed or written by
// tojson; each prints as its own type.
enum class SeqKind : uint8_t { kList, kTuple, kGenerator, kReverseIterator, kDictItems, kDictKeys, kDictValues };

struct ListObj {
  std::vector<Value> items;
  SeqKind kind = SeqKind::kList;
  int depth = 1;  // nesting depth, set by Value::List
  bool is_tuple() const { return kind == SeqKind::kTuple; }
  bool is_indexable() const { return kind == SeqKind::kList || kind == SeqKind::kTuple; }
  bool is_iterator() const { return kind == SeqKind::kGenerator || kind == SeqKind::kReverseIterator; }
};

struct DictObj {
  std::vector<std::pair<Value, Value>> items;  // insertion order, unique keys
  int depth = 1;  // nesting depth, set by Value::Dict
  const Value* Find(const Value& key) const;
  const Value* Find(std::string_view key) const;
  // Inserts or replaces (only while the dict is being built).
  void Set(Value key, Value value);
};

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

// Namespaces, loop contexts, cyclers, joiners.
class Object {
 public:
  virtual ~Object() = default;
  virtual std::string_view TypeName() const = 0;
  // Attribute lookup; nullopt when absent (the caller makes an Undefined).
  virtual std::optional<Value> GetAttr(std::string_view name) const = 0;
  // Only namespaces accept `{% set ns.attr = ... %}`.
  virtual bool SetAttr(std::string_view name, Value value);
  virtual std::string Repr() const = 0;
  // Nesting depth of the values it holds (namespaces), as for lists.
  virtual int Depth() const { return 1; }
  // Drops the values it holds when rendering ends (breaks reference cycles).
  virtual void Release() {}
};

class Callable {
 public:
  virtual ~Callable() = default;
  virtual std::string_view Name() const = 0;
  virtual Value Call(Interpreter& interp, CallArgs& args) const = 0;
};

struct Undefined {
  // Why it is undefined, for the error raised when it is used ("'x' is
  // undefined", "'dict object' has no attribute 'y'").
  std::shared_ptr<const std::string> hint;
  // An attribute the sandbox refuses: using it raises a SecurityError.
  bool unsafe = false;
};

class Value {
 public:
  enum class Kind : uint8_t { kUndefined, kNone, kBool, kInt, kFloat, kString, kList, kDict, kObject, kCallable };

  Value() : data_(Undefined{}) {}
  static Value None() {
    // Emplaced in place: moving a variant temporary trips GCC 12's -Wmaybe-uninitialized under ASan.
    Value v;
    v.data_.emplace<std::monostate>();
    return v;
  }
  static Value MakeUndefined(std::string hint, bool unsafe = false);
  Value(bool b) : data_(b) {}
  Value(int64_t i) : data_(i) {}
  Value(int i) : data_(int64_t{i}) {}
  Value(double d) : data_(d) {}
  Value(std::string s) : data_(std::make_shared<const std::string>(std::move(s))) {}
  Value(std::string_view s) : Value(std::string(s)) {}
  Value(const char* s) : Value(std::string(s)) {}
  Value(std::shared_ptr<const std::string> s) : data_(std::move(s)) {}
  Value(std::shared_ptr<const ListObj> l) : data_(std::move(l)) {}
  Value(std::shared_ptr<const DictObj> d) : data_(std::move(d)) {}
  Value(std::shared_ptr<Object> o) : data_(std::move(o)) {}
  Value(std::shared_ptr<const Callable> c) : data_(std::move(c)) {}
  // Build containers (raise when nesting deeper than kMaxValueDepth).
  static Value List(std::vector<Value> items, bool tuple = false);
  static Value Sequence(std::vector<Value> items, SeqKind kind);
  // A markupsafe.Markup string (from |safe or |escape): `+` with a plain
  // string HTML-escapes the other operand, as Markup.__add__ does.
  static Value Markup(std::string s);
  static Value Dict(DictObj dict);
  // Nesting depth: 0 for scalars.
  int Depth() const;

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool is_undefined() const { return kind() == Kind::kUndefined; }
  bool is_none() const { return kind() == Kind::kNone; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_int() const { return kind() == Kind::kInt; }
  bool is_float() const { return kind() == Kind::kFloat; }
  bool is_number() const { return is_int() || is_float() || is_bool(); }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_list() const { return kind() == Kind::kList; }
  bool is_tuple() const { return is_list() && list().is_tuple(); }
  // A list or a tuple (not a generator or a dict view).
  bool is_indexable() const { return is_list() && list().is_indexable(); }
  bool is_markup() const { return markup_; }
  bool is_dict() const { return kind() == Kind::kDict; }
  bool is_object() const { return kind() == Kind::kObject; }
  bool is_callable() const { return kind() == Kind::kCallable; }

  bool as_bool() const { return std::get<bool>(data_); }
  int64_t as_int() const { return std::get<int64_t>(data_); }
  double as_float() const { return std::get<double>(data_); }
  // Int, float or bool as a double / an integer (bool as 0/1).
  double ToDouble() const;
  int64_t ToInt() const;
  const std::string& str() const { return *std::get<std::shared_ptr<const std::string>>(data_); }
  const std::shared_ptr<const std::string>& str_ptr() const {
    return std::get<std::shared_ptr<const std::string>>(data_);
  }
  const ListObj& list() const { return *std::get<std::shared_ptr<const ListObj>>(data_); }
  const DictObj& dict() const { return *std::get<std::shared_ptr<const DictObj>>(data_); }
  Object& object() const { return *std::get<std::shared_ptr<Object>>(data_); }
  const std::shared_ptr<Object>& object_ptr() const { return std::get<std::shared_ptr<Object>>(data_); }
  const Callable& callable() const { return *std::get<std::shared_ptr<const Callable>>(data_); }
  const Undefined& undefined() const { return std::get<Undefined>(data_); }

  // Python truthiness (Undefined is false).
  bool Truthy() const;
  // Raises the UndefinedError (or SecurityError) this Undefined stands for.
  [[noreturn]] void ThrowUndefined() const;
  // Raises if this is Undefined; returns *this otherwise.
  const Value& Defined() const;

 private:
  using Data = std::variant<Undefined, std::monostate, bool, int64_t, double, std::shared_ptr<const std::string>,
                            std::shared_ptr<const ListObj>, std::shared_ptr<const DictObj>, std::shared_ptr<Object>,
                            std::shared_ptr<const Callable>>;
  Data data_;
  bool markup_ = false;
};

// Python's type name as it appears in error messages ("dict", "list", "str", "NoneType", ...).
std::string_view TypeName(const Value& v);
// Python equality (1 == 1.0 == True; lists and dicts element-wise; Undefined only equals Undefined).
bool Equals(const Value& a, const Value& b);
// Python ordering for <, <=, >, >=: numbers, strings (by code point), lists and
// tuples lexicographically; anything else raises a TypeError like Python's.
int Compare(const Value& a, const Value& b, std::string_view op);
// str(): what {{ v }} prints. Undefined prints as "".
std::string ToStr(const Value& v);
// repr(): how values look inside printed lists and dicts.
std::string Repr(const Value& v);
// Python's repr of a float ("1.0", "1e+16", "0.30000000000000004", "inf", "nan").
std::string FloatRepr(double d);
// Python's repr of a string ('it', "it's").
std::string StrRepr(std::string_view s);
// len(): strings by code point; lists, dicts; Undefined is 0; others raise.
int64_t Length(const Value& v);
// The items iterating `v` yields (a dict yields its keys, a string its
// characters, Undefined nothing); others raise "object is not iterable".
std::vector<Value> Iterate(const Value& v);

}  // namespace doomscope::engine::jinja

#endif  // DOOMSCOPE_ENGINE_CHAT_TEMPLATE_VALUE_H_
