#include "engine/chat_template/operators.h"

#include <cmath>
#include <limits>

#include "engine/chat_template/cat.h"
#include "engine/chat_template/interpreter.h"
#include "engine/chat_template/py_format.h"
#include "engine/chat_template/py_string.h"

namespace doomscope::engine::jinja {
namespace {

std::string_view OpSymbol(BinOp op) {
  switch (op) {
    case BinOp::kAdd: return "+";
    case BinOp::kSub: return "-";
    case BinOp::kMul: return "*";
    case BinOp::kDiv: return "/";
    case BinOp::kFloorDiv: return "//";
    case BinOp::kMod: return "%";
    case BinOp::kPow: return "** or pow()";
    default: return "?";
  }
}

[[noreturn]] void Unsupported(BinOp op, const Value& a, const Value& b) {
  Fail(Cat("unsupported operand type(s) for ", OpSymbol(op), ": '", TypeName(a), "' and '", TypeName(b), "'"));
}

bool IsIntLike(const Value& v) { return v.is_int() || v.is_bool(); }

void CheckOverflow(bool overflow) {
  if (overflow) Fail("integer overflow (values beyond 64 bits are not supported)");
}

Value Repeat(Interpreter& interp, const Value& seq, int64_t n) {
  size_t unit = seq.is_string() ? seq.str().size() : seq.list().items.size() * sizeof(Value);
  if (n <= 0 || unit == 0) return seq.is_string() ? Value(std::string()) : Value::List({}, seq.is_tuple());
  if (static_cast<uint64_t>(n) > (uint64_t{1} << 40) / unit) Fail("repetition result too large");
  if (seq.is_string()) {
    const std::string& s = seq.str();
    interp.Charge(s.size() * static_cast<size_t>(n));
    std::string out;
    out.reserve(s.size() * n);
    for (int64_t i = 0; i < n; ++i) out += s;
    return Value(std::move(out));
  }
  const auto& items = seq.list().items;
  interp.Charge(items.size() * static_cast<size_t>(n) * sizeof(Value));
  std::vector<Value> out;
  out.reserve(items.size() * n);
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), items.begin(), items.end());
  return Value::List(std::move(out), seq.is_tuple());
}

double FloatMod(double x, double y) {
  double m = std::fmod(x, y);
  if (m != 0 && ((m < 0) != (y < 0))) m += y;
  if (m == 0) m = std::copysign(0.0, y);
  return m;
}

Value NumberOp(BinOp op, const Value& a, const Value& b) {
  if (IsIntLike(a) && IsIntLike(b)) {
    int64_t x = a.ToInt(), y = b.ToInt(), r = 0;
    switch (op) {
      case BinOp::kAdd:
        CheckOverflow(__builtin_add_overflow(x, y, &r));
        return Value(r);
      case BinOp::kSub:
        CheckOverflow(__builtin_sub_overflow(x, y, &r));
        return Value(r);
      case BinOp::kMul:
        CheckOverflow(__builtin_mul_overflow(x, y, &r));
        return Value(r);
      case BinOp::kDiv:
        if (y == 0) Fail("division by zero");
        return Value(static_cast<double>(x) / static_cast<double>(y));
      case BinOp::kFloorDiv:
      case BinOp::kMod: {
        if (y == 0) Fail(op == BinOp::kMod ? "integer modulo by zero" : "integer division or modulo by zero");
        if (x == std::numeric_limits<int64_t>::min() && y == -1) Fail("integer overflow");
        int64_t q = x / y, m = x % y;
        if (m != 0 && ((m < 0) != (y < 0))) {
          --q;
          m += y;
        }
        return op == BinOp::kFloorDiv ? Value(q) : Value(m);
      }
      case BinOp::kPow: {
        if (y < 0) return Value(std::pow(static_cast<double>(x), static_cast<double>(y)));
        int64_t result = 1, base = x;
        while (y > 0) {
          if (y & 1) CheckOverflow(__builtin_mul_overflow(result, base, &result));
          y >>= 1;
          if (y > 0) CheckOverflow(__builtin_mul_overflow(base, base, &base));
        }
        return Value(result);
      }
      default: break;
    }
  }
  double x = a.ToDouble(), y = b.ToDouble();
  switch (op) {
    case BinOp::kAdd: return Value(x + y);
    case BinOp::kSub: return Value(x - y);
    case BinOp::kMul: return Value(x * y);
    case BinOp::kDiv:
      if (y == 0) Fail("float division by zero");
      return Value(x / y);
    case BinOp::kFloorDiv:
      if (y == 0) Fail("float floor division by zero");
      return Value(std::floor(x / y));
    case BinOp::kMod:
      if (y == 0) Fail("float modulo");
      return Value(FloatMod(x, y));
    case BinOp::kPow:
      if (x == 0 && y < 0) Fail("0.0 cannot be raised to a negative power");
      if (x < 0 && y != std::floor(y)) Fail("negative number cannot be raised to a fractional power");
      return Value(std::pow(x, y));
    default: break;
  }
  Unsupported(op, a, b);
}

}  // namespace

std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

