#include "eval/bfcl_ast_checker.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "benchmarks/tasks/python_call_writer.h"
#include "eval/bipartite_matching.h"
#include "eval/error_classes.h"

namespace doomscope::eval {
namespace {

using Kind = json::Value::Kind;

enum class PyType { kString, kInteger, kFloat, kBoolean, kArray, kDict, kAny };

PyType TypeOf(const json::Value* schema) {
  if (schema == nullptr) return PyType::kAny;
  const json::Value* type = schema->Find("type");
  if (type == nullptr || !type->is_string()) return PyType::kAny;
  const std::string& t = type->as_string();
  if (t == "string" || t == "str") return PyType::kString;
  if (t == "integer" || t == "int") return PyType::kInteger;
  if (t == "float" || t == "number" || t == "double") return PyType::kFloat;
  if (t == "boolean" || t == "bool") return PyType::kBoolean;
  if (t == "array" || t == "tuple" || t == "list") return PyType::kArray;
  if (t == "dict" || t == "object") return PyType::kDict;
  return PyType::kAny;
}

std::optional<Kind> KindOf(PyType t) {
  switch (t) {
    case PyType::kString: return Kind::kString;
    case PyType::kInteger: return Kind::kInt;
    case PyType::kFloat: return Kind::kDouble;
    case PyType::kBoolean: return Kind::kBool;
    case PyType::kArray: return Kind::kArray;
    case PyType::kDict: return Kind::kObject;
    case PyType::kAny: return std::nullopt;
  }
  return std::nullopt;
}

const char* TypeName(PyType t) {
  switch (t) {
    case PyType::kString: return "string";
    case PyType::kInteger: return "integer";
    case PyType::kFloat: return "float";
    case PyType::kBoolean: return "boolean";
    case PyType::kArray: return "array";
    case PyType::kDict: return "dict";
    case PyType::kAny: return "any";
  }
  return "any";
}

// Python's int -> float promotion for float-typed values.
json::Value Promote(const json::Value& v, PyType t) {
  if (t == PyType::kFloat && v.is_int()) return json::Value(v.as_double());
  return v;
}

bool HasType(const json::Value& v, PyType t) {
  const std::optional<Kind> k = KindOf(t);
  return !k || v.kind() == *k;
}

bool IsOptionalMarker(const json::Value& v) { return v.is_string() && v.as_string().empty(); }

// A parameter's alternatives as a list (a lone value counts as a one-element list).
const json::Array& Alternatives(const json::Value& alternatives, json::Array* storage) {
  if (alternatives.is_array()) return alternatives.as_array();
  storage->assign(1, alternatives);
  return *storage;
}

bool AllowsOmission(const json::Value& alternatives) {
  json::Array storage;
  for (const json::Value& a : Alternatives(alternatives, &storage)) {
    if (IsOptionalMarker(a)) return true;
  }
  return false;
}

// The kind of the first acceptable value that is not the optional marker.
std::optional<Kind> AnswerKind(const json::Array& alternatives) {
  for (const json::Value& a : alternatives) {
    if (!IsOptionalMarker(a)) return a.kind();
  }
  return std::nullopt;
}

// Equality after standardizing strings at every depth; numbers compare by value.
bool LooseEqual(const json::Value& a, const json::Value& b) {
  if (a.is_string() && b.is_string()) return StandardizeBfclString(a.as_string()) == StandardizeBfclString(b.as_string());
  if (a.is_array() && b.is_array()) {
    if (a.as_array().size() != b.as_array().size()) return false;
    for (size_t i = 0; i < a.as_array().size(); ++i) {
      if (!LooseEqual(a.as_array()[i], b.as_array()[i])) return false;
    }
    return true;
  }
  if (a.is_object() && b.is_object()) {
    if (a.as_object().size() != b.as_object().size()) return false;
    for (const auto& [k, v] : a.as_object()) {
      const json::Value* w = b.Find(k);
      if (w == nullptr || !LooseEqual(v, *w)) return false;
    }
    return true;
  }
  return a == b;
}

std::string Show(const json::Value& v) { return tasks::PythonLiteral(v); }

CallCheck Fail(std::string_view error_class, std::string message) {
  return CallCheck{false, std::string(error_class), std::move(message)};
}

CallCheck NotOneOf(const std::string& path, const json::Value& value, const json::Value& alternatives) {
  return Fail(error_class::kWrongValue,
              absl::StrCat("parameter '", path, "': ", Show(value), " is not one of ", Show(alternatives)));
}

const json::Value* Properties(const json::Value* schema) {
  if (schema == nullptr) return nullptr;
  const json::Value* p = schema->Find("properties");
  return p != nullptr && p->is_object() ? p : nullptr;
}

CallCheck CheckValue(const std::string& path, const json::Value& value, const json::Value* schema,
                     const json::Value& alternatives);

// A dict value inside a dict or list of dicts: BFCL compares it by membership
// only; dict- and list-of-dict-typed keys are checked recursively.
CallCheck CheckDictMember(const std::string& path, const json::Value& value, const json::Value* schema,
                          const json::Value& alternatives) {
  const PyType t = TypeOf(schema);
  if (t == PyType::kDict || (t == PyType::kArray && TypeOf(schema->Find("items")) == PyType::kDict)) {
    return CheckValue(path, value, schema, alternatives);
  }
  json::Array storage;
  const json::Value promoted = Promote(value, t);
  for (const json::Value& a : Alternatives(alternatives, &storage)) {
    if (LooseEqual(promoted, a)) return CallCheck{};
  }
  return NotOneOf(path, value, alternatives);
}

// `value` (an object) against one expected dict {key: [alternatives]}.
CallCheck CheckDictAgainst(const std::string& path, const json::Value& value, const json::Value* schema,
                           const json::Value& expected) {
  const json::Value* props = Properties(schema);
  for (const auto& [key, v] : value.as_object()) {
    const json::Value* alts = expected.Find(key);
    const std::string sub = absl::StrCat(path, ".", key);
    if (alts == nullptr) return Fail(error_class::kUnknownParameter, absl::StrCat("unexpected dict key '", sub, "'"));
    CallCheck r = CheckDictMember(sub, v, props != nullptr ? props->Find(key) : nullptr, *alts);
    if (!r.ok) return r;
  }
  for (const auto& [key, alts] : expected.as_object()) {
    if (value.Find(key) == nullptr && !AllowsOmission(alts)) {
      return Fail(error_class::kMissingParameter, absl::StrCat("missing dict key '", path, ".", key, "'"));
    }
  }
  return CallCheck{};
}

CallCheck CheckDict(const std::string& path, const json::Value& value, const json::Value* schema,
                    const json::Array& alternatives) {
  CallCheck result = Fail(error_class::kWrongValue, absl::StrCat("parameter '", path, "': no acceptable dict"));
  for (const json::Value& a : alternatives) {
    if (!a.is_object()) continue;
    CallCheck r = CheckDictAgainst(path, value, schema, a);
    if (r.ok) return r;
    result = std::move(r);
  }
  return result;
}

CallCheck CheckListOfDicts(const std::string& path, const json::Value& value, const json::Value* items,
                           const json::Array& alternatives) {
  CallCheck result = Fail(error_class::kWrongValue, absl::StrCat("parameter '", path, "': no acceptable list"));
  for (const json::Value& a : alternatives) {
    if (!a.is_array()) continue;
    if (a.as_array().size() != value.as_array().size()) {
      result = Fail(error_class::kWrongValue, absl::StrCat("parameter '", path, "': ", value.as_array().size(),
                                                          " dicts, expected ", a.as_array().size()));
      continue;
    }
    CallCheck r;
    for (size_t i = 0; i < a.as_array().size() && r.ok; ++i) {
      const json::Value& expected = a.as_array()[i];
      const std::string sub = absl::StrCat(path, "[", i, "]");
      if (expected.is_object()) {
        r = CheckDictAgainst(sub, value.as_array()[i], items, expected);
      } else if (!LooseEqual(value.as_array()[i], expected)) {
        r = NotOneOf(sub, value.as_array()[i], json::Value(json::Array{expected}));
      }
    }
    if (r.ok) return r;
    result = std::move(r);
  }
  return result;
}

CallCheck CheckValue(const std::string& path, const json::Value& value, const json::Value* schema,
                     const json::Value& alternatives_value) {
  json::Array storage;
  const json::Array& alternatives = Alternatives(alternatives_value, &storage);
  const PyType type = TypeOf(schema);
  const json::Value v = Promote(value, type);
  const std::optional<Kind> answer_kind = AnswerKind(alternatives);

  // BFCL's "variable" rule: when the expected answers have another type than
  // the declared one, a value of the answers' type is compared as is.
  bool is_variable = false;
  if (HasType(v, type)) {
    is_variable = answer_kind && KindOf(type) && *answer_kind != *KindOf(type);
    if (type == PyType::kArray && !is_variable) {
      const json::Value* items = schema->Find("items");
      const PyType item_type = TypeOf(items);
      // The variable rule one level down: an element may have the type the
      // expected lists' elements have.
      std::vector<Kind> element_answer_kinds;
      for (const json::Value& a : alternatives) {
        if (!a.is_array()) continue;
        if (std::optional<Kind> k = AnswerKind(a.as_array())) element_answer_kinds.push_back(*k);
      }
      for (size_t i = 0; i < v.as_array().size(); ++i) {
        const json::Value& e = v.as_array()[i];
        const bool answer_typed =
            std::find(element_answer_kinds.begin(), element_answer_kinds.end(), e.kind()) != element_answer_kinds.end();
        if (!HasType(Promote(e, item_type), item_type) && !answer_typed) {
          return Fail(error_class::kWrongType, absl::StrCat("parameter '", path, "': element ", i, " ",
                                                           Show(v.as_array()[i]), " is not of type ", TypeName(item_type)));
        }
      }
    }
  } else if (answer_kind && v.kind() == *answer_kind) {
    is_variable = true;
  } else {
    return Fail(error_class::kWrongType, absl::StrCat("parameter '", path, "': ", Show(value), " is not of type ",
                                                     TypeName(type)));
  }

  if (is_variable) {
    for (const json::Value& a : alternatives) {
      if (!IsOptionalMarker(a) && a == v) return CallCheck{};
    }
    return NotOneOf(path, value, alternatives_value);
  }
  switch (type) {
    case PyType::kDict: return CheckDict(path, v, schema, alternatives);
    case PyType::kArray: {
      const json::Value* items = schema->Find("items");
      if (TypeOf(items) == PyType::kDict) return CheckListOfDicts(path, v, items, alternatives);
      for (const json::Value& a : alternatives) {
        if (a.is_array() && LooseEqual(v, a)) return CallCheck{};
      }
      return NotOneOf(path, value, alternatives_value);
    }
    case PyType::kString: {
      const std::string s = StandardizeBfclString(v.as_string());
      for (const json::Value& a : alternatives) {
        if (a.is_string() && StandardizeBfclString(a.as_string()) == s) return CallCheck{};
      }
      return NotOneOf(path, value, alternatives_value);
    }
    case PyType::kAny:
      for (const json::Value& a : alternatives) {
        if (LooseEqual(v, a)) return CallCheck{};
      }
      return NotOneOf(path, value, alternatives_value);
    default:
      for (const json::Value& a : alternatives) {
        if (a == v) return CallCheck{};
      }
      return NotOneOf(path, value, alternatives_value);
  }
}

bool NameMatches(const std::string& called, const std::string& expected) {
  if (called == expected) return true;
  return expected.find('.') != std::string::npos && absl::StrReplaceAll(expected, {{".", "_"}}) == called;
}

const json::Value* FindFunction(const json::Value& functions, const std::string& name) {
  if (!functions.is_array()) return nullptr;
  for (const json::Value& f : functions.as_array()) {
    const json::Value* n = f.Find("name");
    if (n != nullptr && n->is_string() && n->as_string() == name) return &f;
  }
  return nullptr;
}

// ground truth entry {name: {param: [alternatives]}} -> (name, params).
bool SplitExpected(const json::Value& entry, std::string* name, const json::Value** params) {
  if (!entry.is_object() || entry.as_object().size() != 1) return false;
  *name = entry.as_object().front().first;
  *params = &entry.as_object().front().second;
  return (*params)->is_object();
}

}  // namespace

std::string StandardizeBfclString(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case ' ': case ',': case '.': case '/': case '-': case '_': case '*': case '^': break;
      case '\'': out.push_back('"'); break;
      default: out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
  }
  return out;
}

