// Jinja's builtin filters (jinja2/filters.py), with transformers' `tojson`.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "absl/strings/numbers.h"
#include "engine/chat_template/cat.h"
#include "engine/chat_template/builtins.h"
#include "engine/chat_template/call_args.h"
#include "engine/chat_template/interpreter.h"
#include "engine/chat_template/json_value.h"
#include "engine/chat_template/operators.h"
#include "engine/chat_template/py_format.h"
#include "engine/chat_template/py_string.h"

namespace doomscope::engine::jinja {
namespace {

using FilterFn = Value (*)(Interpreter&, const Value&, CallArgs&);

Value Str(Interpreter& interp, std::string s) {
  interp.Charge(s.size());
  return Value(std::move(s));
}

// Jinja's make_attrgetter: "a.b.0" looks up a, then b, then item 0 (getitem semantics).
Value GetPath(Interpreter& interp, const Value& item, const Value& attribute) {
  if (!attribute.is_string()) return interp.GetItem(item, attribute);
  Value v = item;
  std::string_view path = attribute.str();
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string_view part = path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    int64_t index;
    if (!part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
        absl::SimpleAtoi(std::string(part), &index)) {
      v = interp.GetItem(v, Value(index));
    } else {
      v = interp.GetItem(v, Value(std::string(part)));
    }
    if (dot == std::string_view::npos) return v;
    start = dot + 1;
  }
}

// The sort key of the case-insensitive filters: strings lowered.
Value IgnoreCase(const Value& v, bool case_sensitive) {
  if (!case_sensitive && v.is_string()) return Value(PyLower(v.str()));
  return v;
}

// Python's sorted() (stable) with Compare's ordering.
void SortValues(std::vector<std::pair<Value, Value>>* keyed, bool reverse) {
  std::stable_sort(keyed->begin(), keyed->end(), [reverse](const auto& a, const auto& b) {
    return reverse ? Compare(b.first, a.first, "<") < 0 : Compare(a.first, b.first, "<") < 0;
  });
}

// Sort key for the `sort`, `unique`, `min`, `max` filters: an attribute path
// (comma-separated for several, as a list) and/or lower-cased strings.
Value SortKey(Interpreter& interp, const Value& item, const Value& attribute, bool case_sensitive) {
  if (attribute.is_undefined() || attribute.is_none()) return IgnoreCase(item, case_sensitive);
  if (attribute.is_string() && attribute.str().find(',') != std::string::npos) {
    std::vector<Value> keys;
    for (const std::string& part : PySplit(attribute.str(), std::string(","), -1, false)) {
      keys.push_back(IgnoreCase(GetPath(interp, item, Value(part)), case_sensitive));
    }
    return Value::List(std::move(keys));
  }
  return IgnoreCase(GetPath(interp, item, attribute), case_sensitive);
}

Value FAbs(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs a("abs", args, {});
  if (v.is_float()) return Value(std::fabs(v.as_float()));
  if (v.is_int() || v.is_bool()) {
    if (v.ToInt() == INT64_MIN) Fail("integer overflow");
    return Value(std::abs(v.ToInt()));
  }
  if (v.is_undefined()) v.ThrowUndefined();
  Fail(Cat("bad operand type for abs(): '", TypeName(v), "'"));
}

Value FAttr(Interpreter& interp, const Value& v, CallArgs& args) {
  BoundArgs a("attr", args, {"name"}, 1);
  return interp.GetAttr(v, ToStr(a[0]));
}

Value FBatch(Interpreter& interp, const Value& v, CallArgs& args) {
  BoundArgs a("batch", args, {"linecount", "fill_with"}, 1);
  int64_t n = a.Int(0, 1);
  if (n <= 0) Fail("batch(): linecount must be positive");
  std::vector<Value> out, cur;
  for (Value& item : Iterate(v)) {
    cur.push_back(std::move(item));
    if (static_cast<int64_t>(cur.size()) == n) {
      out.push_back(Value::List(std::move(cur)));
      cur.clear();
    }
  }
  if (!cur.empty()) {
    if (a.has(1) && !a[1].is_none()) {
      interp.Charge(static_cast<size_t>(n - static_cast<int64_t>(cur.size())) * sizeof(Value));
      while (static_cast<int64_t>(cur.size()) < n) cur.push_back(a[1]);
    }
    out.push_back(Value::List(std::move(cur)));
  }
  return Value::Sequence(std::move(out), SeqKind::kGenerator);
}

Value FCapitalize(Interpreter& interp, const Value& v, CallArgs& args) {
  BoundArgs a("capitalize", args, {});
  return Str(interp, PyCapitalize(ToStr(v)));
}

Value FCenter(Interpreter& interp, const Value& v, CallArgs& args) {
  BoundArgs a("center", args, {"width"});
  std::string s = ToStr(v);
  int64_t width = std::min<int64_t>(a.Int(0, 80), 1 << 24);
  int64_t len = CodePointCount(s);
  if (width <= len) return Value(s);
  // CPython's str.center: the extra space goes left when the margin and width are both odd.
  interp.Charge(static_cast<size_t>(width));
  int64_t marg = width - len;
  int64_t left = marg / 2 + (marg & width & 1);
  return Str(interp, std::string(left, ' ') + s + std::string(marg - left, ' '));
}

Value FDefault(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs a("default", args, {"default_value", "boolean"});
  if (v.is_undefined() || (a.Bool(1, false) && !v.Truthy())) return a.Or(0, Value(std::string()));
  return v;
}

Value FDictSort(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs a("dictsort", args, {"case_sensitive", "by", "reverse"});
  if (!v.is_dict()) Fail("You can only sort by either \"key\" or \"value\" of a dict");
  std::string by = a.Str(1, "key");
  if (by != "key" && by != "value") Fail("You can only sort by either \"key\" or \"value\"");
  bool cs = a.Bool(0, false);
  std::vector<std::pair<Value, Value>> keyed;
  for (const auto& [k, val] : v.dict().items) {
    keyed.emplace_back(IgnoreCase(by == "key" ? k : val, cs), Value::List({k, val}, true));
  }
  SortValues(&keyed, a.Bool(2, false));
  std::vector<Value> out;
  for (auto& kv : keyed) out.push_back(std::move(kv.second));
  return Value::List(std::move(out));
}

Value FEscape(Interpreter& interp, const Value& v, CallArgs& args) {
  BoundArgs a("escape", args, {});
  if (v.is_markup()) return v;  // already safe: markupsafe does not escape twice
  std::string out = HtmlEscape(ToStr(v));
  interp.Charge(out.size());
  return Value::Markup(std::move(out));
}

Value FForceEscape(Interpreter& interp, const Value& v, CallArgs& args) {
  BoundArgs a("forceescape", args, {});
  std::string out = HtmlEscape(ToStr(v));
  interp.Charge(out.size());
  return Value::Markup(std::move(out));
}

Value FFirst(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs a("first", args, {});
  std::vector<Value> items = Iterate(v);
  if (items.empty()) return Value::MakeUndefined("No first item, sequence was empty.");
  return items.front();
}

Value FLast(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs a("last", args, {});
  if (v.is_undefined()) Fail("'Undefined' object is not reversible");
  if (v.is_list() && v.list().is_iterator()) Fail(Cat("'", TypeName(v), "' object is not reversible"));
  std::vector<Value> items = Iterate(v);
  if (items.empty()) return Value::MakeUndefined("No last item, sequence was empty.");
  return items.back();
}

// Python float(str): surrounding whitespace allowed, underscores between digits, inf/nan.
std::optional<double> ParseFloat(std::string_view s) {
  std::string t = PyStrip(s, std::nullopt, StripSide::kBoth);
  std::string clean;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '_') {
      if (i == 0 || i + 1 >= t.size() || !std::isdigit(static_cast<unsigned char>(t[i - 1])) ||
          !std::isdigit(static_cast<unsigned char>(t[i + 1]))) {
        return std::nullopt;
      }
      continue;
    }
    clean.push_back(t[i]);
  }
  if (clean.empty()) return std::nullopt;
  std::string lower = PyLower(clean);
  std::string_view body = lower;
  bool neg = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "inf" || body == "infinity") return neg ? -HUGE_VAL : HUGE_VAL;
  if (body == "nan") return std::nan("");
  for (char c : body) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == '+' || c == '-')) return std::nullopt;
  }
  char* end = nullptr;
  double d = std::strtod(clean.c_str(), &end);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return d;
}

