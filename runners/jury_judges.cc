// The judges this build runs, and their fingerprints (runners/jury_pass.h).
#include <algorithm>
#include <filesystem>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "eval/jury/rule_judge.h"
#include "results/hash/sha256.h"
#include "runners/jury_pass.h"
#include "runners/logprob_judge.h"

namespace doomscope {
namespace {

// "NAME SHA256\n" for a file, or for every regular file of a folder (an HF
// model folder), by name.
absl::Status AppendFileHashes(const std::string& path, std::string* out) {
  if (path.empty()) return absl::OkStatus();
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(path, ec)) {
    for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(path);
  }
  for (const std::filesystem::path& file : files) {
    absl::StatusOr<std::string> sha = Sha256File(file.string());
    if (!sha.ok()) return sha.status();
    absl::StrAppend(out, file.filename().string(), " ", *sha, "\n");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<jury::Judge>> MakeJudge(const JudgeConfig& judge, int threads) {
  switch (judge.kind_case()) {
    case JudgeConfig::kRule:
      return std::unique_ptr<jury::Judge>(std::make_unique<jury::RuleCheckJudge>(judge.rule().check()));
    case JudgeConfig::kLogprob: {
      absl::StatusOr<std::unique_ptr<LogprobJudgeModel>> model = LogprobJudgeModel::Load(judge.logprob(), threads);
      if (!model.ok()) {
        return absl::Status(model.status().code(),
                            absl::StrCat("judge \"", judge.name(), "\": ", model.status().message()));
      }
      return std::unique_ptr<jury::Judge>(std::move(*model));
    }
    case JudgeConfig::kOpenai:
      return MakeOpenAIJudge(judge);
    default:
      return absl::InvalidArgumentError(absl::StrCat("judge \"", judge.name(), "\" has no kind"));
  }
}

absl::StatusOr<std::vector<JudgeIdentity>> JudgeIdentities(const JuryConfig& jury) {
  std::vector<JudgeIdentity> out;
  for (const JudgeConfig& judge : jury.judge()) {
    JudgeConfig decisive = judge;
    std::string files;
    if (decisive.has_logprob()) {
      for (const std::string& path : {judge.logprob().path(), judge.logprob().tokenizer()}) {
        if (absl::Status s = AppendFileHashes(path, &files); !s.ok()) return s;
      }
      decisive.mutable_logprob()->clear_path();
      decisive.mutable_logprob()->clear_tokenizer();
    }
    if (decisive.has_openai()) {  // where and how fast it is asked does not change its answers
      OpenAIJudge* o = decisive.mutable_openai();
      o->clear_base_url();
      o->clear_api_key_env();
      o->clear_timeout_s();
      o->clear_max_retries();
      o->clear_concurrency();
    }
    JudgeIdentity id;
    id.set_name(judge.name());
    id.set_fingerprint(Sha256Hex(absl::StrCat("doomscope-judge/1\n", decisive.SerializeAsString(), "\n", files)));
    out.push_back(std::move(id));
  }
  return out;
}

}  // namespace doomscope
