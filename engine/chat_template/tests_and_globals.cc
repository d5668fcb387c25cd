// Jinja's builtin tests (jinja2/tests.py) and global functions: Jinja's
// range/dict/namespace/cycler/joiner and transformers' raise_exception and
// strftime_now.
#include <ctime>

#include "engine/chat_template/cat.h"
#include "engine/chat_template/builtins.h"
#include "engine/chat_template/call_args.h"
#include "engine/chat_template/interpreter.h"
#include "engine/chat_template/operators.h"
#include "engine/chat_template/py_string.h"

namespace doomscope::engine::jinja {
namespace {

// Largest range() the sandbox allows (jinja2.sandbox.MAX_RANGE).
constexpr int64_t kMaxRange = 100000;

bool IsIterable(const Value& v) {
  return v.is_undefined() || v.is_string() || v.is_list() || v.is_dict() ||
         (v.is_object() && v.object().TypeName() == "LoopContext");
}

const Value& Arg(const BoundArgs& a, size_t i) { return a[i]; }

bool RunTest(Interpreter& interp, std::string_view name, const Value& v, CallArgs& args) {
  // The single argument of a comparison test (copied: the binding is a temporary).
  auto one = [&](std::string_view fn) -> Value { return BoundArgs(fn, args, {"other"}, 1)[0]; };
  auto none = [&](std::string_view fn) { BoundArgs a(fn, args, {}); };
  if (name == "defined") return none(name), !v.is_undefined();
  if (name == "undefined") return none(name), v.is_undefined();
  if (name == "none") return none(name), v.is_none();
  if (name == "boolean") return none(name), v.is_bool();
  if (name == "false") return none(name), v.is_bool() && !v.as_bool();
  if (name == "true") return none(name), v.is_bool() && v.as_bool();
  if (name == "integer") return none(name), v.is_int();
  if (name == "float") return none(name), v.is_float();
  if (name == "number") return none(name), v.is_number();
  if (name == "string") return none(name), v.is_string();
  if (name == "mapping") return none(name), v.is_dict();
  if (name == "iterable") return none(name), IsIterable(v);
  if (name == "sequence") return none(name), v.is_undefined() || v.is_string() || v.is_indexable() || v.is_dict();
  if (name == "callable") {
    none(name);
    // Undefined defines __call__ (to raise), so Python's callable() is true for it.
    return v.is_callable() || v.is_undefined() || (v.is_object() && v.object().TypeName() == "LoopContext");
  }
  if (name == "escaped") return none(name), v.is_markup();
  if (name == "lower" || name == "upper") {
    none(name);
    // str.islower()/isupper(): at least one cased character, and none of the other case.
    bool cased = false;
    for (char32_t c : Utf8Decode(ToStr(v))) {
      if (name == "lower" ? IsUpperCp(c) : IsLowerCp(c)) return false;
      cased = cased || IsCased(c);
    }
    return cased;
  }
  if (name == "odd" || name == "even") {
    none(name);
    Value m = Arithmetic(interp, BinOp::kMod, v, Value(2));
    return (m.ToInt() == 1) == (name == "odd");
  }
  if (name == "divisibleby") {
    BoundArgs a(name, args, {"num"}, 1);
    return Arithmetic(interp, BinOp::kMod, v, Arg(a, 0)).ToDouble() == 0;
  }
  if (name == "eq" || name == "equalto" || name == "==") return Equals(v, one(name));
  if (name == "ne" || name == "!=") return !Equals(v, one(name));
  if (name == "lt" || name == "lessthan" || name == "<") return Compare(v, one(name), "<") < 0;
  if (name == "le" || name == "<=") return Compare(v, one(name), "<=") <= 0;
  if (name == "gt" || name == "greaterthan" || name == ">") return Compare(v, one(name), ">") > 0;
  if (name == "ge" || name == ">=") return Compare(v, one(name), ">=") >= 0;
  if (name == "in") {
    BoundArgs a(name, args, {"seq"}, 1);
    return Contains(a[0], v);
  }
  if (name == "sameas") {
    const Value o = one(name);
    if (v.kind() != o.kind()) return false;
    switch (v.kind()) {
      case Value::Kind::kNone:
      case Value::Kind::kUndefined: return true;
      case Value::Kind::kBool: return v.as_bool() == o.as_bool();
      // CPython caches the small integers, so they are the same object.
      case Value::Kind::kInt: return v.as_int() == o.as_int() && v.as_int() >= -5 && v.as_int() <= 256;
      case Value::Kind::kString: return v.str_ptr() == o.str_ptr();
      case Value::Kind::kList: return &v.list() == &o.list();  // identity
      case Value::Kind::kDict: return &v.dict() == &o.dict();
      default: return Equals(v, o);
    }
  }
  if (name == "filter") return none(name), v.is_string() && IsKnownFilter(v.str());
  if (name == "test") return none(name), v.is_string() && IsKnownTest(v.str());
  Fail(Cat("No test named '", name, "' found."));
}

constexpr std::string_view kTests[] = {
    "defined", "undefined", "none", "boolean", "false", "true", "integer", "float", "number", "string", "mapping",
    "iterable", "sequence", "callable", "escaped", "lower", "upper", "odd", "even", "divisibleby", "eq", "equalto",
    "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=", "in", "sameas",
    "filter", "test",
};

// ---- globals ---------------------------------------------------------------

class Namespace : public Object {
 public:
  std::string_view TypeName() const override { return "Namespace"; }
  std::optional<Value> GetAttr(std::string_view name) const override {
    if (const Value* v = attrs_.Find(name)) return *v;
    return std::nullopt;
  }
  bool SetAttr(std::string_view name, Value value) override {
    if (value.Depth() + 1 > kMaxValueDepth) Fail("value nesting too deep");
    depth_ = std::max(depth_, value.Depth() + 1);
    attrs_.Set(Value(std::string(name)), std::move(value));
    return true;
  }
  std::string Repr() const override { return Cat("<Namespace ", jinja::Repr(Value::Dict(attrs_)), ">"); }
  int Depth() const override { return depth_; }
  void Release() override { attrs_.items.clear(); }

