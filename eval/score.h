// What a scorer says about one generated sample, whatever the benchmark, and
// the generic step every scorer starts with (cutting at stop strings).
// Benchmarks (benchmarks/<name>/) fill it with the generic scorers of this
// folder; benchmarks/score_sample.h adds the termination-aware zeroing.
#ifndef DOOMSCOPE_EVAL_SCORE_H_
#define DOOMSCOPE_EVAL_SCORE_H_

#include <string>
#include <string_view>

#include "results/json/json.h"

namespace doomscope::eval {

struct ScoreResult {
  bool scored = true;        // false when the benchmark has no scorer (continuation)
  bool correct = false;      // GSM8K: the configured extraction matches; WNUT: all six
                             // lists equal as multisets; BFCL: the AST check passes
  double score = 0;          // 0/1, WNUT: the sample's micro F1
  std::string error_class;   // eval/error_classes.h; "" = correct (GSM8K, BFCL)
  std::string extracted;     // the extracted answer, for display
  bool answer_extractable = false;  // a naive harness would have found an answer
  // Benchmark-specific: GSM8K {reference, strict, flexible, strict_correct,
  // flexible_correct}; WNUT {counts: {type: [tp, fp, fn]}, exact_match,
  // schema_valid}; BFCL {category, outcome, format, n_calls, message, matching}.
  // Plus "doom_loop": true and "unzeroed": {correct, score, error_class} for
  // zeroed samples.
  json::Value details;
};

// `output` up to the first of extra["stop"]'s strings.
std::string_view CutAtStop(std::string_view output, const json::Value& extra);

// `output` without its reasoning: every `<think>...</think>` segment is
// removed, a `</think>` with no opening before it ends a segment that began in
// the prompt (templates such as DeepSeek-R1's open it in the generation
// prompt), and an opening never closed runs to the end (the model was still
// thinking when it stopped: no answer). The answer is what is left.
std::string WithoutThinking(std::string_view output);

}  // namespace doomscope::eval

#endif  // DOOMSCOPE_EVAL_SCORE_H_
