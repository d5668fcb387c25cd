#include "eval/jury/openai_judge.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "eval/jury/judge_score_parse.h"
#include "eval/jury/loop_compaction.h"

namespace doomscope::jury {
namespace {

// The answer's text: choices[0].message.content.
absl::StatusOr<std::string> AnswerText(const json::Value& response) {
  const json::Value* choices = response.Find("choices");
  if (choices == nullptr || !choices->is_array() || choices->as_array().empty()) {
    return absl::InvalidArgumentError("the answer has no choices");
  }
  const json::Value* message = choices->as_array()[0].Find("message");
  const json::Value* content = message != nullptr ? message->Find("content") : nullptr;
  if (content == nullptr || !content->is_string()) {
    return absl::InvalidArgumentError("the answer has no choices[0].message.content string");
  }
  return content->as_string();
}

std::string Excerpt(std::string_view s) {
  return s.size() <= 120 ? std::string(s) : absl::StrCat(std::string(s.substr(0, 120)), "...");
}

// An abstention for a failed exchange, its reason headed by a class the
// report counts: "timeout", "unavailable" (connection refused or reset, HTTP
// 5xx), "rate limited" (429), "unparseable" (an answer that is not JSON) or
// "refused" (other 4xx: a wrong model name, a bad key). The first three may
// pass, so the next pass asks again.
Verdict TransportAbstention(const absl::Status& s) {
  const std::string message(s.message());
  switch (s.code()) {
    case absl::StatusCode::kDeadlineExceeded:
      return Verdict::Abstain("timeout: " + message, true);
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kAborted:
      return Verdict::Abstain("unavailable: " + message, true);
    case absl::StatusCode::kResourceExhausted:
      return Verdict::Abstain("rate limited: " + message, true);
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kInternal:
      return Verdict::Abstain("unparseable: " + message);
    default:
      return Verdict::Abstain("refused: " + message);
  }
}

}  // namespace

OpenAIJudge FilledOpenAIJudge(const OpenAIJudge& config) {
  OpenAIJudge c = config;
  if (c.rubric().empty()) c.set_rubric(kDefaultRubric);
  if (c.score_min() == 0 && c.score_max() == 0) {
    c.set_score_min(1);
    c.set_score_max(10);
  }
  if (c.timeout_s() <= 0) c.set_timeout_s(60);
  if (c.max_retries() <= 0) c.set_max_retries(2);
  if (c.concurrency() <= 0) c.set_concurrency(4);
  if (c.max_tokens() <= 0) c.set_max_tokens(256);
  if (c.max_output_bytes() <= 0) c.set_max_output_bytes(16000);
  return c;
}

OpenAIJudgeModel::OpenAIJudgeModel(const OpenAIJudge& config, ChatPost post)
    : config_(FilledOpenAIJudge(config)), post_(std::move(post)) {}

json::Value OpenAIJudgeModel::RequestBody(const SampleRecord& sample) const {
  const CompactedOutput output = CompactLoopedOutput(sample.text());
  const std::string shown = KeepHeadAndTail(output.text, static_cast<size_t>(config_.max_output_bytes()));
  const std::string prompt = KeepHeadAndTail(sample.prompt(), static_cast<size_t>(config_.max_output_bytes()));
  const std::string content = absl::StrReplaceAll(config_.rubric(), {{"{prompt}", prompt}, {"{output}", shown}});
  json::Value message;
  message.Set("role", "user");
  message.Set("content", content);
  json::Value body;
  body.Set("model", config_.model());
  body.Set("messages", json::Value(json::Array{std::move(message)}));
  body.Set("temperature", 0.0);
  body.Set("max_tokens", config_.max_tokens());
  return body;
}

Verdict OpenAIJudgeModel::Score(const SampleRecord& sample) {
  absl::StatusOr<json::Value> response = post_(RequestBody(sample));
  if (!response.ok()) return TransportAbstention(response.status());
  absl::StatusOr<std::string> answer = AnswerText(*response);
  if (!answer.ok()) return Verdict::Abstain(absl::StrCat("unparseable: ", answer.status().message()));
  absl::StatusOr<double> n = ParseJudgeScore(*answer);
  if (!n.ok()) return Verdict::Abstain(absl::StrCat("unparseable: no score in \"", Excerpt(*answer), "\""));
  if (*n < config_.score_min() || *n > config_.score_max()) {
    return Verdict::Abstain(absl::StrFormat("unparseable: score %g outside the rubric's [%g, %g]", *n,
                                            config_.score_min(), config_.score_max()));
  }
  return Verdict::Score((*n - config_.score_min()) / (config_.score_max() - config_.score_min()), *n);
}

}  // namespace doomscope::jury