CallCheck CheckCall(const json::Value& function, const tasks::FunctionCall& call, const std::string& expected_name,
                    const json::Value& expected_params) {
  if (!NameMatches(call.name, expected_name)) {
    return Fail(error_class::kWrongFunction, absl::StrCat("called '", call.name, "', expected '", expected_name, "'"));
  }
  if (!call.positional.empty()) {
    return Fail(error_class::kPositionalArgument,
                absl::StrCat("'", call.name, "' got ", call.positional.size(),
                             " positional argument(s); parameters must be passed by name"));
  }
  const json::Value* params = function.Find("parameters");
  const json::Value* props = Properties(params);
  if (params != nullptr) {
    if (const json::Value* required = params->Find("required"); required != nullptr && required->is_array()) {
      for (const json::Value& r : required->as_array()) {
        bool present = false;
        for (const auto& [k, unused] : call.args) present = present || (r.is_string() && k == r.as_string());
        if (r.is_string() && !present) {
          return Fail(error_class::kMissingParameter, absl::StrCat("missing required parameter '", r.as_string(), "'"));
        }
      }
    }
  }
  for (const auto& [name, value] : call.args) {
    const json::Value* schema = props != nullptr ? props->Find(name) : nullptr;
    const json::Value* alternatives = expected_params.Find(name);
    if (schema == nullptr || alternatives == nullptr) {
      return Fail(error_class::kUnknownParameter, absl::StrCat("unexpected parameter '", name, "'"));
    }
    CallCheck r = CheckValue(name, value, schema, *alternatives);
    if (!r.ok) return r;
  }
  if (expected_params.is_object()) {
    for (const auto& [name, alternatives] : expected_params.as_object()) {
      bool present = false;
      for (const auto& [k, unused] : call.args) present = present || k == name;
      if (!present && !AllowsOmission(alternatives)) {
        return Fail(error_class::kMissingParameter, absl::StrCat("missing parameter '", name, "'"));
      }
    }
  }
  return CallCheck{};
}

