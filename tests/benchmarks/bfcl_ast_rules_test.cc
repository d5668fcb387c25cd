// BFCL's AST rules (eval/call_ast_match.h), one by one, on calls written as a
// model writes them (parsed by benchmarks/tool_calls/python_call_parser.h).
#include "eval/call_ast_match.h"

#include "benchmarks/tool_calls/python_call_parser.h"
#include "eval/error_classes.h"
#include "gtest/gtest.h"

namespace doomscope::eval {
namespace {

json::Value J(std::string_view text) {
  auto v = json::Parse(text);
  EXPECT_TRUE(v.ok()) << v.status() << " for " << text;
  return v.ok() ? *std::move(v) : json::Value();
}

std::vector<eval::FunctionCall> Calls(std::string_view python) {
  size_t end = 0;
  auto calls = benchmarks::ParsePythonCallList(python, 0, &end);
  EXPECT_TRUE(calls.ok()) << calls.status();
  return calls.ok() ? *std::move(calls) : std::vector<eval::FunctionCall>{};
}

const json::Value& Functions() {
  static const json::Value* f = new json::Value(J(R"([
    {"name": "geo.area", "parameters": {"type": "dict", "properties": {
       "base": {"type": "integer"}, "height": {"type": "float"}, "unit": {"type": "string"},
       "exact": {"type": "boolean"}, "points": {"type": "array", "items": {"type": "float"}},
       "coords": {"type": "tuple", "items": {"type": "float"}},
       "range": {"type": "dict", "properties": {"min": {"type": "integer"}, "max": {"type": "integer"}}},
       "rows": {"type": "array", "items": {"type": "dict", "properties": {"k": {"type": "string"}, "v": {"type": "integer"}}}},
       "anything": {"type": "any"}},
     "required": ["base"]}},
    {"name": "other", "parameters": {"type": "dict", "properties": {"x": {"type": "integer"}}, "required": []}}])"));
  return *f;
}

CallCheck Check(std::string_view python, std::string_view expected_params, CallMatchOptions options = {}) {
  const std::vector<eval::FunctionCall> calls = Calls(python);
  EXPECT_EQ(calls.size(), 1u);
  return CheckCall(Functions().as_array()[0], calls[0], "geo.area", J(expected_params), options);
}

TEST(BfclAstCheckerTest, AcceptsCorrectCallsWithOptionalAndAlternativeValues) {
  EXPECT_TRUE(Check("[geo.area(base=10)]", R"({"base": [10], "unit": ["units", ""]})").ok);
  EXPECT_TRUE(Check("[geo.area(base=10, unit='Units')]", R"({"base": [10], "unit": ["units", ""]})").ok);
  EXPECT_TRUE(Check("[geo.area(base=10, unit=\"square-feet\")]", R"({"base": [10], "unit": ["square feet"]})").ok);
  EXPECT_TRUE(Check("[geo.area(base=2, height=5)]", R"({"base": [1, 2], "height": [5.0]})").ok);
  // Dots written as underscores: only for native function calling (BFCL's
  // underscore_to_dot), where the name as written is then wrong.
  EXPECT_TRUE(Check("[geo_area(base=10)]", R"({"base": [10]})", {.underscored_names = true}).ok);
  EXPECT_EQ(Check("[geo_area(base=10)]", R"({"base": [10]})").error_class, error_class::kWrongFunction);
  EXPECT_EQ(Check("[geo.area(base=10)]", R"({"base": [10]})", {.underscored_names = true}).error_class,
            error_class::kWrongFunction);
}

TEST(BfclAstCheckerTest, ErrorClasses) {
  const char* expected = R"({"base": [10], "height": [5.0, ""], "unit": ["cm", ""]})";
  EXPECT_EQ(Check("[other(base=10)]", expected).error_class, error_class::kWrongFunction);
  EXPECT_EQ(Check("[geo.area(10)]", expected).error_class, error_class::kPositionalArgument);
  EXPECT_EQ(Check("[geo.area(height=5.0)]", expected).error_class, error_class::kMissingParameter);
  EXPECT_EQ(Check("[geo.area(base=10, color='red')]", expected).error_class, error_class::kUnknownParameter);
  // Declared but not in the expected call: unknown too.
  EXPECT_EQ(Check("[geo.area(base=10, exact=True)]", expected).error_class, error_class::kUnknownParameter);
  EXPECT_EQ(Check("[geo.area(base='10')]", expected).error_class, error_class::kWrongType);
  EXPECT_EQ(Check("[geo.area(base=10.0)]", expected).error_class, error_class::kWrongType);
  EXPECT_EQ(Check("[geo.area(base=11)]", expected).error_class, error_class::kWrongValue);
  EXPECT_EQ(Check("[geo.area(base=10, unit='mm')]", expected).error_class, error_class::kWrongValue);
  // An expected parameter without "" must be given even when the schema does not require it.
  EXPECT_EQ(Check("[geo.area(base=10)]", R"({"base": [10], "unit": ["cm"]})").error_class,
            error_class::kMissingParameter);
}

TEST(BfclAstCheckerTest, TypeRules) {
  // An integer is accepted for a float, never a bool for an integer.
  EXPECT_TRUE(Check("[geo.area(base=1, height=5)]", R"({"base": [1], "height": [5.0]})").ok);
  EXPECT_EQ(Check("[geo.area(base=True)]", R"({"base": [1]})").error_class, error_class::kWrongType);
  EXPECT_TRUE(Check("[geo.area(base=1, exact=False)]", R"({"base": [1], "exact": [false]})").ok);
  EXPECT_EQ(Check("[geo.area(base=1, exact=0)]", R"({"base": [1], "exact": [false]})").error_class,
            error_class::kWrongType);
  // Array elements follow `items` with no int -> float promotion (BFCL
  // promotes top-level values only), order matters.
  EXPECT_TRUE(Check("[geo.area(base=1, points=[1.0, 2.5])]", R"({"base": [1], "points": [[1.0, 2.5]]})").ok);
  EXPECT_EQ(Check("[geo.area(base=1, points=[1, 2.5])]", R"({"base": [1], "points": [[1.0, 2.5]]})").error_class,
            error_class::kWrongType);
  EXPECT_EQ(Check("[geo.area(base=1, points=['a'])]", R"({"base": [1], "points": [[1.0]]})").error_class,
            error_class::kWrongType);
  EXPECT_EQ(Check("[geo.area(base=1, points=[2.5, 1.0])]", R"({"base": [1], "points": [[1.0, 2.5]]})").error_class,
            error_class::kWrongValue);
  // Tuples and lists are interchangeable for tuple parameters; an array
  // parameter takes a list only (Python's type()).
  EXPECT_TRUE(Check("[geo.area(base=1, coords=(46.6, 1.9))]", R"({"base": [1], "coords": [[46.6, 1.9]]})").ok);
  EXPECT_TRUE(Check("[geo.area(base=1, coords=[46.6, 1.9])]", R"({"base": [1], "coords": [[46.6, 1.9]]})").ok);
  EXPECT_EQ(Check("[geo.area(base=1, points=(1.0, 2.5))]", R"({"base": [1], "points": [[1.0, 2.5]]})").error_class,
            error_class::kWrongType);
  // "any" is a string, or a value of the expected answer's type.
  EXPECT_TRUE(Check("[geo.area(base=1, anything=3)]", R"({"base": [1], "anything": [3]})").ok);
  EXPECT_TRUE(Check("[geo.area(base=1, anything='x')]", R"({"base": [1], "anything": ["X"]})").ok);
  EXPECT_EQ(Check("[geo.area(base=1, anything=3.5)]", R"({"base": [1], "anything": ["x"]})").error_class,
            error_class::kWrongType);
  // BFCL's variable rule: an expected answer of another type than declared is compared as is.
  EXPECT_TRUE(Check("[geo.area(base=1, points=\"data['x']\")]", R"({"base": [1], "points": ["data['x']"]})").ok);
  EXPECT_TRUE(Check("[geo.area(base=1, points=data['x'])]", R"({"base": [1], "points": ["data['x']"]})").ok);
  EXPECT_TRUE(Check("[geo.area(base=1, height=None)]", R"({"base": [1], "height": ["", null]})").ok);
  EXPECT_EQ(Check("[geo.area(base=1, points=\"data['y']\")]", R"({"base": [1], "points": ["data['x']"]})").error_class,
            error_class::kWrongValue);
}

TEST(BfclAstCheckerTest, DictsAndListsOfDicts) {
  const char* range = R"({"base": [1], "range": [{"min": [300000], "max": [400000, ""]}]})";
  EXPECT_TRUE(Check("[geo.area(base=1, range={'min': 300000, 'max': 400000})]", range).ok);
  EXPECT_TRUE(Check("[geo.area(base=1, range={'min': 300000})]", range).ok);
  EXPECT_EQ(Check("[geo.area(base=1, range={'max': 400000})]", range).error_class, error_class::kMissingParameter);
  EXPECT_EQ(Check("[geo.area(base=1, range={'min': 300000, 'avg': 1})]", range).error_class,
            error_class::kUnknownParameter);
  EXPECT_EQ(Check("[geo.area(base=1, range={'min': 1})]", range).error_class, error_class::kWrongValue);
  EXPECT_EQ(Check("[geo.area(base=1, range=[1])]", range).error_class, error_class::kWrongType);

  const char* rows = R"({"base": [1], "rows": [[{"k": ["a b"], "v": [1]}, {"k": ["c"], "v": [2, ""]}]]})";
  EXPECT_TRUE(Check("[geo.area(base=1, rows=[{'k': 'A-B', 'v': 1}, {'k': 'c'}])]", rows).ok);
  EXPECT_EQ(Check("[geo.area(base=1, rows=[{'k': 'c'}, {'k': 'a b', 'v': 1}])]", rows).error_class,
            error_class::kWrongValue);  // order matters
  EXPECT_EQ(Check("[geo.area(base=1, rows=[{'k': 'a b'}, {'k': 'c'}])]", rows).error_class,
            error_class::kMissingParameter);  // the first dict lacks v
  EXPECT_EQ(Check("[geo.area(base=1, rows=[{'k': 'a b', 'v': 1}])]", rows).error_class, error_class::kWrongValue);
}

TEST(BfclAstCheckerTest, SingleCategoriesNeedExactlyOneCall) {
  const json::Value gt = J(R"([{"geo.area": {"base": [10]}}])");
  std::vector<eval::FunctionCall> calls = Calls("[geo.area(base=10), geo.area(base=10)]");
  EXPECT_EQ(CheckCalls(CallMatchMode::kSingle, Functions(), gt, calls).error_class, error_class::kWrongCount);
  calls = Calls("[geo.area(base=10)]");
  EXPECT_TRUE(CheckCalls(CallMatchMode::kSingle, Functions(), gt, calls).ok);
}

TEST(BfclAstCheckerTest, ParallelCallsMatchInAnyOrderWhereGreedyPairingFails) {
  // Expected 0 accepts either model call, expected 1 only the first: BFCL's
  // greedy pass gives model call 0 to expected 0 and then finds nothing for
  // expected 1. A maximum matching pairs 0->1 and 1->0.
  const json::Value gt = J(R"([{"geo.area": {"base": [1, 2]}}, {"geo.area": {"base": [1]}}])");
  const std::vector<eval::FunctionCall> calls = Calls("[geo.area(base=1), geo.area(base=2)]");
  std::vector<int> matching;
  const CallCheck r = CheckCalls(CallMatchMode::kParallel, Functions(), gt, calls, {}, &matching);
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(matching, (std::vector<int>{1, 0}));

  // Two calls cannot serve one expected call twice.
  const json::Value gt2 = J(R"([{"geo.area": {"base": [1]}}, {"other": {"x": [5]}}])");
  const CallCheck dup = CheckCalls(CallMatchMode::kParallel, Functions(), gt2,
                                       Calls("[geo.area(base=1), geo.area(base=1)]"));
  EXPECT_FALSE(dup.ok);
  EXPECT_EQ(dup.error_class, error_class::kWrongFunction);
  const CallCheck wrong = CheckCalls(CallMatchMode::kParallel, Functions(), gt2,
                                         Calls("[other(x=6), geo.area(base=1)]"));
  EXPECT_EQ(wrong.error_class, error_class::kWrongValue);
  EXPECT_NE(wrong.message.find("expected call 1 of 'other'"), std::string::npos) << wrong.message;
  EXPECT_EQ(CheckCalls(CallMatchMode::kParallel, Functions(), gt2, Calls("[other(x=5)]")).error_class,
            error_class::kWrongCount);
}

}  // namespace
}  // namespace doomscope::eval