std::optional<double> ToFloat(const Value& v) {
  if (v.is_number()) return v.ToDouble();
  if (v.is_string()) return ParseFloat(v.str());
  return std::nullopt;
}

Value FFloat(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs a("float", args, {"default"});
  if (v.is_undefined()) v.ThrowUndefined();
  if (auto d = ToFloat(v)) return Value(*d);
  return a.Or(0, Value(0.0));
}

Value FFormat(Interpreter& interp, const Value& v, CallArgs& args) {
  if (!args.positional.empty() && !args.keyword.empty()) Fail("can't handle positional and keyword arguments at the same time");
  Value fmt_args;
  if (!args.keyword.empty()) {
    DictObj d;
    for (auto& [k, val] : args.keyword) d.Set(Value(k), val);
    fmt_args = Value::Dict(std::move(d));
  } else {
    fmt_args = Value::List(args.positional, true);
  }
  return Str(interp, PercentFormat(ToStr(v), fmt_args));
}

Value FIndent(Interpreter& interp, const Value& v, CallArgs& args) {
  BoundArgs a("indent", args, {"width", "first", "blank"});
  std::string indention;
  if (a.has(0) && a[0].is_string()) {
    indention = a[0].str();
  } else {
    indention = std::string(std::clamp<int64_t>(a.Int(0, 4), 0, 1 << 20), ' ');
  }
  std::string s = ToStr(v) + "\n";  // Jinja appends a newline so splitlines keeps a trailing empty line
  std::vector<std::string> lines = PySplitLines(s, false);
  interp.Charge(lines.size() * indention.size());
  std::string rv;
  if (a.Bool(2, false)) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i > 0) rv += "\n" + indention;
      rv += lines[i];
    }
  } else {
    rv = lines.empty() ? "" : lines[0];
    for (size_t i = 1; i < lines.size(); ++i) {
      rv += "\n";
      if (!lines[i].empty()) rv += indention;
      rv += lines[i];
    }
  }
  if (a.Bool(1, false)) rv = indention + rv;
  return Str(interp, std::move(rv));
}

