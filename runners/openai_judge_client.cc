// The openai judge's transport: results/openai's client (retries with
// backoff, bounded connect/read/whole-attempt timeouts) posting to
// /chat/completions.
#include <memory>

#include "absl/strings/str_cat.h"
#include "eval/jury/openai_judge.h"
#include "results/openai/openai_client.h"
#include "runners/jury_pass.h"

namespace doomscope {

absl::StatusOr<std::unique_ptr<jury::Judge>> MakeOpenAIJudge(const JudgeConfig& judge) {
  const OpenAIJudge config = jury::FilledOpenAIJudge(judge.openai());
  openai::ClientOptions options;
  options.base_url = config.base_url();
  absl::StatusOr<std::string> key = openai::ApiKeyFromEnv(config.api_key_env());
  if (!key.ok()) return absl::InvalidArgumentError(absl::StrCat("judge \"", judge.name(), "\": ", key.status().message()));
  options.api_key = *key;
  options.connect_timeout_s = std::min(config.timeout_s(), 10.0);
  options.read_timeout_s = config.timeout_s();
  options.deadline_s = config.timeout_s();
  options.max_retries = config.max_retries();
  options.backoff_initial_s = 0.25;
  options.backoff_max_s = std::min(config.timeout_s(), 8.0);
  absl::StatusOr<openai::Client> client = openai::Client::Create(options);
  if (!client.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("judge \"", judge.name(), "\": ", client.status().message()));
  }
  auto shared = std::make_shared<openai::Client>(*std::move(client));
  return std::unique_ptr<jury::Judge>(std::make_unique<jury::OpenAIJudgeModel>(
      config, [shared](const json::Value& body) { return shared->Post("/chat/completions", body); }));
}

}  // namespace doomscope
