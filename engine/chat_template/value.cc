#include "engine/chat_template/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "engine/chat_template/cat.h"
#include "engine/chat_template/py_string.h"

namespace doomscope::engine::jinja {
namespace {

// repr() of nested containers is bounded so a self-referencing namespace cannot recurse forever.
constexpr int kMaxReprDepth = 64;

void ReprInto(const Value& v, std::string* out, int depth);

void ReprSequence(const ListObj& l, std::string* out, int depth) {
  if (l.is_iterator()) {
    // Python adds the object's address, which no golden can hold.
    out->append(l.kind == SeqKind::kGenerator ? "<generator object>" : "<list_reverseiterator object>");
    return;
  }
  const char* view = l.kind == SeqKind::kDictItems  ? "dict_items("
                     : l.kind == SeqKind::kDictKeys ? "dict_keys("
                     : l.kind == SeqKind::kDictValues ? "dict_values("
                                                      : nullptr;
  if (view != nullptr) out->append(view);
  out->push_back(l.is_tuple() ? '(' : '[');
  for (size_t i = 0; i < l.items.size(); ++i) {
    if (i > 0) out->append(", ");
    ReprInto(l.items[i], out, depth + 1);
  }
  if (l.is_tuple() && l.items.size() == 1) out->push_back(',');
  out->push_back(l.is_tuple() ? ')' : ']');
  if (view != nullptr) out->push_back(')');
}

void ReprInto(const Value& v, std::string* out, int depth) {
  if (depth > kMaxReprDepth) Fail("maximum recursion depth exceeded while getting the repr of an object");
  switch (v.kind()) {
    case Value::Kind::kString:
      out->append(StrRepr(v.str()));
      return;
    case Value::Kind::kList:
      ReprSequence(v.list(), out, depth);
      return;
    case Value::Kind::kDict: {
      out->push_back('{');
      bool first = true;
      for (const auto& [k, val] : v.dict().items) {
        if (!first) out->append(", ");
        first = false;
        ReprInto(k, out, depth + 1);
        out->append(": ");
        ReprInto(val, out, depth + 1);
      }
      out->push_back('}');
      return;
    }
    case Value::Kind::kUndefined:
      out->append("Undefined");
      return;
    case Value::Kind::kObject:
      if (depth > kMaxReprDepth / 2) Fail("maximum recursion depth exceeded while getting the repr of an object");
      out->append(v.object().Repr());
      return;
    default:
      out->append(ToStr(v));
  }
}

int CompareNumbers(const Value& a, const Value& b) {
  if (a.is_float() || b.is_float()) {
    double x = a.ToDouble(), y = b.ToDouble();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  int64_t x = a.ToInt(), y = b.ToInt();
  return x < y ? -1 : (x > y ? 1 : 0);
}

}  // namespace

void AppendPiece(std::string* out, double v) { out->append(FloatRepr(v)); }

void Fail(std::string message) { throw TemplateError{std::move(message), 0}; }

bool Object::SetAttr(std::string_view, Value) { return false; }

const Value* DictObj::Find(const Value& key) const {
  for (const auto& [k, v] : items) {
    if (Equals(k, key)) return &v;
  }
  return nullptr;
}

const Value* DictObj::Find(std::string_view key) const {
  for (const auto& [k, v] : items) {
    if (k.is_string() && k.str() == key) return &v;
  }
  return nullptr;
}

void DictObj::Set(Value key, Value value) {
  for (auto& [k, v] : items) {
    if (Equals(k, key)) {
      v = std::move(value);
      return;
    }
  }
  items.emplace_back(std::move(key), std::move(value));
}

Value Value::MakeUndefined(std::string hint, bool unsafe) {
  Value v;
  Undefined& u = std::get<Undefined>(v.data_);
  u.hint = std::make_shared<const std::string>(std::move(hint));
  u.unsafe = unsafe;
  return v;
}

int Value::Depth() const {
  if (is_list()) return list().depth;
  if (is_dict()) return dict().depth;
  if (is_object()) return object().Depth();
  return 0;
}

Value Value::List(std::vector<Value> items, bool tuple) {
  return Sequence(std::move(items), tuple ? SeqKind::kTuple : SeqKind::kList);
}

Value Value::Markup(std::string s) {
  Value v(std::move(s));
  v.markup_ = true;
  return v;
}

Value Value::Sequence(std::vector<Value> items, SeqKind kind) {
  auto l = std::make_shared<ListObj>();
  int depth = 0;
  for (const Value& v : items) depth = std::max(depth, v.Depth());
  if (depth + 1 > kMaxValueDepth) Fail("value nesting too deep");
  l->items = std::move(items);
  l->kind = kind;
  l->depth = depth + 1;
  return Value(std::shared_ptr<const ListObj>(std::move(l)));
}

Value Value::Dict(DictObj dict) {
  int depth = 0;
  for (const auto& [k, v] : dict.items) depth = std::max({depth, k.Depth(), v.Depth()});
  if (depth + 1 > kMaxValueDepth) Fail("value nesting too deep");
  dict.depth = depth + 1;
  return Value(std::make_shared<const DictObj>(std::move(dict)));
}

double Value::ToDouble() const {
  if (is_float()) return as_float();
  if (is_int()) return static_cast<double>(as_int());
  return as_bool() ? 1.0 : 0.0;
}

int64_t Value::ToInt() const {
  if (is_int()) return as_int();
  if (is_bool()) return as_bool() ? 1 : 0;
  return static_cast<int64_t>(as_float());
}

bool Value::Truthy() const {
  switch (kind()) {
    case Kind::kUndefined:
    case Kind::kNone:
      return false;
    case Kind::kBool:
      return as_bool();
    case Kind::kInt:
      return as_int() != 0;
    case Kind::kFloat:
      return as_float() != 0.0;
    case Kind::kString:
      return !str().empty();
    case Kind::kList:
      return list().is_iterator() || !list().items.empty();
    case Kind::kDict:
      return !dict().items.empty();
    default:
      return true;
  }
}

void Value::ThrowUndefined() const {
  const Undefined& u = undefined();
  std::string hint = u.hint ? *u.hint : "value is undefined";
  Fail(hint);
}

const Value& Value::Defined() const {
  if (is_undefined()) ThrowUndefined();
  return *this;
}

std::string_view TypeName(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined:
      return "Undefined";
    case Value::Kind::kNone:
      return "NoneType";
    case Value::Kind::kBool:
      return "bool";
    case Value::Kind::kInt:
      return "int";
    case Value::Kind::kFloat:
      return "float";
    case Value::Kind::kString:
      return "str";
    case Value::Kind::kList:
      switch (v.list().kind) {
        case SeqKind::kList: return "list";
        case SeqKind::kTuple: return "tuple";
        case SeqKind::kGenerator: return "generator";
        case SeqKind::kReverseIterator: return "list_reverseiterator";
        case SeqKind::kDictItems: return "dict_items";
        case SeqKind::kDictKeys: return "dict_keys";
        case SeqKind::kDictValues: return "dict_values";
      }
      return "list";
    case Value::Kind::kDict:
      return "dict";
    case Value::Kind::kObject:
      return v.object().TypeName();
    case Value::Kind::kCallable:
      return "function";
  }
  return "object";
}

bool Equals(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) return CompareNumbers(a, b) == 0;
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone:
      return true;
    case Value::Kind::kString:
      return a.str() == b.str();
    case Value::Kind::kList: {
      const ListObj& x = a.list();
      const ListObj& y = b.list();
      if (x.kind != y.kind || x.items.size() != y.items.size()) return false;
      if (x.is_iterator()) return &x == &y;
      for (size_t i = 0; i < x.items.size(); ++i) {
        if (!Equals(x.items[i], y.items[i])) return false;
      }
      return true;
    }
    case Value::Kind::kDict: {
      const DictObj& x = a.dict();
      const DictObj& y = b.dict();
      if (x.items.size() != y.items.size()) return false;
      for (const auto& [k, v] : x.items) {
        const Value* other = y.Find(k);
        if (other == nullptr || !Equals(v, *other)) return false;
      }
      return true;
    }
    case Value::Kind::kObject:
      return a.object_ptr() == b.object_ptr();
    case Value::Kind::kCallable:
      return &a.callable() == &b.callable();
    default:
      return false;
  }
}