// Python int(str, base): whitespace, sign, underscores between digits, 0x/0o/0b with base 0 or matching.
std::optional<int64_t> ParseInt(std::string_view s, int64_t base) {
  std::string t = PyStrip(s, std::nullopt, StripSide::kBoth);
  std::string_view body = t;
  bool neg = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body.size() > 2 && body[0] == '0') {
    char p = static_cast<char>(std::tolower(static_cast<unsigned char>(body[1])));
    int prefixed = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
    if (prefixed != 0 && (base == 0 || base == prefixed)) {
      base = prefixed;
      body.remove_prefix(2);
      if (!body.empty() && body[0] == '_') body.remove_prefix(1);
    }
  }
  if (base == 0) base = 10;
  if (body.empty() || base < 2 || base > 36) return std::nullopt;
  uint64_t value = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '_') {
      if (i == 0 || i + 1 >= body.size() || body[i + 1] == '_') return std::nullopt;
      continue;
    }
    int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
            : std::isalpha(static_cast<unsigned char>(c)) ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                                                          : 99;
    if (d >= base) return std::nullopt;
    if (value > (static_cast<uint64_t>(INT64_MAX) - d) / base) Fail("integer overflow");
    value = value * base + d;
  }
  return neg ? -static_cast<int64_t>(value) : static_cast<int64_t>(value);
}

Value FInt(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs a("int", args, {"default", "base"});
  if (v.is_undefined()) v.ThrowUndefined();
  if (v.is_int() || v.is_bool()) return Value(v.ToInt());
  if (v.is_float()) {
    double d = v.as_float();
    if (std::isfinite(d) && std::fabs(d) < 9.2e18) return Value(static_cast<int64_t>(d));
    if (std::isfinite(d)) Fail("integer overflow");
    return a.Or(0, Value(0));
  }
  if (v.is_string()) {
    if (auto i = ParseInt(v.str(), a.Int(1, 10))) return Value(*i);
    if (auto d = ParseFloat(v.str()); d && std::isfinite(*d) && std::fabs(*d) < 9.2e18) {
      return Value(static_cast<int64_t>(*d));
    }
  }
  return a.Or(0, Value(0));
}

Value FItems(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs a("items", args, {});
  if (v.is_undefined()) return Value::Sequence({}, SeqKind::kGenerator);
  if (!v.is_dict()) Fail("Can only get item pairs from a mapping.");
  std::vector<Value> out;
  for (const auto& [k, val] : v.dict().items) out.push_back(Value::List({k, val}, true));
  return Value::Sequence(std::move(out), SeqKind::kGenerator);
}

