// BFCL tool-use scoring: decode the calls in the output
// (benchmarks/tasks/call_extraction.h), then check them per category:
// simple/multiple and parallel with the AST checker (eval/bfcl_ast_checker.h),
// irrelevance as correct only on a genuine abstention (text without any call
// attempt; a malformed call is a parse_error, never an abstention), relevance
// as correct on any decoded call.
#ifndef DOOMSCOPE_EVAL_BFCL_SCORER_H_
#define DOOMSCOPE_EVAL_BFCL_SCORER_H_

#include <string_view>

#include "eval/score.h"

namespace doomscope::eval {

ScoreResult ScoreBfcl(const tasks::TaskItem& item, std::string_view output);

}  // namespace doomscope::eval

#endif  // DOOMSCOPE_EVAL_BFCL_SCORER_H_