int Compare(const Value& a, const Value& b, std::string_view op) {
  if (a.is_undefined()) a.ThrowUndefined();
  if (b.is_undefined()) b.ThrowUndefined();
  if (a.is_number() && b.is_number()) return CompareNumbers(a, b);
  if (a.is_string() && b.is_string()) {
    // UTF-8 byte order is code-point order.
    int c = a.str().compare(b.str());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_indexable() && b.is_indexable() && a.is_tuple() == b.is_tuple()) {
    const auto& x = a.list().items;
    const auto& y = b.list().items;
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!Equals(x[i], y[i])) return Compare(x[i], y[i], op);
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  Fail(Cat("'", op, "' not supported between instances of '", TypeName(a), "' and '", TypeName(b), "'"));
}

std::string FloatRepr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  // Shortest round-trip digits, then Python's layout: positional for
  // exponents in [-4, 16), scientific ("1e+16", "1.5e-05") otherwise.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  bool neg = sci[0] == '-';
  if (neg) sci.erase(0, 1);
  size_t e = sci.find('e');
  std::string digits;
  for (size_t i = 0; i < e; ++i) {
    if (sci[i] != '.') digits.push_back(sci[i]);
  }
  int exp = std::atoi(sci.c_str() + e + 1);
  std::string out = neg ? "-" : "";
  // Appends only: GCC 12 warns (-Wrestrict, falsely) on `"lit" + std::string` here.
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      if (static_cast<int>(digits.size()) <= exp + 1) {
        out.append(digits).append(exp + 1 - digits.size(), '0').append(".0");
      } else {
        out.append(digits, 0, exp + 1).append(".").append(digits, exp + 1);
      }
    } else {
      out.append("0.").append(-exp - 1, '0').append(digits);
    }
    return out;
  }
  out.append(digits, 0, 1);
  if (digits.size() > 1) out.append(".").append(digits, 1);
  char ebuf[16];
  std::snprintf(ebuf, sizeof(ebuf), "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
  return out + ebuf;
}