Value FJoin(Interpreter& interp, const Value& v, CallArgs& args) {
  BoundArgs a("join", args, {"d", "attribute"});
  std::string sep = a.Str(0, "");
  std::string out;
  bool first = true;
  for (const Value& item : Iterate(v)) {
    if (!first) out += sep;
    first = false;
    std::string piece = ToStr(a.has(1) && !a[1].is_none() ? GetPath(interp, item, a[1]) : item);
    interp.Charge(piece.size() + sep.size());
    out += piece;
  }
  return Value(std::move(out));
}

Value FLength(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs a("length", args, {});
  if (v.is_object()) Fail(Cat("object of type '", TypeName(v), "' has no len()"));
  return Value(Length(v));
}

Value FList(Interpreter& interp, const Value& v, CallArgs& args) {
  BoundArgs a("list", args, {});
  if (v.is_none() || v.is_number() || v.is_callable() || v.is_object()) {
    Fail(Cat("'", TypeName(v), "' object is not iterable"));
  }
  std::vector<Value> items = Iterate(v);
  interp.Charge(items.size() * sizeof(Value));
  return Value::List(std::move(items));
}

Value FLower(Interpreter& interp, const Value& v, CallArgs& args) {
  BoundArgs a("lower", args, {});
  return Str(interp, PyLower(ToStr(v)));
}

Value FUpper(Interpreter& interp, const Value& v, CallArgs& args) {
  BoundArgs a("upper", args, {});
  return Str(interp, PyUpper(ToStr(v)));
}

Value FTitle(Interpreter& interp, const Value& v, CallArgs& args) {
  BoundArgs a("title", args, {});
  return Str(interp, JinjaTitle(ToStr(v)));
}

// map(attribute=..., default=...) or map('filter', args...).
Value FMap(Interpreter& interp, const Value& v, CallArgs& args) {
  std::vector<Value> out;
  // Jinja's do_map starts with `if value:`: a false input maps to nothing.
  if (!v.Truthy()) return Value::Sequence({}, SeqKind::kGenerator);
  if (args.positional.empty()) {
    Value attribute, fallback;
    bool has_default = false;
    for (auto& [k, val] : args.keyword) {
      if (k == "attribute") attribute = val;
      else if (k == "default") {
        fallback = val;
        has_default = true;
      } else {
        Fail(Cat("Unexpected keyword argument '", k, "'"));
      }
    }
    if (attribute.is_undefined()) Fail("map requires a filter argument");
    for (const Value& item : Iterate(v)) {
      Value got = GetPath(interp, item, attribute);
      if (has_default && got.is_undefined()) got = fallback;
      out.push_back(std::move(got));
    }
    return Value::Sequence(std::move(out), SeqKind::kGenerator);
  }
  std::string name = ToStr(args.positional[0]);
  if (!IsKnownFilter(name)) Fail(Cat("No filter named '", name, "'."));
  for (const Value& item : Iterate(v)) {
    interp.Step();
    CallArgs rest;
    rest.positional.assign(args.positional.begin() + 1, args.positional.end());
    rest.keyword = args.keyword;
    out.push_back(ApplyFilter(interp, name, item, rest));
  }
  return Value::Sequence(std::move(out), SeqKind::kGenerator);
}

Value MinMax(Interpreter& interp, const Value& v, CallArgs& args, bool want_max) {
  BoundArgs a(want_max ? "max" : "min", args, {"case_sensitive", "attribute"});
  std::vector<Value> items = Iterate(v);
  if (items.empty()) return Value::MakeUndefined("No aggregated item, sequence was empty.");
  bool cs = a.Bool(0, false);
  size_t best = 0;
  Value best_key = SortKey(interp, items[0], a.Or(1, Value()), cs);
  for (size_t i = 1; i < items.size(); ++i) {
    Value key = SortKey(interp, items[i], a.Or(1, Value()), cs);
    int c = Compare(key, best_key, want_max ? ">" : "<");
    if (want_max ? c > 0 : c < 0) {
      best = i;
      best_key = std::move(key);
    }
  }
  return items[best];
}
Value FMax(Interpreter& interp, const Value& v, CallArgs& args) { return MinMax(interp, v, args, true); }
Value FMin(Interpreter& interp, const Value& v, CallArgs& args) { return MinMax(interp, v, args, false); }

