// The `logprob` judge: the mean token log-probability of a sample's output
// under a judge checkpoint run by the bundled engine (teacher forcing,
// engine/token_logprobs.h), reported as exp(mean) in [0, 1] (the per-token
// probability, 1/perplexity), or pass/fail against LogprobJudge.pass_at.
//
// Which token ids: the sample's own (prompt ids as fed, output ids as
// generated) when the judge's tokenizer decodes the stored output ids to the
// stored text exactly, i.e. the judge reads those ids as the same text;
// otherwise the prompt and output texts are encoded with the judge's
// tokenizer (BOS before the prompt). The end-of-text token is not scored.
// Abstains on an empty output or one longer than the judge's context.
#ifndef DOOMSCOPE_RUNNERS_LOGPROB_JUDGE_H_
#define DOOMSCOPE_RUNNERS_LOGPROB_JUDGE_H_

#include <memory>
#include <mutex>
#include <optional>

#include "absl/status/statusor.h"
#include "engine/forward.h"
#include "engine/model_loader.h"
#include "eval/jury/judge.h"
#include "results/proto/jury.pb.h"

namespace doomscope {

class LogprobJudgeModel : public jury::Judge {
 public:
  // Loads the checkpoint (paths already resolved).
  static absl::StatusOr<std::unique_ptr<LogprobJudgeModel>> Load(const LogprobJudge& config, int threads);

  jury::Verdict Score(const SampleRecord& sample) override;

 private:
  LogprobJudgeModel(const LogprobJudge& config, std::unique_ptr<engine::LoadedModel> model,
                    std::unique_ptr<engine::Transformer> transformer, int threads)
      : config_(config), model_(std::move(model)), transformer_(std::move(transformer)), threads_(threads) {}

  LogprobJudge config_;
  std::unique_ptr<engine::LoadedModel> model_;  // the weights the transformer reads
  std::unique_ptr<engine::Transformer> transformer_;
  int threads_;
  std::mutex mu_;  // one scoring pass at a time through the transformer
};

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_LOGPROB_JUDGE_H_