std::string StrRepr(std::string_view s) {
  bool has_single = s.find('\'') != std::string_view::npos;
  bool has_double = s.find('"') != std::string_view::npos;
  char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, quote);
  for (char32_t c : Utf8Decode(s)) {
    if (c == static_cast<char32_t>(quote) || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || c == 0xAD || (c >= 0x2028 && c <= 0x2029) ||
               (c >= 0xD800 && c <= 0xDFFF)) {
      // Non-printable: \xNN below 0x100, \uNNNN above (Python's str.isprintable subset that matters here).
      char buf[12];
      if (c < 0x100) {
        std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned>(c));
      } else {
        std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
      }
      out += buf;
    } else {
      AppendUtf8(c, &out);
    }
  }
  out.push_back(quote);
  return out;
}

std::string ToStr(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined:
      return "";
    case Value::Kind::kNone:
      return "None";
    case Value::Kind::kBool:
      return v.as_bool() ? "True" : "False";
    case Value::Kind::kInt:
      return Cat(v.as_int());
    case Value::Kind::kFloat:
      return FloatRepr(v.as_float());
    case Value::Kind::kString:
      return v.str();
    case Value::Kind::kObject:
      return v.object().Repr();
    case Value::Kind::kCallable:
      return Cat("<function ", v.callable().Name(), ">");
    default: {
      std::string out;
      ReprInto(v, &out, 0);
      return out;
    }
  }
}

std::string Repr(const Value& v) {
  std::string out;
  ReprInto(v, &out, 0);
  return out;
}

int64_t Length(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined:
      return 0;
    case Value::Kind::kString:
      return CodePointCount(v.str());
    case Value::Kind::kList:
      if (v.list().is_iterator()) break;
      return static_cast<int64_t>(v.list().items.size());
    case Value::Kind::kDict:
      return static_cast<int64_t>(v.dict().items.size());
    default:
      break;
  }
  Fail(Cat("object of type '", TypeName(v), "' has no len()"));
}

std::vector<Value> Iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined:
      return {};
    case Value::Kind::kString: {
      std::vector<Value> out;
      const std::string& s = v.str();
      for (size_t i = 0; i < s.size();) {
        size_t n = 1;
        while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
        out.emplace_back(std::string(s.substr(i, n)));
        i += n;
      }
      return out;
    }
    case Value::Kind::kList:
      return v.list().items;
    case Value::Kind::kDict: {
      std::vector<Value> out;
      out.reserve(v.dict().items.size());
      for (const auto& kv : v.dict().items) out.push_back(kv.first);
      return out;
    }
    default:
      Fail(Cat("'", TypeName(v), "' object is not iterable"));
  }
}

}  // namespace doomscope::engine::jinja