// select/reject(test, args...) and selectattr/rejectattr(attr, test, args...).
Value SelectOrReject(Interpreter& interp, const Value& v, CallArgs& args, bool by_attr, bool select) {
  size_t next = 0;
  Value attribute;
  if (by_attr) {
    if (args.positional.empty()) Fail("Missing parameter for attribute name");
    attribute = args.positional[next++];
  }
  std::string test;
  if (next < args.positional.size()) test = ToStr(args.positional[next++]);
  if (!test.empty() && !IsKnownTest(test)) Fail(Cat("No test named '", test, "'."));
  std::vector<Value> out;
  if (!v.Truthy()) return Value::Sequence({}, SeqKind::kGenerator);  // `if value:` in select_or_reject
  for (const Value& item : Iterate(v)) {
    interp.Step();
    Value probe = by_attr ? GetPath(interp, item, attribute) : item;
    bool ok;
    if (test.empty()) {
      ok = probe.Truthy();
    } else {
      CallArgs rest;
      rest.positional.assign(args.positional.begin() + next, args.positional.end());
      rest.keyword = args.keyword;
      ok = ApplyTest(interp, test, probe, rest);
    }
    if (ok == select) out.push_back(item);
  }
  return Value::Sequence(std::move(out), SeqKind::kGenerator);
}
Value FSelect(Interpreter& i, const Value& v, CallArgs& a) { return SelectOrReject(i, v, a, false, true); }
Value FReject(Interpreter& i, const Value& v, CallArgs& a) { return SelectOrReject(i, v, a, false, false); }
Value FSelectAttr(Interpreter& i, const Value& v, CallArgs& a) { return SelectOrReject(i, v, a, true, true); }
Value FRejectAttr(Interpreter& i, const Value& v, CallArgs& a) { return SelectOrReject(i, v, a, true, false); }

Value FReplace(Interpreter& interp, const Value& v, CallArgs& args) {
  BoundArgs a("replace", args, {"old", "new", "count"}, 2);
  std::string s = ToStr(v), from = ToStr(a[0]), to = ToStr(a[1]);
  int64_t count = a.Int(2, -1);
  int64_t hits = from.empty() ? CodePointCount(s) + 1 : PyCount(s, from);
  if (count >= 0) hits = std::min(hits, count);
  interp.Charge(s.size() + static_cast<size_t>(hits) * to.size());
  return Value(PyReplace(s, from, to, count));
}

Value FReverse(Interpreter& interp, const Value& v, CallArgs& args) {
  BoundArgs a("reverse", args, {});
  if (v.is_string()) {
    std::vector<char32_t> cps = Utf8Decode(v.str());
    std::reverse(cps.begin(), cps.end());
    return Str(interp, Utf8Encode(cps, 0, cps.size()));
  }
  if (v.is_none() || v.is_number() || v.is_object() || v.is_callable()) {
    Fail(Cat("argument to reverse() must be a sequence"));
  }
  std::vector<Value> items = Iterate(v);
  std::reverse(items.begin(), items.end());
  // reversed() of a list is an iterator; of a generator Jinja falls back to a reversed list.
  if (v.is_list() && v.list().is_iterator()) return Value::List(std::move(items));
  return Value::Sequence(std::move(items), SeqKind::kReverseIterator);
}

// Python's round(x, n) for floats: correctly rounded (ties to even on the exact binary value).
double RoundFloat(double x, int64_t precision) {
  if (!std::isfinite(x)) return x;
  if (precision > 300) return x;
  if (precision < -308) return 0.0 * x;
  if (precision >= 0) {
    char buf[512];
    std::snprintf(buf, sizeof(buf), "%.*f", static_cast<int>(precision), x);
    return std::strtod(buf, nullptr);
  }
  double scale = std::pow(10.0, static_cast<double>(-precision));
  double y = x / scale;
  double r = std::nearbyint(y);
  return r * scale;
}

Value FRound(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs a("round", args, {"precision", "method"});
  std::string method = a.Str(1, "common");
  if (method != "common" && method != "ceil" && method != "floor") {
    Fail("method must be 'common', 'ceil' or 'floor'");
  }
  if (v.is_undefined()) v.ThrowUndefined();
  if (!v.is_number()) Fail(Cat("type ", TypeName(v), " doesn't define __round__ method"));
  int64_t precision = a.Int(0, 0);
  if (method == "common") {
    if (v.is_int() || v.is_bool()) {
      if (precision >= 0) return Value(v.ToInt());
      double r = RoundFloat(v.ToDouble(), precision);
      return Value(static_cast<int64_t>(r));
    }
    return Value(RoundFloat(v.as_float(), precision));
  }
  double scale = std::pow(10.0, static_cast<double>(precision));
  double x = v.ToDouble() * scale;
  return Value((method == "ceil" ? std::ceil(x) : std::floor(x)) / scale);
}

