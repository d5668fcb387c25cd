// The Python methods of str, list and dict that templates call, and the ones
// transformers' ImmutableSandboxedEnvironment refuses (anything that would
// modify a list or dict).
#include <algorithm>

#include "engine/chat_template/cat.h"
#include "engine/chat_template/builtins.h"
#include "engine/chat_template/call_args.h"
#include "engine/chat_template/interpreter.h"
#include "engine/chat_template/operators.h"
#include "engine/chat_template/py_format.h"
#include "engine/chat_template/py_string.h"

namespace doomscope::engine::jinja {
namespace {

constexpr std::string_view kStrMethods[] = {
    "capitalize", "casefold", "center", "count", "endswith", "find", "format", "index", "isalnum", "isalpha",
    "isdecimal", "isdigit", "islower", "isnumeric", "isspace", "istitle", "isupper", "join", "ljust", "lower",
    "lstrip", "partition", "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition",
    "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase", "title", "upper", "zfill",
};
constexpr std::string_view kListMethods[] = {"copy", "count", "index"};
constexpr std::string_view kDictMethods[] = {"copy", "get", "items", "keys", "values"};
constexpr std::string_view kUnsafeList[] = {"append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort"};
constexpr std::string_view kUnsafeDict[] = {"clear", "pop", "popitem", "setdefault", "update"};

template <size_t N>
bool In(const std::string_view (&names)[N], std::string_view name) {
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

Value Str(Interpreter& interp, std::string s) {
  interp.Charge(s.size());
  return Value(std::move(s));
}

std::optional<std::string> OptStr(const BoundArgs& a, size_t i, std::string_view fn) {
  if (!a.has(i) || a[i].is_none()) return std::nullopt;
  if (!a[i].is_string()) Fail(Cat(fn, " arg must be None or str"));
  return a[i].str();
}

// The code-point range [start, end) of s selected by optional start/end arguments (as s[start:end]).
std::pair<int64_t, int64_t> SubRange(const BoundArgs& a, size_t first, int64_t len) {
  auto clamp = [&](size_t i, int64_t def) {
    if (!a.has(i) || a[i].is_none()) return def;
    int64_t x = a.Int(i, def);
    if (x < 0) x = std::max<int64_t>(0, x + len);
    return std::min(x, len);
  };
  return {clamp(first, 0), clamp(first + 1, len)};
}

std::string CodePointSlice(const std::string& s, int64_t b, int64_t e) {
  if (e <= b) return "";
  size_t bb = ByteOffsetOfCodePoint(s, b);
  size_t eb = ByteOffsetOfCodePoint(s, e);
  return s.substr(bb, eb - bb);
}

bool AllCodePoints(const std::string& s, bool (*pred)(char32_t)) {
  if (s.empty()) return false;
  for (char32_t c : Utf8Decode(s)) {
    if (!pred(c)) return false;
  }
  return true;
}

Value StrMethod(Interpreter& interp, const std::string& s, std::string_view name, CallArgs& args) {
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    BoundArgs a(name, args, {"chars"});
    StripSide side = name == "strip" ? StripSide::kBoth : name == "lstrip" ? StripSide::kLeft : StripSide::kRight;
    return Str(interp, PyStrip(s, OptStr(a, 0, name), side));
  }
  if (name == "split" || name == "rsplit") {
    BoundArgs a(name, args, {"sep", "maxsplit"});
    std::optional<std::string> sep = OptStr(a, 0, name);
    if (sep && sep->empty()) Fail("empty separator");
    std::vector<Value> out;
    for (std::string& part : PySplit(s, sep, a.Int(1, -1), name == "rsplit")) out.emplace_back(std::move(part));
    interp.Charge(s.size() + out.size() * sizeof(Value));
    return Value::List(std::move(out));
  }
  if (name == "splitlines") {
    BoundArgs a(name, args, {"keepends"});
    std::vector<Value> out;
    for (std::string& part : PySplitLines(s, a.Bool(0, false))) out.emplace_back(std::move(part));
    interp.Charge(s.size() + out.size() * sizeof(Value));
    return Value::List(std::move(out));
  }
  if (name == "startswith" || name == "endswith") {
    BoundArgs a(name, args, {"prefix", "start", "end"}, 1);
    int64_t len = CodePointCount(s);
    auto [b, e] = SubRange(a, 1, len);
    std::string sub = CodePointSlice(s, b, e);
    std::vector<Value> options = a[0].is_tuple() ? a[0].list().items : std::vector<Value>{a[0]};
    for (const Value& o : options) {
      if (!o.is_string()) Fail(Cat(name, " first arg must be str or a tuple of str, not ", TypeName(o)));
      if (b > len) continue;
      if (name == "startswith" ? sub.starts_with(o.str()) : sub.ends_with(o.str())) return Value(true);
    }
    return Value(false);
  }
  if (name == "replace") {
    BoundArgs a(name, args, {"old", "new", "count"}, 2);
    if (!a[0].is_string() || !a[1].is_string()) Fail("replace() arguments must be str");
    int64_t count = a.Int(2, -1);
    int64_t hits = a[0].str().empty() ? CodePointCount(s) + 1 : PyCount(s, a[0].str());
    if (count >= 0) hits = std::min(hits, count);
    interp.Charge(s.size() + static_cast<size_t>(hits) * a[1].str().size());
    return Value(PyReplace(s, a[0].str(), a[1].str(), count));
  }
  if (name == "upper") return BoundArgs(name, args, {}), Str(interp, PyUpper(s));
  if (name == "lower" || name == "casefold") return BoundArgs(name, args, {}), Str(interp, PyLower(s));
  if (name == "title") return BoundArgs(name, args, {}), Str(interp, PyTitle(s));
  if (name == "capitalize") return BoundArgs(name, args, {}), Str(interp, PyCapitalize(s));
  if (name == "swapcase") return BoundArgs(name, args, {}), Str(interp, PySwapCase(s));
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex" || name == "count") {
    BoundArgs a(name, args, {"sub", "start", "end"}, 1);
    if (!a[0].is_string()) Fail(Cat("must be str, not ", TypeName(a[0])));
    int64_t len = CodePointCount(s);
    auto [b, e] = SubRange(a, 1, len);
    std::string sub = CodePointSlice(s, b, e);
    if (name == "count") return Value(b > len ? 0 : PyCount(sub, a[0].str()));
    int64_t at = b > len ? -1 : PyFind(sub, a[0].str(), name[0] == 'r');
    if (at < 0 && (name == "index" || name == "rindex")) Fail("substring not found");
    return Value(at < 0 ? at : at + b);
  }
  if (name == "join") {
    BoundArgs a(name, args, {"iterable"}, 1);
    std::string out;
    size_t i = 0;
    for (const Value& item : Iterate(a[0])) {
      if (!item.is_string()) {
        Fail(Cat("sequence item ", i, ": expected str instance, ", TypeName(item), " found"));
      }
      if (i++ > 0) out += s;
      interp.Charge(item.str().size() + s.size());
      out += item.str();
    }
    return Value(std::move(out));
  }
  if (name == "format") return Str(interp, BraceFormat(interp, s, args));
  if (name == "isdigit" || name == "isdecimal" || name == "isnumeric") {
    return BoundArgs(name, args, {}), Value(AllCodePoints(s, IsDigitCp));
  }
  if (name == "isalpha") return BoundArgs(name, args, {}), Value(AllCodePoints(s, IsAlphaCp));
  if (name == "isalnum") {
    return BoundArgs(name, args, {}), Value(AllCodePoints(s, [](char32_t c) { return IsAlphaCp(c) || IsDigitCp(c); }));
  }
  if (name == "isspace") return BoundArgs(name, args, {}), Value(AllCodePoints(s, IsPySpace));
  if (name == "islower" || name == "isupper") {
    BoundArgs a(name, args, {});
    bool cased = false;
    for (char32_t c : Utf8Decode(s)) {
      if (name == "islower" ? IsUpperCp(c) : IsLowerCp(c)) return Value(false);
      cased = cased || IsCased(c);
    }
    return Value(cased);
  }
  if (name == "istitle") {
    BoundArgs a(name, args, {});
    return Value(!s.empty() && PyTitle(s) == s && std::any_of(s.begin(), s.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }));
  }
  if (name == "center" || name == "ljust" || name == "rjust" || name == "zfill") {
    BoundArgs a(name, args, {"width", "fillchar"}, 1);
    int64_t width = std::min<int64_t>(a.Int(0, 0), 1 << 24);
    std::string fill = name == "zfill" ? "0" : a.Str(1, " ");
    if (CodePointCount(fill) != 1) Fail("The fill character must be exactly one character long");
    int64_t len = CodePointCount(s);
    if (width <= len) return Value(s);
    interp.Charge(static_cast<size_t>(width) * fill.size());
    int64_t pad = width - len, left = 0;
    if (name == "rjust" || name == "zfill") left = pad;
    if (name == "center") left = pad / 2 + (pad & width & 1);
    auto rep = [&](int64_t n) {
      std::string r;
      for (int64_t i = 0; i < n; ++i) r += fill;
      return r;
    };
    if (name == "zfill" && !s.empty() && (s[0] == '-' || s[0] == '+')) return Value(s.substr(0, 1) + rep(pad) + s.substr(1));
    return Value(rep(left) + s + rep(pad - left));
  }
  if (name == "partition" || name == "rpartition") {
    BoundArgs a(name, args, {"sep"}, 1);
    if (!a[0].is_string() || a[0].str().empty()) Fail("empty separator");
    const std::string& sep = a[0].str();
    size_t at = name == "partition" ? s.find(sep) : s.rfind(sep);
    if (at == std::string::npos) {
      return name == "partition" ? Value::List({Value(s), Value(""), Value("")}, true)
                                 : Value::List({Value(""), Value(""), Value(s)}, true);
    }
    return Value::List({Value(s.substr(0, at)), Value(sep), Value(s.substr(at + sep.size()))}, true);
  }
  if (name == "removeprefix" || name == "removesuffix") {
    BoundArgs a(name, args, {"affix"}, 1);
    if (!a[0].is_string()) Fail(Cat(name, "() argument must be str"));
    const std::string& x = a[0].str();
    if (name == "removeprefix" && s.starts_with(x)) return Value(s.substr(x.size()));
    if (name == "removesuffix" && !x.empty() && s.ends_with(x)) return Value(s.substr(0, s.size() - x.size()));
    return Value(s);
  }
  Fail(Cat("'str' object has no attribute '", name, "'"));
}

