#include "engine/generator.h"

#include <omp.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/generator_scheduler.h"
#include "engine/request_source.h"

namespace doomscope::engine {
namespace {

// Why `r` cannot run, or "" when it can.
std::string RequestError(const GenerationRequest& r, int max_context, int vocab) {
  if (r.prompt_tokens.empty()) return "empty prompt (it needs at least one token, usually BOS)";
  if (static_cast<int64_t>(r.prompt_tokens.size()) > max_context) {
    return absl::StrCat("prompt of ", r.prompt_tokens.size(), " tokens does not fit the context of ", max_context);
  }
  if (r.max_new_tokens < 0) return absl::StrCat("max_new_tokens ", r.max_new_tokens, " is negative");
  if (absl::Status s = ValidateSamplingParams(r.sampling); !s.ok()) return std::string(s.message());
  if (r.logprobs < -1 || r.logprobs > kMaxTopLogprobs) {
    return absl::StrCat("logprobs ", r.logprobs, " is outside [-1, ", kMaxTopLogprobs, "]");
  }
  for (size_t j = 0; j < r.prompt_tokens.size(); ++j) {
    if (r.prompt_tokens[j] < 0 || r.prompt_tokens[j] >= vocab) {
      return absl::StrCat("prompt token ", j, " is ", r.prompt_tokens[j], ", outside the vocabulary [0, ", vocab, ")");
    }
  }
  return "";
}

// Finishes a request that needs no step (invalid, or a budget of 0) through
// `on_done` and returns true; false when it can run.
bool FinishedWithoutRunning(GenerationRequest& r, int max_context, int vocab,
                            const std::function<void(GenerationResult)>& on_done) {
  const std::string error = RequestError(r, max_context, vocab);
  if (error.empty() && r.max_new_tokens > 0) return false;
  GenerationResult result;
  result.id = r.id;
  result.tag = r.tag;
  result.prompt_tokens = std::move(r.prompt_tokens);
  result.finish = error.empty() ? FinishReason::kLength : FinishReason::kError;
  if (!error.empty()) result.error = absl::StrCat("request ", r.id, ": ", error);
  on_done(std::move(result));
  return true;
}

// What the scheduler polls: the caller's source, with the requests that need
// no step finished on the way (the scheduler takes only runnable ones).
class RunnableSource : public RequestSource {
 public:
  RunnableSource(RequestSource& source, int max_context, int vocab,
                 const std::function<void(GenerationResult)>& on_done)
      : source_(source), max_context_(max_context), vocab_(vocab), on_done_(on_done) {}

  void Poll(bool wait, SourcePoll* out) override {
    while (true) {
      source_.Poll(wait, out);
      std::erase_if(out->requests,
                    [&](GenerationRequest& r) { return FinishedWithoutRunning(r, max_context_, vocab_, on_done_); });
      // Waiting for work and given only requests that finished at once: wait again.
      if (!wait || !out->requests.empty() || !out->cancelled.empty() || out->closed) return;
    }
  }

 private:
  RequestSource& source_;
  const int max_context_;
  const int vocab_;
  const std::function<void(GenerationResult)>& on_done_;
};

BatchScheduler::Limits LimitsOf(const GeneratorOptions& options, int max_context, int threads) {
  BatchScheduler::Limits limits;
  limits.max_batch = options.max_batch;
  limits.max_context = max_context;
  limits.max_step_tokens = options.max_step_tokens;
  limits.threads = threads;
  return limits;
}

}  // namespace

const char* FinishReasonName(FinishReason reason) {
  switch (reason) {
    case FinishReason::kStop: return "stop";
    case FinishReason::kLength: return "length";
    case FinishReason::kLoop: return "loop";
    case FinishReason::kError: return "error";
    case FinishReason::kCancelled: return "cancelled";
  }
  return "?";
}

absl::StatusOr<std::unique_ptr<Generator>> Generator::Create(const LoadedModel& model,
                                                             const GeneratorOptions& options) {
  // EOS, the end-of-turn tokens the tokenizer's configuration names, the
  // checkpoint's own end ids, and BOS for llama2.c checkpoints.
  return Create(model.weights, model.StopTokens(), options);
}

absl::StatusOr<std::unique_ptr<Generator>> Generator::Create(const ModelWeights& weights,
                                                             std::vector<int32_t> stop_tokens,
                                                             const GeneratorOptions& options) {
  if (options.max_batch < 1 || options.max_batch > kMaxBatch) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_batch ", options.max_batch, " is outside [1, ", kMaxBatch, "]"));
  }
  if (options.threads < 0) {
    return absl::InvalidArgumentError(absl::StrCat("threads ", options.threads, " must be >= 0"));
  }
  if (options.max_context < 0) {
    return absl::InvalidArgumentError(absl::StrCat("max_context ", options.max_context, " must be >= 0"));
  }
  if (options.max_step_tokens < 1 || options.max_step_tokens > kMaxStepTokens) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_step_tokens ", options.max_step_tokens, " is outside [1, ", kMaxStepTokens, "]"));
  }
  if (options.kv_dtype != DType::kF32 && options.kv_dtype != DType::kF16 && options.kv_dtype != DType::kBF16) {
    return absl::InvalidArgumentError(
        absl::StrCat("KV cache type ", DTypeName(options.kv_dtype), " is not supported (F32, F16, BF16)"));
  }
  absl::StatusOr<std::unique_ptr<Transformer>> t = Transformer::Create(weights, options.isa);
  if (!t.ok()) return t.status();
  std::unique_ptr<Generator> g(new Generator(*std::move(t), std::move(stop_tokens), options));
  // Every buffer a step needs is sized here, from the validated limits.
  absl::Status s = g->transformer_->Reserve(g->options_.max_step_tokens, g->options_.max_batch, g->threads_,
                                            g->max_context_);
  if (!s.ok()) return s;
  return g;
}

Generator::Generator(std::unique_ptr<Transformer> transformer, std::vector<int32_t> stop_tokens,
                     const GeneratorOptions& options)
    : transformer_(std::move(transformer)),
      stop_tokens_(std::move(stop_tokens)),
      options_(options),
      cache_(transformer_->config(), options.max_batch, options.kv_dtype) {
  const int model_context = transformer_->config().max_seq_len;
  max_context_ = options.max_context > 0 ? std::min(options.max_context, model_context) : model_context;
  threads_ = options.threads > 0 ? options.threads : omp_get_num_procs();
  // Every decoding sequence gets its row, with room left for prompt chunks.
  options_.max_step_tokens = std::max(options_.max_step_tokens, options_.max_batch + 16);
}

absl::Status Generator::Run(std::vector<GenerationRequest> requests,
                            const std::function<void(GenerationResult)>& on_done) {
  stats_ = GeneratorStats{};
  const int vocab = transformer_->config().vocab_size;
  std::erase_if(requests,
                [&](GenerationRequest& r) { return FinishedWithoutRunning(r, max_context_, vocab, on_done); });
  BatchScheduler scheduler(*transformer_, cache_, LimitsOf(options_, max_context_, threads_), stop_tokens_,
                           std::move(requests), on_done, stats_);
  return scheduler.Run();
}

absl::Status Generator::Serve(RequestSource& source, const std::function<void(GenerationResult)>& on_done) {
  stats_ = GeneratorStats{};
  RunnableSource runnable(source, max_context_, transformer_->config().vocab_size, on_done);
  BatchScheduler scheduler(*transformer_, cache_, LimitsOf(options_, max_context_, threads_), stop_tokens_, runnable,
                           on_done, stats_);
  return scheduler.Run();
}

}  // namespace doomscope::engine