Value Arithmetic(Interpreter& interp, BinOp op, const Value& a, const Value& b) {
  if (op == BinOp::kConcat) {
    std::string s = ToStr(a) + ToStr(b);
    interp.Charge(s.size());
    return Value(std::move(s));
  }
  if (a.is_undefined()) a.ThrowUndefined();
  if (b.is_undefined()) b.ThrowUndefined();
  if (a.is_number() && b.is_number()) return NumberOp(op, a, b);
  switch (op) {
    case BinOp::kAdd:
      if (a.is_string() && b.is_string()) {
        if (a.is_markup() || b.is_markup()) {
          // Markup.__add__ / __radd__: the plain operand is HTML-escaped.
          std::string s = (a.is_markup() ? a.str() : HtmlEscape(a.str())) + (b.is_markup() ? b.str() : HtmlEscape(b.str()));
          interp.Charge(s.size());
          return Value::Markup(std::move(s));
        }
        interp.Charge(a.str().size() + b.str().size());
        return Value(a.str() + b.str());
      }
      if (a.is_indexable() && b.is_indexable() && a.is_tuple() == b.is_tuple()) {
        interp.Charge((a.list().items.size() + b.list().items.size()) * sizeof(Value));
        std::vector<Value> items = a.list().items;
        items.insert(items.end(), b.list().items.begin(), b.list().items.end());
        return Value::List(std::move(items), a.is_tuple());
      }
      if (a.is_string()) Fail(Cat("can only concatenate str (not \"", TypeName(b), "\") to str"));
      if (a.is_list()) Fail(Cat("can only concatenate ", TypeName(a), " (not \"", TypeName(b), "\") to ", TypeName(a)));
      break;
    case BinOp::kMul:
      if ((a.is_string() || a.is_indexable()) && IsIntLike(b)) return Repeat(interp, a, b.ToInt());
      if ((b.is_string() || b.is_indexable()) && IsIntLike(a)) return Repeat(interp, b, a.ToInt());
      break;
    case BinOp::kMod:
      if (a.is_string()) {
        std::string s = PercentFormat(a.str(), b);
        interp.Charge(s.size());
        return Value(std::move(s));
      }
      break;
    default:
      break;
  }
  Unsupported(op, a, b);
}

Value Negate(const Value& v, bool negative) {
  if (v.is_undefined()) v.ThrowUndefined();
  if (v.is_float()) return Value(negative ? -v.as_float() : v.as_float());
  if (v.is_int() || v.is_bool()) {
    int64_t x = v.ToInt();
    if (!negative) return Value(x);
    if (x == std::numeric_limits<int64_t>::min()) Fail("integer overflow");
    return Value(-x);
  }
  Fail(Cat("bad operand type for unary ", negative ? "-" : "+", ": '", TypeName(v), "'"));
}

bool Contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Value::Kind::kString:
      if (!item.is_string()) {
        Fail(Cat("'in <string>' requires string as left operand, not ", TypeName(item)));
      }
      return container.str().find(item.str()) != std::string::npos;
    case Value::Kind::kList:
      for (const Value& v : container.list().items) {
        if (Equals(v, item)) return true;
      }
      return false;
    case Value::Kind::kDict:
      return container.dict().Find(item) != nullptr;
    case Value::Kind::kUndefined:
      return false;
    case Value::Kind::kObject: {
      if (!item.is_string()) return false;
      return container.object().GetAttr(item.str()).has_value();
    }
    default:
      Fail(Cat("argument of type '", TypeName(container), "' is not iterable"));
  }
}

std::optional<size_t> NormalizeIndex(int64_t index, size_t size) {
  int64_t n = static_cast<int64_t>(size);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return std::nullopt;
  return static_cast<size_t>(index);
}

Value SliceValue(Interpreter& interp, const Value& obj, std::optional<int64_t> start, std::optional<int64_t> stop,
                 std::optional<int64_t> step_opt) {
  if (obj.is_undefined()) obj.ThrowUndefined();
  if (!obj.is_string() && !obj.is_indexable()) {
    // Jinja's getitem turns the TypeError into an undefined value.
    return Value::MakeUndefined(Cat(TypeName(obj), " object has no element slice"));
  }
  int64_t step = step_opt.value_or(1);
  if (step == 0) Fail("slice step cannot be zero");
  std::vector<char32_t> cps;
  int64_t n;
  if (obj.is_string()) {
    cps = Utf8Decode(obj.str());
    n = static_cast<int64_t>(cps.size());
  } else {
    n = static_cast<int64_t>(obj.list().items.size());
  }
  // CPython's PySlice_AdjustIndices.
  auto adjust = [&](std::optional<int64_t> v, int64_t def_pos, int64_t def_neg) -> int64_t {
    if (!v) return step > 0 ? def_pos : def_neg;
    int64_t x = *v;
    if (x < 0) {
      x += n;
      if (x < 0) x = step < 0 ? -1 : 0;
    } else if (x >= n) {
      x = step < 0 ? n - 1 : n;
    }
    return x;
  };
  int64_t b = adjust(start, 0, n - 1);
  int64_t e = adjust(stop, n, -1);
  std::vector<int64_t> idx;
  if (step > 0) {
    for (int64_t i = b; i < e; i += step) idx.push_back(i);
  } else {
    for (int64_t i = b; i > e; i += step) idx.push_back(i);
  }
  if (obj.is_string()) {
    std::string out;
    for (int64_t i : idx) AppendUtf8(cps[i], &out);
    interp.Charge(out.size());
    return Value(std::move(out));
  }
  std::vector<Value> items;
  items.reserve(idx.size());
  for (int64_t i : idx) items.push_back(obj.list().items[i]);
  interp.Charge(items.size() * sizeof(Value));
  return Value::List(std::move(items), obj.is_tuple());
}

}  // namespace doomscope::engine::jinja
