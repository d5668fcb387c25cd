#include "engine/chat_template/py_format.h"

#include <cmath>
#include <cstdio>

#include "engine/chat_template/cat.h"
#include "engine/chat_template/interpreter.h"
#include "engine/chat_template/py_string.h"

namespace doomscope::engine::jinja {
namespace {

struct Spec {
  char fill = ' ';
  char align = 0;  // '<', '>', '^', '=' or 0 (type default)
  char sign = '-';
  bool alt = false;
  bool zero = false;
  int64_t width = -1;
  int64_t precision = -1;
  char type = 0;
};

std::string Pad(std::string body, const Spec& spec, char default_align) {
  int64_t len = CodePointCount(body);
  if (spec.width <= len) return body;
  size_t pad = static_cast<size_t>(spec.width - len);
  char align = spec.align ? spec.align : default_align;
  std::string fill(1, spec.fill);
  auto rep = [&](size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += fill;
    return s;
  };
  if (align == '<') return body + rep(pad);
  if (align == '^') return rep(pad / 2) + body + rep(pad - pad / 2);
  if (align == '=' && !body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ')) {
    return body.substr(0, 1) + rep(pad) + body.substr(1);
  }
  return rep(pad) + body;
}

std::string FormatInt(int64_t v, const Spec& spec) {
  char type = spec.type ? spec.type : 'd';
  uint64_t mag = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  std::string digits;
  if (type == 'c') return std::string(1, static_cast<char>(v));
  int base = type == 'x' || type == 'X' ? 16 : type == 'o' ? 8 : type == 'b' ? 2 : 10;
  if (base == 10 && type != 'd' && type != 'n') Fail(Cat("Unknown format code '", std::string(1, type), "' for object of type 'int'"));
  do {
    int d = static_cast<int>(mag % base);
    digits.insert(digits.begin(), static_cast<char>(d < 10 ? '0' + d : (type == 'X' ? 'A' : 'a') + d - 10));
    mag /= base;
  } while (mag > 0);
  if (spec.alt && base != 10) digits = std::string("0") + (type == 'X' ? 'X' : type) + digits;
  std::string sign = v < 0 ? "-" : spec.sign == '+' ? "+" : spec.sign == ' ' ? " " : "";
  return sign + digits;
}

std::string FormatFloat(double v, const Spec& spec) {
  char type = spec.type;
  int64_t prec = spec.precision;
  if (type == 0 && prec < 0) {
    std::string s = FloatRepr(v);
    return (spec.sign == '+' && v >= 0) ? "+" + s : s;
  }
  if (type == 0) type = 'g';
  if (type == 'n') type = 'g';
  bool percent = type == '%';
  if (percent) {
    v *= 100;
    type = 'f';
  }
  if (prec < 0) prec = 6;
  prec = std::min<int64_t>(prec, 400);
  std::string fmt = "%";
  if (spec.sign == '+') fmt += '+';
  if (spec.sign == ' ') fmt += ' ';
  if (spec.alt) fmt += '#';
  fmt += ".*";
  fmt += type;
  char buf[1024];
  std::snprintf(buf, sizeof(buf), fmt.c_str(), static_cast<int>(prec), v);
  std::string s = buf;
  if (std::isinf(v) || std::isnan(v)) {
    // Python spells these inf/nan (INF/NAN for upper-case types).
    s = std::isnan(v) ? "nan" : (v < 0 ? "-inf" : (spec.sign == '+' ? "+inf" : "inf"));
    if (type >= 'A' && type <= 'Z') s = PyUpper(s);
  }
  return percent ? s + "%" : s;
}

Spec ParseSpec(std::string_view s) {
  Spec spec;
  size_t i = 0;
  auto is_align = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  if (s.size() >= 2 && is_align(s[1])) {
    spec.fill = s[0];
    spec.align = s[1];
    i = 2;
  } else if (!s.empty() && is_align(s[0])) {
    spec.align = s[0];
    i = 1;
  }
  if (i < s.size() && (s[i] == '+' || s[i] == '-' || s[i] == ' ')) spec.sign = s[i++];
  if (i < s.size() && s[i] == '#') {
    spec.alt = true;
    ++i;
  }
  if (i < s.size() && s[i] == '0') {
    spec.zero = true;
    ++i;
  }
  int64_t w = 0;
  bool has_w = false;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    w = std::min<int64_t>(w * 10 + (s[i++] - '0'), 1 << 20);
    has_w = true;
  }
  if (has_w) spec.width = w;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int64_t p = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') p = std::min<int64_t>(p * 10 + (s[i++] - '0'), 1 << 20);
    spec.precision = p;
  }
  if (i < s.size()) spec.type = s[i++];
  if (i != s.size()) Fail("Invalid format specifier");
  if (spec.zero && !spec.align) {
    spec.fill = '0';
    spec.align = '=';
  }
  return spec;
}

