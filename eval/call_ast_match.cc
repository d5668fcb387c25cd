#include "eval/call_ast_match.h"

#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "eval/bipartite_matching.h"
#include "eval/error_classes.h"
#include "eval/python_value.h"
#include "unicode/locid.h"
#include "unicode/unistr.h"

namespace doomscope::eval {
namespace {

std::string Show(const json::Value& v) { return json::Serialize(v); }

CallCheck Fail(std::string_view error_class, std::string message) {
  return CallCheck{false, std::string(error_class), std::move(message)};
}

// PYTHON_TYPE_MAPPING of BFCL's checker; JSON Schema spellings are read as
// their BFCL names, and a missing or unknown type as "any".
PyType DeclaredType(const json::Value* schema, bool* is_tuple) {
  *is_tuple = false;
  const json::Value* type = schema != nullptr ? schema->Find("type") : nullptr;
  const std::string t = type != nullptr && type->is_string() ? type->as_string() : "any";
  if (t == "string" || t == "str") return PyType::kStr;
  if (t == "integer" || t == "int") return PyType::kInt;
  if (t == "float" || t == "number" || t == "double") return PyType::kFloat;
  if (t == "boolean" || t == "bool") return PyType::kBool;
  if (t == "array" || t == "list") return PyType::kList;
  if (t == "tuple") {
    *is_tuple = true;
    return PyType::kList;
  }
  if (t == "dict" || t == "object") return PyType::kDict;
  return PyType::kStr;  // "any"
}

// get_possible_answer_type: the type of the first alternative that is not "".
std::optional<PyType> AnswerType(const json::Value& alternatives) {
  for (const json::Value& a : PyIterate(alternatives)) {
    if (!(a.is_string() && a.as_string().empty())) return JsonPyType(a);
  }
  return std::nullopt;
}

// `"" in alternatives` (a string container tests for a substring: always true).
bool AllowsOmission(const json::Value& alternatives) {
  if (alternatives.is_string()) return true;
  for (const json::Value& a : PyIterate(alternatives)) {
    if (a.is_string() && a.as_string().empty()) return true;
  }
  return false;
}

// Membership after standardizing strings on both sides (list, dict and string checkers).
bool StandardizedEqual(const PyView& value, const json::Value& expected) {
  if (value.type() == PyType::kStr || expected.is_string()) {
    return value.type() == PyType::kStr && expected.is_string() &&
           StandardizeBfclString(value.json().as_string()) == StandardizeBfclString(expected.as_string());
  }
  return PyEqual(value, expected);
}

bool OneOf(const PyView& value, const json::Value& alternatives) {
  for (const json::Value& a : PyIterate(alternatives)) {
    if (PyEqual(value, a)) return true;
  }
  return false;
}

CallCheck NotOneOf(const std::string& param, const json::Value& value, const json::Value& alternatives) {
  return Fail(error_class::kWrongValue,
              absl::StrCat("parameter '", param, "': ", Show(value), " is not one of ", Show(alternatives)));
}

struct TypeCheck {
  bool valid = true;
  bool is_variable = false;
};

// type_checker: `nested` is the element type of arrays and tuples.
TypeCheck CheckType(const PyView& value, const json::Value& alternatives, PyType expected,
                    std::optional<PyType> nested) {
  const std::optional<PyType> answer_type = AnswerType(alternatives);
  const bool is_variable = answer_type && *answer_type != expected;
  if (value.type() == expected) {
    if (!nested) return {true, is_variable};
    for (const json::Value& alternative : PyIterate(alternatives)) {
      bool elements_ok = true;
      if (alternative.is_array()) {
        for (size_t i = 0; i < value.size() && elements_ok; ++i) {
          elements_ok = CheckType(value.Element(i), alternative, *nested, std::nullopt).valid;
        }
      }
      if (elements_ok) return {true, is_variable};
    }
    return {false, false};
  }
  if (answer_type && value.type() == *answer_type) return {true, true};
  return {false, false};
}

// dict_checker: `value` against each alternative dict until one accepts it.
CallCheck CheckDict(const std::string& param, const PyView& value, const json::Value& alternatives) {
  CallCheck result = Fail(error_class::kWrongValue, absl::StrCat("parameter '", param, "': no acceptable dict"));
  for (const json::Value& alternative : PyIterate(alternatives)) {
    if (alternative.is_string() && alternative.as_string().empty()) continue;
    if (!alternative.is_object()) continue;  // BFCL would raise here
    result = CallCheck{};
    for (const auto& [key, unused] : value.json().as_object()) {
      const json::Value* key_alternatives = alternative.Find(key);
      if (key_alternatives == nullptr) {
        result = Fail(error_class::kUnknownParameter, absl::StrCat("unexpected dict key '", param, ".", key, "'"));
        break;
      }
      const PyView member = value.Member(key);
      bool found = false;
      for (const json::Value& a : PyIterate(*key_alternatives)) found = found || StandardizedEqual(member, a);
      if (!found) {
        result = NotOneOf(absl::StrCat(param, ".", key), member.json(), *key_alternatives);
        break;
      }
    }
    if (result.ok) {
      for (const auto& [key, key_alternatives] : alternative.as_object()) {
        if (value.json().Find(key) == nullptr && !AllowsOmission(key_alternatives)) {
          result = Fail(error_class::kMissingParameter, absl::StrCat("missing dict key '", param, ".", key, "'"));
          break;
        }
      }
    }
    if (result.ok) return result;
  }
  return result;
}

// list_dict_checker: the dicts in order against each alternative list of dicts.
CallCheck CheckListOfDicts(const std::string& param, const PyView& value, const json::Value& alternatives) {
  CallCheck result = Fail(error_class::kWrongValue, absl::StrCat("parameter '", param, "': no acceptable list"));
  for (const json::Value& alternative : PyIterate(alternatives)) {
    if (!alternative.is_array() && !alternative.is_string()) continue;  // BFCL would raise here
    const std::vector<json::Value> expected = PyIterate(alternative);
    if (expected.size() != value.size()) {
      result = Fail(error_class::kWrongValue, absl::StrCat("parameter '", param, "': ", value.size(),
                                                          " dicts, expected ", expected.size()));
      continue;
    }
    result = CallCheck{};
    for (size_t i = 0; i < expected.size() && result.ok; ++i) {
      const PyView element = value.Element(i);
      const std::string sub = absl::StrCat(param, "[", i, "]");
      if (element.type() != PyType::kDict) {
        result = Fail(error_class::kWrongType, absl::StrCat("parameter '", sub, "' is not a dict"));
      } else {
        result = CheckDict(sub, element, json::Value(json::Array{expected[i]}));
      }
    }
    if (result.ok) return result;
  }
  return result;
}

// list_checker: element by element, string elements standardized.
CallCheck CheckList(const std::string& param, const PyView& value, const json::Value& alternatives) {
  for (const json::Value& alternative : PyIterate(alternatives)) {
    if (!alternative.is_array() && !alternative.is_string()) continue;  // BFCL would raise here
    const std::vector<json::Value> expected = PyIterate(alternative);
    bool equal = expected.size() == value.size();
    for (size_t i = 0; equal && i < expected.size(); ++i) equal = StandardizedEqual(value.Element(i), expected[i]);
    if (equal) return CallCheck{};
  }
  return NotOneOf(param, value.json(), alternatives);
}

CallCheck CheckParameter(const std::string& param, const PyView& raw_value, const json::Value* schema,
                         const json::Value& alternatives) {
  bool declared_tuple = false;
  const PyType expected = DeclaredType(schema, &declared_tuple);
  std::optional<PyType> nested;
  if (expected == PyType::kList && schema != nullptr) {
    if (const json::Value* items = schema->Find("items"); items != nullptr && items->is_object()) {
      bool unused = false;
      nested = DeclaredType(items, &unused);
    }
  }
  PyView value = raw_value;
  // A tuple for a tuple parameter counts as a list; an int for a float is promoted.
  if (declared_tuple && value.type() == PyType::kTuple) value = value.As(PyType::kList);
  if (expected == PyType::kFloat && value.type() == PyType::kInt) value = value.As(PyType::kFloat);

  const TypeCheck type = CheckType(value, alternatives, expected, nested);
  if (!type.valid) {
    return Fail(error_class::kWrongType, absl::StrCat("parameter '", param, "': ", Show(raw_value.json()),
                                                     " is not of the declared type (", PyTypeName(expected),
                                                     nested ? absl::StrCat(" of ", PyTypeName(*nested)) : "", ")"));
  }
  if (!type.is_variable) {
    if (expected == PyType::kDict) return CheckDict(param, value, alternatives);
    if (expected == PyType::kList && nested == PyType::kDict) return CheckListOfDicts(param, value, alternatives);
    if (expected == PyType::kStr) {
      for (const json::Value& a : PyIterate(alternatives)) {
        if (a.is_string() && StandardizedEqual(value, a)) return CallCheck{};
      }
      return NotOneOf(param, value.json(), alternatives);
    }
    if (expected == PyType::kList) return CheckList(param, value, alternatives);
  }
  if (!OneOf(value, alternatives)) return NotOneOf(param, value.json(), alternatives);
  return CallCheck{};
}

CallCheck CheckKeywords(const json::Value& function, const FunctionCall& call, const json::Value& expected_params) {
  const json::Value* params = function.Find("parameters");
  const json::Value* props = params != nullptr ? params->Find("properties") : nullptr;
  if (props != nullptr && !props->is_object()) props = nullptr;
  auto given = [&](std::string_view name) {
    for (const auto& [k, unused] : call.args) {
      if (k == name) return true;
    }
    return false;
  };
  if (const json::Value* required = params != nullptr ? params->Find("required") : nullptr;
      required != nullptr && required->is_array()) {
    for (const json::Value& r : required->as_array()) {
      if (r.is_string() && !given(r.as_string())) {
        return Fail(error_class::kMissingParameter, absl::StrCat("missing required parameter '", r.as_string(), "'"));
      }
    }
  }
  for (const auto& [name, value] : call.args) {
    const json::Value* schema = props != nullptr ? props->Find(name) : nullptr;
    const json::Value* alternatives = expected_params.Find(name);
    if (schema == nullptr || alternatives == nullptr) {
      return Fail(error_class::kUnknownParameter, absl::StrCat("unexpected parameter '", name, "'"));
    }
    CallCheck r = CheckParameter(name, PyView(value, call, JsonPointerChild("", name)), schema, *alternatives);
    if (!r.ok) return r;
  }
  if (expected_params.is_object()) {
    for (const auto& [name, alternatives] : expected_params.as_object()) {
      if (!given(name) && !AllowsOmission(alternatives)) {
        return Fail(error_class::kMissingParameter, absl::StrCat("missing parameter '", name, "'"));
      }
    }
  }
  return CallCheck{};
}

std::string CalledName(const std::string& expected, const CallMatchOptions& options) {
  return options.underscored_names ? absl::StrReplaceAll(expected, {{".", "_"}}) : expected;
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
  std::string kept;
  kept.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case ' ': case ',': case '.': case '/': case '-': case '_': case '*': case '^': break;
      default: kept.push_back(c);
    }
  }
  // Python's str.lower(): full Unicode lower-case mapping (İ -> i̇) with the
  // final-sigma rule, which is ICU's root-locale toLower.
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(kept.data(), static_cast<int32_t>(kept.size())));
  u.toLower(icu::Locale::getRoot());
  std::string lowered;
  u.toUTF8String(lowered);
  return absl::StrReplaceAll(lowered, {{"'", "\""}});
}