Value ListMethod(const Value& self, std::string_view name, CallArgs& args) {
  const auto& items = self.list().items;
  if (name == "copy") return BoundArgs(name, args, {}), Value::List(items, self.is_tuple());
  if (name == "count") {
    BoundArgs a(name, args, {"value"}, 1);
    return Value(static_cast<int64_t>(std::count_if(items.begin(), items.end(), [&](const Value& v) { return Equals(v, a[0]); })));
  }
  BoundArgs a(name, args, {"value", "start", "stop"}, 1);
  auto [b, e] = SubRange(a, 1, static_cast<int64_t>(items.size()));
  for (int64_t i = b; i < e; ++i) {
    if (Equals(items[i], a[0])) return Value(i);
  }
  Fail(Cat(Repr(a[0]), " is not in list"));
}

Value DictMethod(const Value& self, std::string_view name, CallArgs& args) {
  const DictObj& d = self.dict();
  if (name == "get") {
    BoundArgs a(name, args, {"key", "default"}, 1);
    if (const Value* v = d.Find(a[0])) return *v;
    return a.Or(1, Value::None());
  }
  BoundArgs a(name, args, {});
  if (name == "copy") return self;
  std::vector<Value> out;
  out.reserve(d.items.size());
  for (const auto& [k, v] : d.items) {
    if (name == "items") out.push_back(Value::List({k, v}, true));
    else if (name == "keys") out.push_back(k);
    else out.push_back(v);
  }
  return Value::Sequence(std::move(out), name == "items" ? SeqKind::kDictItems
                                          : name == "keys" ? SeqKind::kDictKeys
                                                           : SeqKind::kDictValues);
}