std::string FormatValue(const Value& v, const Spec& spec) {
  if (v.is_int() || v.is_bool()) {
    if (v.is_bool() && spec.type == 0) return Pad(ToStr(v), spec, '<');
    if (spec.type && std::string_view("eEfFgG%").find(spec.type) != std::string_view::npos) {
      return Pad(FormatFloat(v.ToDouble(), spec), spec, '>');
    }
    return Pad(FormatInt(v.ToInt(), spec), spec, '>');
  }
  if (v.is_float()) return Pad(FormatFloat(v.as_float(), spec), spec, '>');
  if (spec.type != 0 && spec.type != 's') {
    Fail(Cat("Unknown format code '", std::string(1, spec.type), "' for object of type '", TypeName(v), "'"));
  }
  std::string s = ToStr(v);
  if (spec.precision >= 0) {
    std::vector<char32_t> cps = Utf8Decode(s);
    s = Utf8Encode(cps, 0, std::min<size_t>(cps.size(), static_cast<size_t>(spec.precision)));
  }
  return Pad(std::move(s), spec, '<');
}

}  // namespace

std::string PercentFormat(std::string_view fmt, const Value& args) {
  std::vector<Value> positional;
  const DictObj* mapping = nullptr;
  if (args.is_tuple()) {
    positional = args.list().items;
  } else if (args.is_dict()) {
    mapping = &args.dict();
    positional.push_back(args);
  } else {
    positional.push_back(args);
  }
  size_t next = 0;
  bool used_mapping = false;
  auto take = [&]() -> const Value& {
    if (next >= positional.size()) Fail("not enough arguments for format string");
    return positional[next++];
  };
  std::string out;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out.push_back(fmt[i]);
      continue;
    }
    if (++i >= fmt.size()) Fail("incomplete format");
    const Value* value = nullptr;
    if (fmt[i] == '(') {
      if (mapping == nullptr) Fail("format requires a mapping");
      size_t close = fmt.find(')', i);
      if (close == std::string_view::npos) Fail("incomplete format key");
      const Value* v = mapping->Find(fmt.substr(i + 1, close - i - 1));
      if (v == nullptr) Fail(Cat("KeyError: '", fmt.substr(i + 1, close - i - 1), "'"));
      value = v;
      used_mapping = true;
      i = close + 1;
    }
    Spec spec;
    spec.sign = '-';
    bool left = false;
    for (; i < fmt.size() && std::string_view("-+ #0").find(fmt[i]) != std::string_view::npos; ++i) {
      if (fmt[i] == '-') left = true;
      if (fmt[i] == '+') spec.sign = '+';
      if (fmt[i] == ' ' && spec.sign != '+') spec.sign = ' ';
      if (fmt[i] == '#') spec.alt = true;
      if (fmt[i] == '0') spec.zero = true;
    }
    if (i < fmt.size() && fmt[i] == '*') {
      spec.width = take().ToInt();
      ++i;
    } else {
      int64_t w = -1;
      for (; i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9'; ++i) w = std::min<int64_t>((w < 0 ? 0 : w) * 10 + (fmt[i] - '0'), 1 << 20);
      spec.width = w;
    }
    if (i < fmt.size() && fmt[i] == '.') {
      ++i;
      if (i < fmt.size() && fmt[i] == '*') {
        spec.precision = take().ToInt();
        ++i;
      } else {
        int64_t p = 0;
        for (; i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9'; ++i) p = std::min<int64_t>(p * 10 + (fmt[i] - '0'), 1 << 20);
        spec.precision = p;
      }
    }
    while (i < fmt.size() && (fmt[i] == 'h' || fmt[i] == 'l' || fmt[i] == 'L')) ++i;
    if (i >= fmt.size()) Fail("incomplete format");
    char conv = fmt[i];
    if (conv == '%') {
      out.push_back('%');
      continue;
    }
    if (value == nullptr) value = &take();
    spec.align = left ? '<' : (spec.zero && conv != 's' && conv != 'r' && conv != 'a' ? '=' : '>');
    spec.fill = spec.align == '=' ? '0' : ' ';
    std::string body;
    switch (conv) {
      case 's': body = ToStr(*value); break;
      case 'r':
      case 'a': body = Repr(*value); break;
      case 'd':
      case 'i':
      case 'u':
      case 'x':
      case 'X':
      case 'o':
      case 'c': {
        if (!value->is_number()) {
          Fail(Cat("%", std::string(1, conv), " format: a real number is required, not ", TypeName(*value)));
        }
        Spec s = spec;
        s.type = conv == 'i' || conv == 'u' ? 'd' : conv;
        s.precision = -1;
        body = FormatInt(value->is_float() ? static_cast<int64_t>(value->as_float()) : value->ToInt(), s);
        break;
      }
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G': {
        if (!value->is_number()) Fail(Cat("must be real number, not ", TypeName(*value)));
        Spec s = spec;
        s.type = conv;
        if (s.precision < 0) s.precision = 6;
        body = FormatFloat(value->ToDouble(), s);
        break;
      }
      default:
        Fail(Cat("unsupported format character '", std::string(1, conv), "'"));
    }
    if (spec.precision >= 0 && (conv == 's' || conv == 'r' || conv == 'a')) {
      std::vector<char32_t> cps = Utf8Decode(body);
      body = Utf8Encode(cps, 0, std::min<size_t>(cps.size(), static_cast<size_t>(spec.precision)));
    }
    out += Pad(std::move(body), spec, '>');
  }
  if (mapping == nullptr && next < positional.size()) Fail("not all arguments converted during string formatting");
  (void)used_mapping;
  return out;
}