Value FSafe(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs a("safe", args, {});
  return Value::Markup(ToStr(v));
}

Value FSlice(Interpreter& interp, const Value& v, CallArgs& args) {
  BoundArgs a("slice", args, {"slices", "fill_with"}, 1);
  int64_t slices = a.Int(0, 1);
  if (slices <= 0) Fail("slice(): slices must be positive");
  if (slices > (int64_t{1} << 32)) Fail("slice(): too many slices");
  interp.Charge(static_cast<size_t>(slices) * sizeof(Value));
  std::vector<Value> seq = Iterate(v);
  int64_t length = static_cast<int64_t>(seq.size());
  int64_t per = length / slices, with_extra = length % slices;
  int64_t offset = 0;
  std::vector<Value> out;
  for (int64_t i = 0; i < slices; ++i) {
    int64_t start = offset + i * per;
    if (i < with_extra) ++offset;
    int64_t end = offset + (i + 1) * per;
    std::vector<Value> part(seq.begin() + start, seq.begin() + end);
    if (a.has(1) && !a[1].is_none() && i >= with_extra) part.push_back(a[1]);
    out.push_back(Value::List(std::move(part)));
  }
  return Value::Sequence(std::move(out), SeqKind::kGenerator);
}

Value FSort(Interpreter& interp, const Value& v, CallArgs& args) {
  BoundArgs a("sort", args, {"reverse", "case_sensitive", "attribute"});
  std::vector<std::pair<Value, Value>> keyed;
  for (Value& item : Iterate(v)) {
    Value key = SortKey(interp, item, a.Or(2, Value()), a.Bool(1, false));
    keyed.emplace_back(std::move(key), std::move(item));
  }
  SortValues(&keyed, a.Bool(0, false));
  std::vector<Value> out;
  for (auto& kv : keyed) out.push_back(std::move(kv.second));
  return Value::List(std::move(out));
}

Value FString(Interpreter& interp, const Value& v, CallArgs& args) {
  BoundArgs a("string", args, {});
  if (v.is_string()) return v;  // a Markup stays Markup (soft_str)
  return Str(interp, ToStr(v));
}

Value FSum(Interpreter& interp, const Value& v, CallArgs& args) {
  BoundArgs a("sum", args, {"attribute", "start"});
  Value total = a.Or(1, Value(0));
  for (const Value& item : Iterate(v)) {
    Value x = a.has(0) && !a[0].is_none() ? GetPath(interp, item, a[0]) : item;
    total = Arithmetic(interp, BinOp::kAdd, total, x);
  }
  return total;
}

Value FToJson(Interpreter& interp, const Value& v, CallArgs& args) {
  BoundArgs a("tojson", args, {"ensure_ascii", "indent", "separators", "sort_keys"});
  JsonDumpOptions opt;
  opt.ensure_ascii = a.Bool(0, false);
  if (a.has(1) && !a[1].is_none()) {
    if (a[1].is_string()) {
      opt.indent = a[1].str();
    } else if (a[1].is_int() || a[1].is_bool()) {
      opt.indent = std::string(std::clamp<int64_t>(a[1].ToInt(), 0, 1 << 16), ' ');
    } else {
      Fail("tojson(): indent must be an integer or a string");
    }
  }
  if (a.has(2) && !a[2].is_none()) {
    if (!a[2].is_list() || a[2].list().items.size() != 2) Fail("tojson(): separators must be a (item, key) pair");
    opt.item_separator = ToStr(a[2].list().items[0]);
    opt.key_separator = ToStr(a[2].list().items[1]);
  }
  opt.sort_keys = a.Bool(3, false);
  return Str(interp, JsonDumps(v, opt));
}

Value FTrim(Interpreter& interp, const Value& v, CallArgs& args) {
  BoundArgs a("trim", args, {"chars"});
  std::optional<std::string> chars;
  if (a.has(0) && !a[0].is_none()) chars = ToStr(a[0]);
  return Str(interp, PyStrip(ToStr(v), chars, StripSide::kBoth));
}

