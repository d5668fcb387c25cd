#include "runners/jury_config.h"

#include <cmath>
#include <filesystem>
#include <set>

#include "absl/strings/str_cat.h"
#include "results/textproto/textproto_file.h"
#include "runners/suite_config.h"

namespace doomscope {
namespace fs = std::filesystem;
namespace {

absl::Status JudgeError(const JudgeConfig& judge, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("judge \"", judge.name(), "\": ", what));
}

absl::Status ValidateJudge(const JudgeConfig& judge) {
  std::error_code ec;
  switch (judge.kind_case()) {
    case JudgeConfig::kRule:
      if (judge.rule().check() == RULE_CHECK_UNSPECIFIED) {
        return JudgeError(judge, "rule needs a check (REPETITION, ANSWER_PRESENT, VALID_JSON or TASK_SCORE)");
      }
      return absl::OkStatus();
    case JudgeConfig::kLogprob:
      if (judge.logprob().path().empty()) return JudgeError(judge, "logprob needs a checkpoint path");
      if (!fs::exists(judge.logprob().path(), ec)) {
        return JudgeError(judge, absl::StrCat("logprob path ", judge.logprob().path(), " does not exist"));
      }
      if (!judge.logprob().tokenizer().empty() && !fs::exists(judge.logprob().tokenizer(), ec)) {
        return JudgeError(judge, absl::StrCat("logprob tokenizer ", judge.logprob().tokenizer(), " does not exist"));
      }
      if (judge.logprob().has_pass_at() && !std::isfinite(judge.logprob().pass_at())) {
        return JudgeError(judge, "logprob pass_at must be finite");
      }
      return absl::OkStatus();
    case JudgeConfig::kOpenai: {
      const OpenAIJudge& o = judge.openai();
      if (o.base_url().empty()) return JudgeError(judge, "openai needs a base_url (http://HOST:PORT/v1)");
      if (o.model().empty()) return JudgeError(judge, "openai needs a model");
      for (double v : {o.score_min(), o.score_max(), o.timeout_s()}) {
        if (!std::isfinite(v)) return JudgeError(judge, "openai score_min, score_max and timeout_s must be finite");
      }
      if ((o.score_min() != 0 || o.score_max() != 0) && o.score_max() <= o.score_min()) {
        return JudgeError(judge, "openai score_max must be above score_min");
      }
      if (o.timeout_s() < 0 || o.max_retries() < 0 || o.concurrency() < 0 || o.max_tokens() < 0 ||
          o.max_output_bytes() < 0) {
        return JudgeError(judge, "openai timeout_s, max_retries, concurrency, max_tokens and max_output_bytes "
                                 "must not be negative");
      }
      if (o.concurrency() > 256) return JudgeError(judge, "openai concurrency is at most 256");
      return absl::OkStatus();
    }
    default:
      return JudgeError(judge, "give the judge a kind: rule { }, logprob { } or openai { }");
  }
}

}  // namespace

void ResolveJuryPaths(const std::string& base_dir, JuryConfig* jury) {
  for (JudgeConfig& judge : *jury->mutable_judge()) {
    if (!judge.has_logprob()) continue;
    LogprobJudge* lp = judge.mutable_logprob();
    if (!lp->path().empty()) lp->set_path(ResolvePath(base_dir, lp->path()));
    if (!lp->tokenizer().empty()) lp->set_tokenizer(ResolvePath(base_dir, lp->tokenizer()));
  }
}

absl::Status ValidateJuryConfig(const JuryConfig& jury) {
  if (jury.judge_size() == 0) return absl::InvalidArgumentError("a jury needs at least one judge { }");
  std::set<std::string> names;
  for (const JudgeConfig& judge : jury.judge()) {
    if (judge.name().empty()) return absl::InvalidArgumentError("every judge needs a name");
    if (!names.insert(judge.name()).second) {
      return absl::InvalidArgumentError(absl::StrCat("judge name \"", judge.name(), "\" is used twice"));
    }
    if (absl::Status s = ValidateJudge(judge); !s.ok()) return s;
  }
  if (jury.quorum() < 0 || jury.quorum() > jury.judge_size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("quorum ", jury.quorum(), " must be between 1 and the ", jury.judge_size(), " judges"));
  }
  if (!std::isfinite(jury.pass_threshold()) || jury.pass_threshold() < 0 || jury.pass_threshold() > 1) {
    return absl::InvalidArgumentError("pass_threshold must be in [0, 1]");
  }
  return absl::OkStatus();
}

absl::StatusOr<JuryConfig> LoadJuryConfig(const std::string& path) {
  JuryConfig jury;
  if (absl::Status s = ReadTextProtoFile(path, &jury); !s.ok()) return s;
  ResolveJuryPaths(fs::path(path).parent_path().string(), &jury);
  if (absl::Status s = ValidateJuryConfig(jury); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", s.message()));
  }
  return jury;
}

}  // namespace doomscope
