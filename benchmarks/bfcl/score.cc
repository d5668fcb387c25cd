#include "benchmarks/bfcl/score.h"

#include <string>
#include <vector>

#include "benchmarks/bfcl/data.h"
#include "benchmarks/tool_calls/call_extraction.h"
#include "benchmarks/tool_calls/python_call_writer.h"
#include "eval/call_ast_match.h"
#include "eval/error_classes.h"

namespace doomscope::benchmarks {

eval::ScoreResult ScoreBfcl(const TaskItem& item, std::string_view output, bool underscored_names) {
  std::string category;
  if (const json::Value* c = item.extra.Find("category"); c != nullptr && c->is_string()) {
    category = c->as_string();
  } else {
    category = BfclCategoryOfId(item.id);
  }
  const BfclCheckMode mode = BfclModeOf(category);
  json::Value functions{json::Array{}};
  if (const json::Value* f = item.extra.Find("functions"); f != nullptr && f->is_array()) functions = *f;
  std::vector<std::string> names;
  for (const json::Value& f : functions.as_array()) {
    if (const json::Value* n = f.Find("name"); n != nullptr && n->is_string()) names.push_back(n->as_string());
  }

  const CallExtraction ex = ExtractFunctionCalls(output, names);
  eval::ScoreResult r;
  json::Value details{json::Object{}};
  details.Set("category", json::Value(category));
  details.Set("outcome", json::Value(CallOutcomeName(ex.outcome)));
  if (!ex.format.empty()) details.Set("format", json::Value(ex.format));
  details.Set("n_calls", json::Value(static_cast<int64_t>(ex.calls.size())));
  std::string message = ex.error;
  if (ex.outcome == CallOutcome::kCalls) r.extracted = PythonCallList(ex.calls);

  switch (ex.outcome) {
    case CallOutcome::kEmpty:
      r.error_class = eval::error_class::kEmpty;
      break;
    case CallOutcome::kMalformed:
      r.error_class = eval::error_class::kParseError;
      break;
    case CallOutcome::kNoCall:
      if (mode == BfclCheckMode::kIrrelevance) {
        r.correct = true;
        r.answer_extractable = true;  // the abstention is the answer
      } else {
        r.error_class = eval::error_class::kAbstained;
      }
      break;
    case CallOutcome::kCalls: {
      r.answer_extractable = true;
      if (mode == BfclCheckMode::kIrrelevance) {
        r.error_class = eval::error_class::kUnexpectedCall;
        message = "called a function on a question no offered function fits";
      } else if (mode == BfclCheckMode::kRelevance) {
        r.correct = true;
      } else {
        std::vector<int> matching;
        const eval::CallMatchMode match_mode =
            mode == BfclCheckMode::kParallel ? eval::CallMatchMode::kParallel : eval::CallMatchMode::kSingle;
        eval::CallCheck check = eval::CheckCalls(match_mode, functions, item.gold, ex.calls,
                                                 eval::CallMatchOptions{underscored_names}, &matching);
        r.correct = check.ok;
        r.error_class = check.error_class;
        message = check.message;
        if (mode == BfclCheckMode::kParallel && !matching.empty()) {
          json::Array m;
          for (int j : matching) m.push_back(json::Value(j));
          details.Set("matching", json::Value(std::move(m)));
        }
      }
      break;
    }
  }
  r.score = r.correct ? 1 : 0;
  if (!message.empty()) details.Set("message", json::Value(message));
  r.details = std::move(details);
  return r;
}

}  // namespace doomscope::benchmarks