 private:
  DictObj attrs_;
  int depth_ = 1;
};

// Python's dict(*args, **kwargs): a mapping or an iterable of pairs, then keywords.
DictObj DictFromArgs(const CallArgs& args, std::string_view fn) {
  DictObj d;
  if (args.positional.size() > 1) Fail(Cat(fn, " expected at most 1 argument, got ", args.positional.size()));
  if (!args.positional.empty()) {
    const Value& src = args.positional[0];
    if (src.is_dict()) {
      d.items = src.dict().items;
    } else {
      for (const Value& pair : Iterate(src)) {
        std::vector<Value> kv = Iterate(pair);
        if (kv.size() != 2) Fail("dictionary update sequence element has the wrong length; 2 is required");
        d.Set(kv[0], kv[1]);
      }
    }
  }
  for (const auto& [k, v] : args.keyword) d.Set(Value(k), v);
  return d;
}

class RangeFn : public Callable {
 public:
  std::string_view Name() const override { return "range"; }
  Value Call(Interpreter& interp, CallArgs& args) const override {
    if (!args.keyword.empty()) Fail("range() takes no keyword arguments");
    std::vector<int64_t> n;
    for (const Value& v : args.positional) {
      if (v.is_undefined()) v.ThrowUndefined();
      if (!v.is_int() && !v.is_bool()) Fail(Cat("'", TypeName(v), "' object cannot be interpreted as an integer"));
      n.push_back(v.ToInt());
    }
    if (n.empty() || n.size() > 3) Fail(Cat("range expected 1 to 3 arguments, got ", n.size()));
    int64_t start = n.size() == 1 ? 0 : n[0], stop = n.size() == 1 ? n[0] : n[1], step = n.size() == 3 ? n[2] : 1;
    if (step == 0) Fail("range() arg 3 must not be zero");
    __int128 count = 0;
    if (step > 0 && stop > start) count = ((__int128)stop - start + step - 1) / step;
    if (step < 0 && stop < start) count = ((__int128)start - stop - step - 1) / -step;
    if (count > kMaxRange) {
      Fail(Cat("Range too big. The sandbox blocks ranges larger than MAX_RANGE (", kMaxRange, ")."));
    }
    interp.Charge(static_cast<size_t>(count) * sizeof(Value));
    std::vector<Value> out;
    out.reserve(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) out.emplace_back(start + i * step);
    return Value::List(std::move(out));
  }
};

class DictFn : public Callable {
 public:
  std::string_view Name() const override { return "dict"; }
  Value Call(Interpreter&, CallArgs& args) const override { return Value::Dict(DictFromArgs(args, "dict")); }
};

class NamespaceFn : public Callable {
 public:
  std::string_view Name() const override { return "namespace"; }
  Value Call(Interpreter& interp, CallArgs& args) const override {
    auto ns = std::make_shared<Namespace>();
    for (auto& [k, v] : DictFromArgs(args, "namespace").items) ns->SetAttr(ToStr(k), v);
    interp.Track(ns);
    return Value(std::shared_ptr<Object>(ns));
  }
};

class Cycler : public Object, public std::enable_shared_from_this<Cycler> {
 public:
  explicit Cycler(std::vector<Value> items) : items_(std::move(items)) {}
  std::string_view TypeName() const override { return "Cycler"; }
  std::optional<Value> GetAttr(std::string_view name) const override;
  std::string Repr() const override { return "<Cycler>"; }
  Value Current() const { return items_[pos_]; }
  Value Next() {
    Value v = items_[pos_];
    pos_ = (pos_ + 1) % items_.size();
    return v;
  }
  void Reset() { pos_ = 0; }