CallCheck CheckCall(const json::Value& function, const FunctionCall& call, const std::string& expected_name,
                    const json::Value& expected_params, const CallMatchOptions& options) {
  const std::string name = CalledName(expected_name, options);
  if (call.name != name) {
    return Fail(error_class::kWrongFunction, absl::StrCat("called '", call.name, "', expected '", name, "'"));
  }
  CallCheck r = CheckKeywords(function, call, expected_params);
  if (!r.ok && !call.positional.empty()) {
    // BFCL drops positional arguments; say that they are why the call failed.
    r.error_class = std::string(error_class::kPositionalArgument);
    r.message = absl::StrCat("'", call.name, "' got ", call.positional.size(),
                             " positional argument(s), which are ignored (parameters must be passed by name): ",
                             r.message);
  }
  return r;
}

CallCheck CheckCalls(CallMatchMode mode, const json::Value& functions, const json::Value& ground_truth,
                     std::span<const FunctionCall> calls, const CallMatchOptions& options, std::vector<int>* matching) {
  if (matching != nullptr) matching->clear();
  if (!ground_truth.is_array() || ground_truth.as_array().empty()) {
    return Fail(error_class::kWrongCount, "the item has no expected calls");
  }
  const json::Array& expected = ground_truth.as_array();
  if (mode == CallMatchMode::kSingle && expected.size() != 1) {
    return Fail(error_class::kWrongCount, "a single-call item must have exactly one expected call");
  }
  if (calls.size() != expected.size()) {
    return Fail(error_class::kWrongCount, absl::StrCat(calls.size(), " call(s), expected ", expected.size()));
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
      checks[i][j] = CheckCall(*exp[i].function, calls[j], exp[i].name, *exp[i].params, options);
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
    const std::string name = CalledName(exp[i].name, options);
    int best = -1;
    for (int pass = 0; pass < 2 && best < 0; ++pass) {
      for (size_t j = 0; j < calls.size(); ++j) {
        if (pass == 0 && used[j]) continue;
        if (calls[j].name == name) {
          best = static_cast<int>(j);
          break;
        }
      }
    }
    if (best < 0) return Fail(error_class::kWrongFunction, absl::StrCat("no call of '", name, "'"));
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
