// Test helpers: BFCL ground truth rendered as model calls (the first acceptable
// value of every parameter, optional ones left out unless the schema requires
// them), and a one-value mutation that no alternative accepts.
#ifndef DOOMSCOPE_TESTS_BENCHMARKS_BFCL_GOLD_H_
#define DOOMSCOPE_TESTS_BENCHMARKS_BFCL_GOLD_H_

#include <algorithm>
#include <string>
#include <vector>

#include "eval/function_call.h"
#include "benchmarks/benchmark.h"
#include "eval/call_ast_match.h"
#include "results/json/json.h"

namespace doomscope::testing {

inline bool IsOptionalMarker(const json::Value& v) { return v.is_string() && v.as_string().empty(); }

inline bool Required(const json::Value* schema, const std::string& key) {
  const json::Value* req = schema != nullptr ? schema->Find("required") : nullptr;
  if (req == nullptr || !req->is_array()) return false;
  for (const json::Value& r : req->as_array()) {
    if (r.is_string() && r.as_string() == key) return true;
  }
  return false;
}

inline const json::Value* PropertySchema(const json::Value* schema, const std::string& key) {
  const json::Value* props = schema != nullptr ? schema->Find("properties") : nullptr;
  return props != nullptr ? props->Find(key) : nullptr;
}

inline json::Value RenderExpected(const json::Value& expected, const json::Value* schema);

// The first acceptable value of a list of alternatives.
inline json::Value FirstAcceptable(const json::Value& alternatives, const json::Value* schema) {
  if (!alternatives.is_array()) return RenderExpected(alternatives, schema);
  for (const json::Value& a : alternatives.as_array()) {
    if (!IsOptionalMarker(a)) return RenderExpected(a, schema);
  }
  return json::Value("");
}

inline std::string TypeName(const json::Value* schema) {
  const json::Value* t = schema != nullptr ? schema->Find("type") : nullptr;
  return t != nullptr && t->is_string() ? t->as_string() : "";
}

// An expected value (for dicts: {key: [alternatives]}) as a concrete value.
inline json::Value RenderExpected(const json::Value& expected, const json::Value* schema) {
  const std::string type = TypeName(schema);
  if (type == "dict" && expected.is_object()) {
    json::Value out{json::Object{}};
    for (const auto& [key, alts] : expected.as_object()) {
      bool optional = false;
      if (alts.is_array()) optional = std::any_of(alts.as_array().begin(), alts.as_array().end(), IsOptionalMarker);
      if (optional && !Required(schema, key)) continue;
      out.Set(key, FirstAcceptable(alts, PropertySchema(schema, key)));
    }
    return out;
  }
  if (type == "array" && expected.is_array() && TypeName(schema->Find("items")) == "dict") {
    json::Array out;
    for (const json::Value& e : expected.as_array()) out.push_back(RenderExpected(e, schema->Find("items")));
    return json::Value(std::move(out));
  }
  return expected;
}

inline const json::Value* FindFunction(const json::Value& functions, const std::string& name) {
  for (const json::Value& f : functions.as_array()) {
    if (f.Find("name")->as_string() == name) return &f;
  }
  return nullptr;
}

// The item's ground truth as calls.
inline std::vector<eval::FunctionCall> GoldCalls(const benchmarks::TaskItem& item) {
  std::vector<eval::FunctionCall> calls;
  const json::Value& functions = *item.extra.Find("functions");
  for (const json::Value& expected : item.gold.as_array()) {
    const auto& [name, params] = expected.as_object().front();
    const json::Value* fn = FindFunction(functions, name);
    const json::Value* schema = fn->Find("parameters");
    eval::FunctionCall call;
    call.name = name;
    for (const auto& [param, alts] : params.as_object()) {
      const bool optional = std::any_of(alts.as_array().begin(), alts.as_array().end(), IsOptionalMarker);
      if (optional && !Required(schema, param)) continue;
      call.args.emplace_back(param, FirstAcceptable(alts, PropertySchema(schema, param)));
    }
    calls.push_back(std::move(call));
  }
  return calls;
}

inline bool AcceptedBy(const json::Value& v, const json::Value& alternatives) {
  for (const json::Value& a : alternatives.as_array()) {
    if (v.is_string() && a.is_string() &&
        eval::StandardizeBfclString(v.as_string()) == eval::StandardizeBfclString(a.as_string())) {
      return true;
    }
    if (v == a) return true;
  }
  return false;
}

// A changed copy of `v` that `alternatives` does not accept; false when there is none.
inline bool Mutate(const json::Value& v, const json::Value& alternatives, json::Value* out) {
  switch (v.kind()) {
    case json::Value::Kind::kString: *out = json::Value(v.as_string() + "qqq"); break;
    case json::Value::Kind::kInt: *out = json::Value(v.as_int() + 1000003); break;
    case json::Value::Kind::kDouble: *out = json::Value(v.as_double() + 1000.5); break;
    case json::Value::Kind::kBool: *out = json::Value(!v.as_bool()); break;
    case json::Value::Kind::kArray: {
      json::Array a = v.as_array();
      a.push_back(json::Value("qqq"));  // one element more: no expected list has it
      *out = json::Value(std::move(a));
      break;
    }
    case json::Value::Kind::kObject: {
      json::Value o = v;
      o.Set("qqq_unexpected_key", json::Value(1));
      *out = std::move(o);
      break;
    }
    default: return false;
  }
  return !AcceptedBy(*out, alternatives);
}

// Changes one value of the first call (or its name when no value can change).
inline void MutateOneValue(const benchmarks::TaskItem& item, std::vector<eval::FunctionCall>* calls) {
  eval::FunctionCall& call = (*calls)[0];
  const json::Value& params = item.gold.as_array()[0].as_object().front().second;
  for (auto& [param, value] : call.args) {
    json::Value changed;
    if (Mutate(value, *params.Find(param), &changed)) {
      value = std::move(changed);
      return;
    }
  }
  call.name += "_renamed";
}

}  // namespace doomscope::testing

#endif  // DOOMSCOPE_TESTS_BENCHMARKS_BFCL_GOLD_H_
