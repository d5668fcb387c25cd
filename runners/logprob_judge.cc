#include "runners/logprob_judge.h"

#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/token_logprobs.h"
#include "results/utf8/utf8.h"

namespace doomscope {

absl::StatusOr<std::unique_ptr<LogprobJudgeModel>> LogprobJudgeModel::Load(const LogprobJudge& config,
                                                                           int threads) {
  absl::StatusOr<engine::LoadedModel> loaded = engine::LoadModel(config.path(), config.tokenizer());
  if (!loaded.ok()) return loaded.status();
  auto model = std::make_unique<engine::LoadedModel>(*std::move(loaded));
  absl::StatusOr<std::unique_ptr<engine::Transformer>> transformer = engine::Transformer::Create(model->weights);
  if (!transformer.ok()) return transformer.status();
  return std::unique_ptr<LogprobJudgeModel>(
      new LogprobJudgeModel(config, std::move(model), *std::move(transformer), std::max(1, threads)));
}

jury::Verdict LogprobJudgeModel::Score(const SampleRecord& sample) {
  const engine::Tokenizer& tok = model_->tokenizer;
  const int vocab = transformer_->config().vocab_size;
  std::vector<int32_t> prompt(sample.prompt_tokens().begin(), sample.prompt_tokens().end());
  std::vector<int32_t> output(sample.tokens().begin(), sample.tokens().end());
  bool own_ids = !prompt.empty() && !output.empty();
  for (int32_t t : prompt) own_ids &= t >= 0 && t < vocab;
  for (int32_t t : output) own_ids &= t >= 0 && t < vocab;
  own_ids = own_ids && ToValidUtf8(tok.Decode(output)) == sample.text();
  if (!own_ids) {
    prompt = tok.Encode(sample.prompt(), /*add_bos=*/true);
    output = tok.Encode(sample.text(), /*add_bos=*/false);
  }
  if (output.empty()) return jury::Verdict::Abstain("empty output");
  if (prompt.empty()) prompt.push_back(tok.bos_id() >= 0 ? tok.bos_id() : 0);
  absl::StatusOr<std::vector<double>> logprobs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    logprobs = engine::ContinuationLogprobs(*transformer_, prompt, output, threads_);
  }
  if (!logprobs.ok()) return jury::Verdict::Abstain(std::string(logprobs.status().message()));
  const double mean = std::accumulate(logprobs->begin(), logprobs->end(), 0.0) / static_cast<double>(logprobs->size());
  if (config_.has_pass_at()) return jury::Verdict::Score(mean >= config_.pass_at() ? 1 : 0, mean);
  return jury::Verdict::Score(std::exp(mean), mean);
}

}  // namespace doomscope
