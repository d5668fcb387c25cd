#include "eval/bfcl_scorer.h"

#include <string>
#include <vector>

#include "benchmarks/tasks/bfcl_data.h"
#include "benchmarks/tasks/call_extraction.h"
#include "benchmarks/tasks/python_call_writer.h"
#include "eval/bfcl_ast_checker.h"
#include "eval/error_classes.h"

namespace doomscope::eval {

ScoreResult ScoreBfcl(const tasks::TaskItem& item, std::string_view output) {
  std::string category;
  if (const json::Value* c = item.extra.Find("category"); c != nullptr && c->is_string()) {
    category = c->as_string();
  } else {
    category = tasks::BfclCategoryOfId(item.id);
  }
  const tasks::BfclCheckMode mode = tasks::BfclModeOf(category);
  json::Value functions{json::Array{}};
  if (const json::Value* f = item.extra.Find("functions"); f != nullptr && f->is_array()) functions = *f;
  std::vector<std::string> names;
  for (const json::Value& f : functions.as_array()) {
    if (const json::Value* n = f.Find("name"); n != nullptr && n->is_string()) names.push_back(n->as_string());
  }

  const tasks::CallExtraction ex = tasks::ExtractFunctionCalls(output, names);
  ScoreResult r;
  json::Value details{json::Object{}};
  details.Set("category", json::Value(category));
  details.Set("outcome", json::Value(tasks::CallOutcomeName(ex.outcome)));
  if (!ex.format.empty()) details.Set("format", json::Value(ex.format));
  details.Set("n_calls", json::Value(static_cast<int64_t>(ex.calls.size())));
  std::string message = ex.error;
  if (ex.outcome == tasks::CallOutcome::kCalls) r.extracted = tasks::PythonCallList(ex.calls);

  switch (ex.outcome) {
    case tasks::CallOutcome::kEmpty:
      r.error_class = error_class::kEmpty;
      break;
    case tasks::CallOutcome::kMalformed:
      r.error_class = error_class::kParseError;
      break;
    case tasks::CallOutcome::kNoCall:
      if (mode == tasks::BfclCheckMode::kIrrelevance) {
        r.correct = true;
        r.answer_extractable = true;  // the abstention is the answer
      } else {
        r.error_class = error_class::kAbstained;
      }
      break;
    case tasks::CallOutcome::kCalls: {
      r.answer_extractable = true;
      if (mode == tasks::BfclCheckMode::kIrrelevance) {
        r.error_class = error_class::kUnexpectedCall;
        message = "called a function on a question no offered function fits";
      } else if (mode == tasks::BfclCheckMode::kRelevance) {
        r.correct = true;
      } else {
        std::vector<int> matching;
        CallCheck check = CheckBfclCalls(mode, functions, item.gold, ex.calls, &matching);
        r.correct = check.ok;
        r.error_class = check.error_class;
        message = check.message;
        if (mode == tasks::BfclCheckMode::kParallel && !matching.empty()) {
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

}  // namespace doomscope::eval