std::string BraceFormat(Interpreter& interp, std::string_view fmt, const CallArgs& args) {
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
        out.push_back('}');
        ++i;
        continue;
      }
      Fail("Single '}' encountered in format string");
    }
    if (c != '{') {
      out.push_back(c);
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out.push_back('{');
      ++i;
      continue;
    }
    size_t close = fmt.find('}', i);
    if (close == std::string_view::npos) Fail("Single '{' encountered in format string");
    std::string_view field = fmt.substr(i + 1, close - i - 1);
    i = close;
    std::string_view spec_text, conv;
    if (size_t colon = field.find(':'); colon != std::string_view::npos) {
      spec_text = field.substr(colon + 1);
      field = field.substr(0, colon);
    }
    if (size_t bang = field.find('!'); bang != std::string_view::npos) {
      conv = field.substr(bang + 1);
      field = field.substr(0, bang);
    }
    // The first part names the argument; .attr and [key] parts follow.
    size_t end = field.find_first_of(".[");
    std::string_view head = field.substr(0, end);
    Value v;
    if (head.empty()) {
      if (auto_index >= args.positional.size()) Fail("Replacement index out of range for positional args tuple");
      v = args.positional[auto_index++];
    } else if (std::all_of(head.begin(), head.end(), [](char d) { return d >= '0' && d <= '9'; })) {
      size_t idx = std::stoul(std::string(head.substr(0, 9)));
      if (idx >= args.positional.size()) Fail("Replacement index out of range for positional args tuple");
      v = args.positional[idx];
    } else {
      bool found = false;
      for (const auto& [k, val] : args.keyword) {
        if (k == head) {
          v = val;
          found = true;
        }
      }
      if (!found) Fail(Cat("KeyError: '", head, "'"));
    }
    while (end != std::string_view::npos && end < field.size()) {
      if (field[end] == '.') {
        size_t next = field.find_first_of(".[", end + 1);
        v = interp.GetAttr(v, field.substr(end + 1, next == std::string_view::npos ? next : next - end - 1));
        end = next;
      } else {
        size_t rb = field.find(']', end);
        if (rb == std::string_view::npos) Fail("Missing ']' in format string");
        std::string_view key = field.substr(end + 1, rb - end - 1);
        bool numeric = !key.empty() && std::all_of(key.begin(), key.end(), [](char d) { return d >= '0' && d <= '9'; });
        v = interp.GetItem(v, numeric ? Value(static_cast<int64_t>(std::stoll(std::string(key.substr(0, 18)))))
                                      : Value(std::string(key)));
        end = rb + 1;
      }
    }
    if (v.is_undefined()) v.ThrowUndefined();
    if (conv == "r" || conv == "a") {
      v = Value(Repr(v));
    } else if (conv == "s") {
      v = Value(ToStr(v));
    } else if (!conv.empty()) {
      Fail("Unknown conversion specifier");
    }
    out += FormatValue(v, ParseSpec(spec_text));
  }
  return out;
}

}  // namespace doomscope::engine::jinja
