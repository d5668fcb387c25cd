// Function-call AST match: decoded calls against possible answers, by the rules
// of BFCL's checker (bfcl_eval/eval_checker/ast_eval/ast_checker.py, Python
// categories), verdict for verdict. tests/benchmarks/bfcl_differential_test.cc
// holds this to BFCL's own verdicts on ~2,000 varied candidate answers.
//
//  - function name: exactly the expected one; with `underscored_names` (models
//    whose function-calling API forbids dots) the expected name with '.'
//    replaced by '_' ("math_factorial" for "math.factorial"), exactly.
//  - parameters: every `required` one present; none outside the function's
//    properties or outside the expected call; every expected one whose
//    alternatives lack "" present ("" marks an optional parameter). Positional
//    arguments are ignored, as BFCL's decoder drops them.
//  - types, by Python's type(): string, integer, float (an integer is promoted,
//    top level only), boolean (never 0/1), array (a list; a tuple is not one),
//    tuple (a list or a tuple), dict, any (a string). Elements of an array or
//    tuple are checked against `items` with no promotion. The "variable" rule:
//    a value of the type of the first acceptable answer passes the type check
//    (BFCL writes variables as strings: "data['sales']" for an array).
//  - values: strings compare after standardize_string (spaces and , . / - _ *
//    ^ removed, Unicode lower case as Python's str.lower, ' -> "); lists
//    element by element, string elements standardized; dicts key by key, each
//    value (standardized if a string) one of that key's alternatives; lists of
//    dicts dict by dict in order; everything else by Python's == (1 == 1.0 ==
//    True; a tuple never equals a list).
//  - parallel categories: as many calls as expected, paired in any order.
//
// One deliberate difference: parallel calls are paired by a maximum bipartite
// matching, where BFCL pairs greedily (each expected call takes the first
// compatible model call still free) and so fails a few answers that do have a
// perfect pairing (two expected calls with overlapping alternatives).
#ifndef DOOMSCOPE_EVAL_CALL_AST_MATCH_H_
#define DOOMSCOPE_EVAL_CALL_AST_MATCH_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "eval/function_call.h"
#include "results/json/json.h"

namespace doomscope::eval {

struct CallCheck {
  bool ok = true;
  std::string error_class;  // an error_class:: constant when !ok
  std::string message;
};

struct CallMatchOptions {
  // Expected names with dots are called with underscores (BFCL's
  // underscore_to_dot model setting, for native function-calling APIs).
  bool underscored_names = false;
};

enum class CallMatchMode {
  kSingle,    // exactly one call, the expected function (BFCL simple and multiple)
  kParallel,  // as many calls as expected, in any order
};

// BFCL's standardize_string.
std::string StandardizeBfclString(std::string_view s);

// One decoded call against one expected call {expected_name: {param: [alternatives]}}
// of the function `function` (its description from the question file).
CallCheck CheckCall(const json::Value& function, const FunctionCall& call, const std::string& expected_name,
                    const json::Value& expected_params, const CallMatchOptions& options = {});

// All decoded calls of an item against its ground truth (a list of expected
// calls). `matching` (optional) receives, for each expected call, the index of
// the model call paired with it or -1.
CallCheck CheckCalls(CallMatchMode mode, const json::Value& functions, const json::Value& ground_truth,
                     std::span<const FunctionCall> calls, const CallMatchOptions& options = {},
                     std::vector<int>* matching = nullptr);

}  // namespace doomscope::eval

#endif  // DOOMSCOPE_EVAL_CALL_AST_MATCH_H_
