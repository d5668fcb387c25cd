// BFCL tool-use scoring: decode the calls in the output
// (benchmarks/tool_calls/call_extraction.h), then check them per category:
// simple/multiple and parallel with the AST checker (eval/call_ast_match.h),
// irrelevance as correct only on a genuine abstention (text without any call
// attempt; a malformed call is a parse_error, never an abstention), relevance
// as correct on any decoded call.
#ifndef DOOMSCOPE_BENCHMARKS_BFCL_SCORE_H_
#define DOOMSCOPE_BENCHMARKS_BFCL_SCORE_H_

#include <string_view>

#include "benchmarks/benchmark.h"
#include "eval/score.h"

namespace doomscope::benchmarks {

// `underscored_names`: dotted function names are called with underscores
// (native function-calling APIs); otherwise names must be exact.
eval::ScoreResult ScoreBfcl(const TaskItem& item, std::string_view output, bool underscored_names);

}  // namespace doomscope::benchmarks

#endif  // DOOMSCOPE_BENCHMARKS_BFCL_SCORE_H_
