// BFCL's AST check of decoded calls against possible answers, rewritten from the
// rules of bfcl_eval/eval_checker/ast_eval/ast_checker.py (Python categories):
//
//  - function name: must be the expected one (a dotted name written with
//    underscores, "math_factorial" for "math.factorial", is accepted, as BFCL
//    does for models whose APIs forbid dots);
//  - parameters: every `required` one present; none outside the function's
//    properties or outside the expected call; every expected one whose
//    alternatives lack "" present ("" marks an optional parameter);
//  - types (BFCL's Python names): string, integer, float (an integer is
//    accepted), boolean (never 0/1), array and tuple (list or tuple), dict (or
//    "object"); elements of an array are checked against `items` (or, BFCL
//    again, the type of the expected lists' elements). A value of
//    another type is still accepted when it has the type of the expected
//    answer itself (BFCL's "variable" rule: "data['sales']" for an array);
//  - values: one of the acceptable values. Strings compare after BFCL's
//    standardize_string (spaces and , . / - _ * ^ removed, lower case, ' -> ");
//    lists compare element-wise in order; dicts key by key, each key's value
//    against its own alternatives (nested dicts recursively); lists of dicts
//    element-wise;
//  - parallel categories: as many calls as expected, paired in any order by a
//    maximum bipartite matching (BFCL pairs greedily).
//
// Deliberate differences from BFCL, all lenient-to-correct answers only:
// "any" accepts every value (BFCL requires a str); integers are accepted for
// float elements inside arrays as they are for float parameters; tuples and
// lists are interchangeable; strings are standardized at every depth. And one
// stricter rule: positional arguments fail the call ("positional_argument")
// where BFCL silently drops them (and then fails on a missing parameter).
#ifndef DOOMSCOPE_EVAL_BFCL_AST_CHECKER_H_
#define DOOMSCOPE_EVAL_BFCL_AST_CHECKER_H_

#include <span>
#include <string>
#include <string_view>

#include "benchmarks/tasks/bfcl_data.h"
#include "benchmarks/tasks/function_call.h"
#include "results/json/json.h"

namespace doomscope::eval {

struct CallCheck {
  bool ok = true;
  std::string error_class;  // an error_class:: constant when !ok
  std::string message;
};

// BFCL's standardize_string.
std::string StandardizeBfclString(std::string_view s);

// One decoded call against one expected call {expected_name: {param: [alternatives]}}
// of the function `function` (its description from the question file).
CallCheck CheckCall(const json::Value& function, const tasks::FunctionCall& call, const std::string& expected_name,
                    const json::Value& expected_params);

// All decoded calls of an item of a kSingle or kParallel category against its
// ground truth (a list of expected calls). `matching` (optional) receives, for
// each expected call, the index of the model call paired with it or -1.
CallCheck CheckBfclCalls(tasks::BfclCheckMode mode, const json::Value& functions, const json::Value& ground_truth,
                         std::span<const tasks::FunctionCall> calls, std::vector<int>* matching = nullptr);

}  // namespace doomscope::eval

#endif  // DOOMSCOPE_EVAL_BFCL_AST_CHECKER_H_