 private:
  std::vector<Value> items_;
  size_t pos_ = 0;
};

class CyclerMethod : public Callable {
 public:
  CyclerMethod(std::shared_ptr<Cycler> c, bool next) : c_(std::move(c)), next_(next) {}
  std::string_view Name() const override { return next_ ? "next" : "reset"; }
  Value Call(Interpreter&, CallArgs& args) const override {
    BoundArgs a(Name(), args, {});
    if (next_) return c_->Next();
    c_->Reset();
    return Value::None();
  }

 private:
  std::shared_ptr<Cycler> c_;
  bool next_;
};

std::optional<Value> Cycler::GetAttr(std::string_view name) const {
  auto self = std::const_pointer_cast<Cycler>(shared_from_this());
  if (name == "current") return Current();
  if (name == "next" || name == "reset") {
    return Value(std::shared_ptr<const Callable>(std::make_shared<CyclerMethod>(self, name == "next")));
  }
  return std::nullopt;
}

class CyclerFn : public Callable {
 public:
  std::string_view Name() const override { return "cycler"; }
  Value Call(Interpreter&, CallArgs& args) const override {
    if (args.positional.empty()) Fail("at least one item has to be provided");
    return Value(std::shared_ptr<Object>(std::make_shared<Cycler>(args.positional)));
  }
};

class Joiner : public Callable {
 public:
  explicit Joiner(std::string sep) : sep_(std::move(sep)) {}
  std::string_view Name() const override { return "joiner"; }
  Value Call(Interpreter&, CallArgs& args) const override {
    BoundArgs a("joiner", args, {});
    if (!used_) {
      used_ = true;
      return Value(std::string());
    }
    return Value(sep_);
  }

 private:
  std::string sep_;
  mutable bool used_ = false;
};

class JoinerFn : public Callable {
 public:
  std::string_view Name() const override { return "joiner"; }
  Value Call(Interpreter&, CallArgs& args) const override {
    BoundArgs a("joiner", args, {"sep"});
    return Value(std::shared_ptr<const Callable>(std::make_shared<Joiner>(a.Str(0, ", "))));
  }
};

class RaiseExceptionFn : public Callable {
 public:
  std::string_view Name() const override { return "raise_exception"; }
  Value Call(Interpreter&, CallArgs& args) const override {
    BoundArgs a("raise_exception", args, {"message"}, 1);
    Fail(ToStr(a[0]));
  }
};

class StrftimeNowFn : public Callable {
 public:
  std::string_view Name() const override { return "strftime_now"; }
  Value Call(Interpreter& interp, CallArgs& args) const override {
    BoundArgs a("strftime_now", args, {"format"}, 1);
    if (!a[0].is_string()) Fail("strftime() argument 1 must be str");
    std::tm tm{};
    if (interp.options().now) {
      tm = *interp.options().now;
    } else {
      std::time_t t = std::time(nullptr);
      localtime_r(&t, &tm);
    }
    // datetime.now() is naive: %z and %Z are empty, %f is the microseconds (none here).
    std::string fmt;
    const std::string& in = a[0].str();
    for (size_t i = 0; i < in.size(); ++i) {
      if (in[i] == '%' && i + 1 < in.size()) {
        char c = in[i + 1];
        if (c == 'z' || c == 'Z') {
          ++i;
          continue;
        }
        if (c == 'f') {
          fmt += "000000";
          ++i;
          continue;
        }
        fmt += in.substr(i, 2);
        ++i;
        continue;
      }
      fmt.push_back(in[i]);
    }
    if (fmt.empty()) return Value(std::string());
    std::string out(256 + fmt.size() * 16, '\0');
    size_t n = std::strftime(out.data(), out.size(), fmt.c_str(), &tm);
    if (n == 0) Fail("strftime_now: the formatted date is too long or the format is invalid");
    out.resize(n);
    interp.Charge(n);
    return Value(std::move(out));
  }
};

template <typename T>
Value Global() {
  static const Value* v = new Value(std::shared_ptr<const Callable>(std::make_shared<T>()));
  return *v;
}

}  // namespace

bool IsKnownTest(std::string_view name) {
  for (std::string_view t : kTests) {
    if (t == name) return true;
  }
  return false;
}

bool ApplyTest(Interpreter& interp, std::string_view name, const Value& value, CallArgs& args) {
  interp.Step();
  return RunTest(interp, name, value, args);
}

Value LookupGlobal(std::string_view name) {
  if (name == "range") return Global<RangeFn>();
  if (name == "dict") return Global<DictFn>();
  if (name == "namespace") return Global<NamespaceFn>();
  if (name == "cycler") return Global<CyclerFn>();
  if (name == "joiner") return Global<JoinerFn>();
  if (name == "raise_exception") return Global<RaiseExceptionFn>();
  if (name == "strftime_now") return Global<StrftimeNowFn>();
  return Value();
}

}  // namespace doomscope::engine::jinja