CallCheck CheckBfclCalls(tasks::BfclCheckMode mode, const json::Value& functions, const json::Value& ground_truth,
                         std::span<const tasks::FunctionCall> calls, std::vector<int>* matching) {
  if (matching != nullptr) matching->clear();
  if (!ground_truth.is_array() || ground_truth.as_array().empty()) {
    return Fail(error_class::kWrongCount, "the item has no expected calls");
  }
  const json::Array& expected = ground_truth.as_array();
  if (mode == tasks::BfclCheckMode::kSingle && expected.size() != 1) {
    return Fail(error_class::kWrongCount, "a single-call item must have exactly one expected call");
  }
  if (calls.size() != expected.size()) {
    return Fail(error_class::kWrongCount,
                absl::StrCat(calls.size(), " call(s), expected ", expected.size()));
  }
  struct Expected {
    std::string name;
    const json::Value* params = nullptr;
    const json::Value* function = nullptr;
  };
  std::vector<Expected> exp(expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    if (!SplitExpected(expected[i], &exp[i].name, &exp[i].params)) {
      return Fail(error_class::kWrongCount, absl::StrCat("malformed expected call ", i));
    }
    exp[i].function = FindFunction(functions, exp[i].name);
    if (exp[i].function == nullptr) {
      return Fail(error_class::kWrongFunction, absl::StrCat("expected function '", exp[i].name, "' is not offered"));
    }
  }
  // Every (expected, model) pair checked once; then a perfect matching is sought.
  std::vector<std::vector<CallCheck>> checks(exp.size(), std::vector<CallCheck>(calls.size()));
  std::vector<std::vector<bool>> compatible(exp.size(), std::vector<bool>(calls.size()));
  for (size_t i = 0; i < exp.size(); ++i) {
    for (size_t j = 0; j < calls.size(); ++j) {
      checks[i][j] = CheckCall(*exp[i].function, calls[j], exp[i].name, *exp[i].params);
      compatible[i][j] = checks[i][j].ok;
    }
  }
  std::vector<int> match = MaximumBipartiteMatching(compatible);
  if (matching != nullptr) *matching = match;
  std::vector<bool> used(calls.size());
  for (int m : match) {
    if (m >= 0) used[m] = true;
  }
  for (size_t i = 0; i < exp.size(); ++i) {
    if (match[i] >= 0) continue;
    // Explain the first unmatched expected call with the most telling pair: an
    // unpaired model call of the same function, else any call of that function.
    int best = -1;
    for (int pass = 0; pass < 2 && best < 0; ++pass) {
      for (size_t j = 0; j < calls.size(); ++j) {
        if (pass == 0 && used[j]) continue;
        if (NameMatches(calls[j].name, exp[i].name)) {
          best = static_cast<int>(j);
          break;
        }
      }
    }
    if (best < 0) {
      return Fail(error_class::kWrongFunction, absl::StrCat("no call of '", exp[i].name, "'"));
    }
    CallCheck r = checks[i][best];
    if (r.ok) {  // compatible, but taken by another expected call
      r = Fail(error_class::kWrongValue,
               absl::StrCat("no distinct call matches expected call ", i, " of '", exp[i].name, "'"));
    } else if (exp.size() > 1) {
      r.message = absl::StrCat("expected call ", i, " of '", exp[i].name, "': ", r.message);
    }
    return r;
  }
  return CallCheck{};
}

}  // namespace doomscope::eval
