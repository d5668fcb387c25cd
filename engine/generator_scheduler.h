// The scheduler behind Generator::Run (continuous batching), in pieces that
// read on their own:
//
//   Poll      (Serve) queues the requests the source brought and ends the
//             ones it cancelled, queued or running, freeing their slots.
//   Admit     fills free slots from the queue; a slot that still holds a
//             prompt first takes a queued request with that prompt.
//   Start     sets a request up in a slot: it reuses the prompt from the slot
//             itself, copies it from a sibling that has it, follows a sibling
//             that is prefilling it, or prefills it itself.
//   PlanStep  one row per decoding sequence, then prompt chunks within the
//             step's row budget.
//   HandOver  a sequence that finished its prompt gives the prompt's KV
//             cache, conv state and logits to the siblings waiting for it.
//   Sample    every sequence that has logits draws its next token (in
//             parallel: each has its own RNG).
//   Advance   keeps the token or ends the sequence (stop token, on_token
//             veto, budget, context).
//   Finish    reports the result and frees the slot, keeping the prompt there
//             while queued requests share it.
//
// Prompt sharing copies, never recomputes: the KV cache of positions
// [0, prompt) is copied from any holder (the prefix of its cache is still the
// prompt's), while conv state and logits come from a snapshot taken when the
// prompt's prefill ended, since a running holder's conv state has moved on.
// A prefilling sequence that is cancelled hands its followers' wait to the
// first of them, which prefills the prompt itself.
#ifndef DOOMSCOPE_ENGINE_GENERATOR_SCHEDULER_H_
#define DOOMSCOPE_ENGINE_GENERATOR_SCHEDULER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "engine/forward.h"
#include "engine/generator.h"
#include "engine/kv_cache.h"
#include "engine/request_source.h"
#include "engine/sampler.h"
#include "engine/token_logprobs.h"

namespace doomscope::engine {

class BatchScheduler {
 public:
  struct Limits {
    int max_batch = 1;
    int max_context = 1;
    int max_step_tokens = 1;
    int threads = 1;
  };
  // `requests` must be valid (Generator::Run checks them) with budgets >= 1.
  BatchScheduler(Transformer& transformer, KvCache& cache, const Limits& limits,
                 std::span<const int32_t> stop_tokens, std::vector<GenerationRequest> requests,
                 const std::function<void(GenerationResult)>& on_done, GeneratorStats& stats);
  // Takes requests from `source` (which must give only valid ones with
  // budgets >= 1: Generator::Serve filters them) between steps.
  BatchScheduler(Transformer& transformer, KvCache& cache, const Limits& limits,
                 std::span<const int32_t> stop_tokens, RequestSource& source,
                 const std::function<void(GenerationResult)>& on_done, GeneratorStats& stats);

  // Runs until every request has finished (and, with a source, it has closed).
  absl::Status Run();

 private:
  enum class State {
    kFree,
    kPrefill,   // forwarding its prompt
    kFollower,  // waiting for a sibling with the same prompt to finish prefill
    kReady,     // holds logits (from a sibling's snapshot) to sample from
    kDecode,    // its last token needs a forward step
  };
  // What a finished prefill leaves for the prompt's siblings.
  struct PromptSnapshot {
    std::vector<float> logits;
    std::vector<float> conv_state;  // KvCache::SaveConvState at the end of the prompt
  };
  struct Sequence {
    State state = State::kFree;
    GenerationRequest request;
    std::vector<int32_t> tokens;  // prompt, then generated
    int prompt_len = 0;
    int forwarded = 0;  // positions in the KV cache
    int leader = -1;    // kFollower: slot of the sibling doing the prefill
    std::vector<float> pending_logits;  // kReady: a copy to sample from
    // Kept while queued requests share the prompt.
    std::shared_ptr<const PromptSnapshot> snapshot;
    std::optional<Sampler> sampler;
    std::vector<float> raw_logits;       // the logits before sampling changed them (for logprobs)
    std::vector<TokenLogprob> logprobs;  // of the kept tokens, when the request asks
    double prefill_ms = 0, decode_ms = 0;
    bool shared = false;

    int generated() const { return static_cast<int>(tokens.size()) - prompt_len; }
    std::span<const int32_t> prompt() const { return std::span<const int32_t>(tokens.data(), prompt_len); }
    bool in_prompt_phase() const {
      return state == State::kPrefill || state == State::kFollower || state == State::kReady;
    }
  };
  // A freed slot whose KV cache still holds a prompt some queued request shares.
  struct KeptPrompt {
    std::vector<int32_t> prompt;
    std::shared_ptr<const PromptSnapshot> snapshot;
  };
  // A sequence to sample this step, and what it drew.
  struct Job {
    int slot;
    float* logits;
    int32_t token;
    TokenLogprob logprob;  // when the request asks for log-probabilities
  };

  BatchScheduler(Transformer& transformer, KvCache& cache, const Limits& limits, std::span<const int32_t> stop_tokens,
                 RequestSource* source, size_t slots, const std::function<void(GenerationResult)>& on_done,
                 GeneratorStats& stats);
  void Enqueue(GenerationRequest request);
  void PollSource();
  void Cancel(uint64_t tag);
  // A prefilling sequence leaves: its first follower prefills instead, the
  // others follow that one.
  void ReleadFollowers(int slot);
  void Step();
  void Admit();
  void Start(int slot, std::deque<GenerationRequest>::iterator request);
  // Start's ways of reusing a prompt: the one the slot still holds, or a
  // running sibling's (copied when it has a snapshot, followed while it is
  // prefilling); otherwise the sequence prefills.
  void ReuseKeptPrompt(int slot);
  void ReuseSibling(int slot);
  // Makes sequence `slot` ready to sample from `snapshot` (its KV prefix already in place).
  void BecomeReady(int slot, std::shared_ptr<const PromptSnapshot> snapshot);
  void PlanStep();
  void HandOver();
  void Sample();
  void Account(double step_ms);
  void Advance(Job& job);
  void Finish(int slot, FinishReason reason, std::string error = "");
  bool SiblingsQueued(std::span<const int32_t> prompt) const;

  Transformer& transformer_;
  KvCache& cache_;
  const Limits limits_;
  const std::span<const int32_t> stop_tokens_;
  const int vocab_;
  RequestSource* const source_;  // null: Run's requests only
  bool closed_ = false;          // the source has closed
  const std::function<void(GenerationResult)>& on_done_;
  GeneratorStats& stats_;

  std::deque<GenerationRequest> queue_;
  absl::flat_hash_map<std::vector<int32_t>, int> queued_per_prompt_;
  std::vector<Sequence> seqs_;
  std::vector<std::optional<KeptPrompt>> kept_;
  int active_ = 0;

  // This step's rows, who owns each logits row, the logits, and the jobs.
  std::vector<StepRow> rows_;
  std::vector<int> logit_owner_;
  std::vector<float> logits_;
  std::vector<Job> jobs_;
  int64_t decode_rows_ = 0;
  int64_t prompt_rows_ = 0;
  std::vector<char> was_prompt_phase_;
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_GENERATOR_SCHEDULER_H_
