// Batched generation with continuous batching.
//
// Up to max_batch sequences are decoded together: each step runs one token of
// every decoding sequence plus chunks of prompts being prefilled through one
// Transformer::Step, so the weights are read once per step for all of them. A
// sequence that finishes leaves at once and its slot is refilled from the
// queue before the next step. Requests whose prompt equals one already
// prefilled (several rollouts of a prompt) copy its KV cache and logits
// instead of recomputing them; the results are the same bits either way.
//
// Generation follows llama2.c's run.c: the prompt is forwarded, then tokens
// are sampled until a stop token (EOS, and BOS for llama2.c checkpoints,
// neither kept in the output), the token budget, or the context limit (a
// sequence may hold max_context + 1 tokens: the last one is never forwarded).
// After each kept token the request's on_token callback sees all tokens
// generated so far and may stop the sequence (finish reason kLoop): the hook
// for the streaming doom-loop detector.
//
// Run takes its requests up front; Serve takes them from a RequestSource
// (engine/request_source.h) polled before every step, so a server admits a
// new request into a free slot at the next step and ends a cancelled one
// there. A sequence admitted into a slot starts from clean state either way:
// positions are forwarded from 0, which resets the recurrent state of
// short-conv and Gated DeltaNet layers, and the KV cache is only read up to
// the sequence's own positions.
//
// Determinism: each sequence samples with its own RNG seeded from (seed, id),
// and the forward pass gives a row the same bits whatever else is in the step
// (engine/kernels/kernels.h), so a request's tokens do not depend on the batch
// size, the other requests, their order or the thread count.
#ifndef DOOMSCOPE_ENGINE_GENERATOR_H_
#define DOOMSCOPE_ENGINE_GENERATOR_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/cpu_features.h"
#include "engine/forward.h"
#include "engine/kv_cache.h"
#include "engine/model_loader.h"
#include "engine/sampler.h"
#include "engine/token_logprobs.h"

namespace doomscope::engine {

class RequestSource;

enum class FinishReason {
  kStop,       // EOS, or BOS for llama2.c checkpoints
  kLength,     // max_new_tokens reached, or the context is full
  kLoop,       // on_token returned false
  kError,      // the request was invalid (see GenerationResult::error)
  kCancelled,  // the request source cancelled it (Serve only)
};
// "stop", "length", "loop", "error", "cancelled".
const char* FinishReasonName(FinishReason reason);

struct GenerationRequest {
  // Seeds this sequence's RNG (with sampling.seed) and is echoed in the result.
  uint64_t id = 0;
  // The caller's bookkeeping (say, an input line), echoed in the result.
  uint64_t tag = 0;
  // The full prompt as the model sees it (BOS included when wanted).
  std::vector<int32_t> prompt_tokens;
  int max_new_tokens = 0;
  SamplingParams sampling;
  // Benchmarks only: never stop at EOS/BOS, run to the budget.
  bool ignore_stop_tokens = false;
  // Called after each generated token with all tokens generated so far;
  // return false to stop the sequence (finish reason kLoop). Runs on the
  // thread that called Run. May be empty.
  std::function<bool(std::span<const int32_t> generated)> on_token;
  // -1: none. k in [0, kMaxTopLogprobs]: the log-probability of each kept
  // token and the k most likely tokens at its position (token_logprobs.h says
  // of which distribution), in GenerationResult::logprobs, and each one given
  // to on_logprob (when set) just before on_token sees the token.
  int logprobs = -1;
  std::function<void(const TokenLogprob&)> on_logprob;
};

inline constexpr int kMaxTopLogprobs = 20;

struct GenerationResult {
  uint64_t id = 0;
  uint64_t tag = 0;
  std::vector<int32_t> prompt_tokens;
  std::vector<int32_t> tokens;  // generated, without the stop token
  FinishReason finish = FinishReason::kLength;
  std::string error;  // for kError
  // Wall time of the steps this sequence took part in, while its prompt was
  // processed (up to and including sampling its first token) and after.
  double prefill_ms = 0;
  double decode_ms = 0;
  bool shared_prefill = false;         // the KV cache of the prompt was copied from a sibling
  std::vector<TokenLogprob> logprobs;  // one per token when the request asked for them
};

// Upper bounds of the options, checked before anything is sized from them.
inline constexpr int kMaxBatch = 1024;
inline constexpr int kMaxStepTokens = 16384;

struct GeneratorOptions {
  int max_batch = 32;        // sequences decoded at once, in [1, kMaxBatch]
  int threads = 0;           // 0: all cores
  int max_context = 0;       // 0: the model's context length; otherwise the smaller of the two
  int max_step_tokens = 512;  // rows per forward step (prompt chunks are cut to fit), in [1, kMaxStepTokens]
  // Element type of the KV cache: kF32 (exact, the reference), kF16 or kBF16
  // (half the bytes per decode step; keys and values rounded once when stored).
  DType kv_dtype = DType::kF32;
  Isa isa = DefaultIsa();
};

// Totals of the last Run, for benchmarks.
struct GeneratorStats {
  int64_t steps = 0;
  int64_t prompt_tokens_forwarded = 0;  // prefill rows actually computed (shared prefixes excluded)
  int64_t decode_tokens_forwarded = 0;  // decode rows
  int64_t tokens_sampled = 0;
  double step_ms = 0;          // wall time inside forward steps and sampling
  double prefill_step_ms = 0;  // ... of steps that had prompt rows
  double decode_step_ms = 0;   // ... of steps with decode rows only
};

class Generator {
 public:
  // `model` must outlive the Generator.
  static absl::StatusOr<std::unique_ptr<Generator>> Create(const LoadedModel& model,
                                                           const GeneratorOptions& options = {});
  // Without a tokenizer: `stop_tokens` end a sequence.
  static absl::StatusOr<std::unique_ptr<Generator>> Create(const ModelWeights& weights,
                                                           std::vector<int32_t> stop_tokens,
                                                           const GeneratorOptions& options = {});

  // Runs every request with continuous batching; `on_done` is called on the
  // calling thread as each finishes, in finish order. Invalid requests (empty
  // prompt, token ids outside the vocabulary, prompt longer than the context,
  // negative budget, bad sampling parameters) and requests whose KV cache
  // cannot be allocated finish with kError and a message; the others still
  // run. Returns an error only for a problem with the run as a whole.
  absl::Status Run(std::vector<GenerationRequest> requests,
                   const std::function<void(GenerationResult)>& on_done);
  // The same, with requests (and cancellations) taken from `source` between
  // steps until it closes and every sequence has finished. Invalid requests
  // finish with kError at once, as in Run. The stats count the whole Serve.
  absl::Status Serve(RequestSource& source, const std::function<void(GenerationResult)>& on_done);

  const GeneratorStats& stats() const { return stats_; }
  const GeneratorOptions& options() const { return options_; }
  int max_context() const { return max_context_; }
  const Transformer& transformer() const { return *transformer_; }

 private:
  Generator(std::unique_ptr<Transformer> transformer, std::vector<int32_t> stop_tokens,
            const GeneratorOptions& options);

  std::unique_ptr<Transformer> transformer_;
  std::vector<int32_t> stop_tokens_;
  GeneratorOptions options_;
  int max_context_ = 0;
  int threads_ = 1;
  KvCache cache_;
  GeneratorStats stats_;
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_GENERATOR_H_