// A method value: `s.strip` without the call.
class BoundMethodFn : public Callable {
 public:
  BoundMethodFn(Value self, std::string name) : self_(std::move(self)), name_(std::move(name)) {}
  std::string_view Name() const override { return name_; }
  Value Call(Interpreter& interp, CallArgs& args) const override {
    bool found = false;
    return CallMethod(interp, self_, name_, args, &found);
  }

 private:
  Value self_;
  std::string name_;
};

}  // namespace

bool HasMethod(const Value& self, std::string_view name) {
  if (self.is_string()) return In(kStrMethods, name);
  if (self.is_list()) return self.is_indexable() && In(kListMethods, name);
  if (self.is_dict()) return In(kDictMethods, name);
  return false;
}

bool IsUnsafeMethod(const Value& self, std::string_view name) {
  if (self.is_list() && self.list().kind == SeqKind::kList) return In(kUnsafeList, name);
  if (self.is_dict()) return In(kUnsafeDict, name);
  return false;
}

Value BoundMethod(const Value& self, std::string_view name) {
  return Value(std::shared_ptr<const Callable>(std::make_shared<BoundMethodFn>(self, std::string(name))));
}

Value CallMethod(Interpreter& interp, const Value& self, std::string_view name, CallArgs& args, bool* found) {
  *found = HasMethod(self, name);
  if (!*found) return Value();
  interp.Step();
  if (self.is_string()) return StrMethod(interp, self.str(), name, args);
  if (self.is_list()) return ListMethod(self, name, args);
  return DictMethod(self, name, args);
}

}  // namespace doomscope::engine::jinja
