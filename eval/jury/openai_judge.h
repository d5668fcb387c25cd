// A judge model behind any OpenAI-compatible /v1/chat/completions: the rubric
// (OpenAIJudge.rubric, or the default below) is filled with the sample's
// prompt and its output (a looped output compacted first, see
// loop_compaction.h), sent as one user message at temperature 0, and the
// score read from the answer (judge_score_parse.h), then scaled from the
// rubric's [score_min, score_max] to [0, 1].
//
// Abstentions, each reason headed by its class: "timeout", "unavailable"
// (connection refused, 5xx), "rate limited" (429) are retryable (after the
// client's own retries); "unparseable" (no JSON answer, no readable score, a
// score outside the rubric's scale) and "refused" (other 4xx) are not: asking
// the same model the same question at temperature 0 would answer the same.
//
// The HTTP exchange is injected (ChatPost), so the judge's logic is tested
// without a network and the runner supplies the real client.
#ifndef DOOMSCOPE_EVAL_JURY_OPENAI_JUDGE_H_
#define DOOMSCOPE_EVAL_JURY_OPENAI_JUDGE_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "eval/jury/judge.h"
#include "results/json/json.h"
#include "results/proto/jury.pb.h"

namespace doomscope::jury {

// POST /chat/completions with `body`; the parsed JSON answer.
using ChatPost = std::function<absl::StatusOr<json::Value>(const json::Value& body)>;

inline constexpr char kDefaultRubric[] =
    "You are grading one response of a language model.\n\n"
    "Prompt:\n{prompt}\n\n"
    "Response:\n{output}\n\n"
    "Rate the response from 1 (useless: incoherent, repetitive or off-topic) to 10 (excellent: coherent, "
    "on-topic and complete). A response that repeats itself until it is cut off is at most 2. "
    "Answer with a JSON object {\"score\": N} and nothing else.";

// OpenAIJudge with its documented defaults filled in.
OpenAIJudge FilledOpenAIJudge(const OpenAIJudge& config);

class OpenAIJudgeModel : public Judge {
 public:
  OpenAIJudgeModel(const OpenAIJudge& config, ChatPost post);
  Verdict Score(const SampleRecord& sample) override;
  int concurrency() const override { return config_.concurrency(); }

  // The request body for one sample (exposed for tests).
  json::Value RequestBody(const SampleRecord& sample) const;

 private:
  OpenAIJudge config_;
  ChatPost post_;
};

}  // namespace doomscope::jury

#endif  // DOOMSCOPE_EVAL_JURY_OPENAI_JUDGE_H_