Value FTruncate(Interpreter& interp, const Value& v, CallArgs& args) {
  BoundArgs a("truncate", args, {"length", "killwords", "end", "leeway"});
  std::string s = ToStr(v);
  int64_t length = a.Int(0, 255);
  std::string end = a.Str(2, "...");
  int64_t leeway = a.Int(3, 5);
  int64_t end_len = CodePointCount(end);
  if (length < end_len) Fail(Cat("expected length >= ", end_len, ", got ", length));
  if (leeway < 0) Fail(Cat("expected leeway >= 0, got ", leeway));
  std::vector<char32_t> cps = Utf8Decode(s);
  if (static_cast<int64_t>(cps.size()) <= length + leeway) return v.is_string() ? v : Value(s);
  std::string head = Utf8Encode(cps, 0, static_cast<size_t>(length - end_len));
  if (a.Bool(1, false)) return Str(interp, head + end);
  std::vector<std::string> parts = PySplit(head, std::string(" "), 1, true);
  return Str(interp, parts[0] + end);
}

Value FUnique(Interpreter& interp, const Value& v, CallArgs& args) {
  BoundArgs a("unique", args, {"case_sensitive", "attribute"});
  std::vector<Value> seen, out;
  for (const Value& item : Iterate(v)) {
    Value key = SortKey(interp, item, a.Or(1, Value()), a.Bool(0, false));
    if (key.is_list() && !key.is_tuple()) Fail("unhashable type: 'list'");
    if (key.is_dict()) Fail("unhashable type: 'dict'");
    bool dup = false;
    for (const Value& s : seen) dup = dup || Equals(s, key);
    if (!dup) {
      seen.push_back(std::move(key));
      out.push_back(item);
    }
  }
  return Value::Sequence(std::move(out), SeqKind::kGenerator);
}

Value FWordCount(Interpreter&, const Value& v, CallArgs& args) {
  BoundArgs a("wordcount", args, {});
  // Runs of \w (letters, digits, underscore).
  int64_t n = 0;
  bool in_word = false;
  for (char32_t c : Utf8Decode(ToStr(v))) {
    bool w = c == '_' || IsDigitCp(c) || IsAlphaCp(c) || (c >= 0x80 && !IsPySpace(c) && !(c >= 0x2000 && c <= 0x206F) &&
                                                           !(c >= 0x3000 && c <= 0x303F) && !(c >= 0xFF00 && c <= 0xFF0F));
    if (w && !in_word) ++n;
    in_word = w;
  }
  return Value(n);
}

struct FilterEntry {
  std::string_view name;
  FilterFn fn;
};

constexpr FilterEntry kFilters[] = {
    {"abs", FAbs}, {"attr", FAttr}, {"batch", FBatch}, {"capitalize", FCapitalize}, {"center", FCenter},
    {"count", FLength}, {"d", FDefault}, {"default", FDefault}, {"dictsort", FDictSort}, {"e", FEscape},
    {"escape", FEscape}, {"first", FFirst}, {"float", FFloat}, {"forceescape", FForceEscape}, {"format", FFormat},
    {"indent", FIndent}, {"int", FInt}, {"items", FItems}, {"join", FJoin}, {"last", FLast}, {"length", FLength},
    {"list", FList}, {"lower", FLower}, {"map", FMap}, {"max", FMax}, {"min", FMin}, {"reject", FReject},
    {"rejectattr", FRejectAttr}, {"replace", FReplace}, {"reverse", FReverse}, {"round", FRound}, {"safe", FSafe},
    {"select", FSelect}, {"selectattr", FSelectAttr}, {"slice", FSlice}, {"sort", FSort}, {"string", FString},
    {"sum", FSum}, {"title", FTitle}, {"tojson", FToJson}, {"trim", FTrim}, {"truncate", FTruncate},
    {"unique", FUnique}, {"upper", FUpper}, {"wordcount", FWordCount},
};

const FilterEntry* FindFilter(std::string_view name) {
  for (const FilterEntry& f : kFilters) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

}  // namespace

bool IsKnownFilter(std::string_view name) { return FindFilter(name) != nullptr; }

Value ApplyFilter(Interpreter& interp, std::string_view name, const Value& value, CallArgs& args) {
  const FilterEntry* f = FindFilter(name);
  if (f == nullptr) Fail(Cat("No filter named '", name, "' found."));
  interp.Step();
  return f->fn(interp, value, args);
}

}  // namespace doomscope::engine::jinja
