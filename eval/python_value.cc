#include "eval/python_value.h"

#include <algorithm>
#include <cstdint>

#include "results/utf8/utf8.h"

namespace doomscope::eval {
namespace {

bool IsNumeric(PyType t) { return t == PyType::kBool || t == PyType::kInt || t == PyType::kFloat; }

// bool and int compare as integers; a float involved compares as doubles.
bool NumbersEqual(const json::Value& a, PyType ta, const json::Value& b, PyType tb) {
  auto as_int = [](const json::Value& v) -> int64_t { return v.is_bool() ? (v.as_bool() ? 1 : 0) : v.as_int(); };
  auto as_double = [](const json::Value& v) { return v.is_bool() ? (v.as_bool() ? 1.0 : 0.0) : v.as_double(); };
  const bool a_float = ta == PyType::kFloat && a.is_double();
  const bool b_float = tb == PyType::kFloat && b.is_double();
  if (!a_float && !b_float) return as_int(a) == as_int(b);
  return as_double(a) == as_double(b);
}

}  // namespace

const char* PyTypeName(PyType t) {
  switch (t) {
    case PyType::kNone: return "NoneType";
    case PyType::kBool: return "bool";
    case PyType::kInt: return "int";
    case PyType::kFloat: return "float";
    case PyType::kStr: return "str";
    case PyType::kList: return "list";
    case PyType::kTuple: return "tuple";
    case PyType::kDict: return "dict";
  }
  return "?";
}

PyType JsonPyType(const json::Value& v) {
  switch (v.kind()) {
    case json::Value::Kind::kNull: return PyType::kNone;
    case json::Value::Kind::kBool: return PyType::kBool;
    case json::Value::Kind::kInt: return PyType::kInt;
    case json::Value::Kind::kDouble: return PyType::kFloat;
    case json::Value::Kind::kString: return PyType::kStr;
    case json::Value::Kind::kArray: return PyType::kList;
    case json::Value::Kind::kObject: return PyType::kDict;
  }
  return PyType::kNone;
}

std::vector<json::Value> PyIterate(const json::Value& container) {
  if (container.is_array()) return container.as_array();
  std::vector<json::Value> out;
  if (!container.is_string()) return out;
  const std::string& s = container.as_string();
  for (size_t i = 0; i < s.size();) {
    int32_t cp = 0;
    const size_t n = std::max<size_t>(1, Utf8SequenceAt(s, i, &cp));  // a stray byte stands alone
    out.emplace_back(s.substr(i, n));
    i += n;
  }
  return out;
}

PyType PyView::type() const {
  if (as_) return *as_;
  const PyType t = JsonPyType(*value_);
  return t == PyType::kList && call_->IsTuple(pointer_) ? PyType::kTuple : t;
}

PyView PyView::Element(size_t i) const {
  return PyView(value_->as_array()[i], *call_, JsonPointerChild(pointer_, i));
}

PyView PyView::Member(std::string_view key) const {
  return PyView(*value_->Find(key), *call_, JsonPointerChild(pointer_, key));
}

PyView PyView::As(PyType type) const {
  PyView out = *this;
  out.as_ = type;
  return out;
}

bool PyEqual(const PyView& a, const json::Value& b) {
  const PyType ta = a.type();
  const PyType tb = JsonPyType(b);
  if (IsNumeric(ta) && IsNumeric(tb)) return NumbersEqual(a.json(), ta, b, tb);
  if (ta != tb) return false;  // a tuple (never in JSON) equals no list
  switch (ta) {
    case PyType::kNone: return true;
    case PyType::kStr: return a.json().as_string() == b.as_string();
    case PyType::kList: {
      if (a.size() != b.as_array().size()) return false;
      for (size_t i = 0; i < a.size(); ++i) {
        if (!PyEqual(a.Element(i), b.as_array()[i])) return false;
      }
      return true;
    }
    case PyType::kDict: {
      const json::Object& ao = a.json().as_object();
      if (ao.size() != b.as_object().size()) return false;
      for (const auto& [key, unused] : ao) {
        const json::Value* w = b.Find(key);
        if (w == nullptr || !PyEqual(a.Member(key), *w)) return false;
      }
      return true;
    }
    default: return false;
  }
}

}  // namespace doomscope::eval
