#include "engine/generator_scheduler.h"

#include <algorithm>
#include <chrono>
#include <new>
#include <utility>

#include "absl/strings/str_cat.h"

namespace doomscope::engine {
namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

bool SamePrompt(std::span<const int32_t> a, std::span<const int32_t> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace

BatchScheduler::BatchScheduler(Transformer& transformer, KvCache& cache, const Limits& limits,
                               std::span<const int32_t> stop_tokens, std::vector<GenerationRequest> requests,
                               const std::function<void(GenerationResult)>& on_done, GeneratorStats& stats)
    // No more slots than requests: nothing is sized for sequences that cannot come.
    : BatchScheduler(transformer, cache, limits, stop_tokens, nullptr,
                     std::min(static_cast<size_t>(limits.max_batch), requests.size()), on_done, stats) {
  for (GenerationRequest& r : requests) Enqueue(std::move(r));
}

BatchScheduler::BatchScheduler(Transformer& transformer, KvCache& cache, const Limits& limits,
                               std::span<const int32_t> stop_tokens, RequestSource& source,
                               const std::function<void(GenerationResult)>& on_done, GeneratorStats& stats)
    : BatchScheduler(transformer, cache, limits, stop_tokens, &source, static_cast<size_t>(limits.max_batch), on_done,
                     stats) {}

BatchScheduler::BatchScheduler(Transformer& transformer, KvCache& cache, const Limits& limits,
                               std::span<const int32_t> stop_tokens, RequestSource* source, size_t slots,
                               const std::function<void(GenerationResult)>& on_done, GeneratorStats& stats)
    : transformer_(transformer),
      cache_(cache),
      limits_(limits),
      stop_tokens_(stop_tokens),
      vocab_(transformer.config().vocab_size),
      source_(source),
      on_done_(on_done),
      stats_(stats) {
  seqs_.resize(slots);
  kept_.resize(slots);
  was_prompt_phase_.resize(slots);
}

void BatchScheduler::Enqueue(GenerationRequest request) {
  ++queued_per_prompt_[request.prompt_tokens];
  queue_.push_back(std::move(request));
}

absl::Status BatchScheduler::Run() {
  const int slots = static_cast<int>(seqs_.size());
  try {
    logits_.resize(static_cast<size_t>(slots) * vocab_);
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot allocate the logits of ", slots, " sequences of ", vocab_, " tokens"));
  }
  while (true) {
    if (source_ != nullptr) PollSource();
    Admit();
    if (active_ > 0) {
      Step();
    } else if (queue_.empty() && (source_ == nullptr || closed_)) {
      return absl::OkStatus();
    }
    // Otherwise nothing runs: poll (and wait) again, or retry the queue after
    // requests whose KV cache could not be had finished with an error.
  }
}

void BatchScheduler::PollSource() {
  SourcePoll poll;
  source_->Poll(/*wait=*/active_ == 0 && queue_.empty() && !closed_, &poll);
  closed_ = closed_ || poll.closed;
  for (GenerationRequest& r : poll.requests) Enqueue(std::move(r));
  for (uint64_t tag : poll.cancelled) Cancel(tag);
}

void BatchScheduler::Cancel(uint64_t tag) {
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (it->tag != tag) continue;
    auto count = queued_per_prompt_.find(it->prompt_tokens);
    if (--count->second == 0) queued_per_prompt_.erase(count);
    GenerationResult result;
    result.id = it->id;
    result.tag = it->tag;
    result.prompt_tokens = std::move(it->prompt_tokens);
    result.finish = FinishReason::kCancelled;
    queue_.erase(it);
    on_done_(std::move(result));
    return;
  }
  for (int s = 0; s < static_cast<int>(seqs_.size()); ++s) {
    if (seqs_[s].state == State::kFree || seqs_[s].request.tag != tag) continue;
    if (seqs_[s].state == State::kPrefill) ReleadFollowers(s);
    Finish(s, FinishReason::kCancelled);
    return;
  }
}

void BatchScheduler::ReleadFollowers(int slot) {
  int heir = -1;
  for (int f = 0; f < static_cast<int>(seqs_.size()); ++f) {
    Sequence& q = seqs_[f];
    if (q.state != State::kFollower || q.leader != slot) continue;
    if (heir < 0) {
      // Its KV cache was reserved for the prompt and holds nothing yet.
      heir = f;
      q.state = State::kPrefill;
      q.leader = -1;
      q.forwarded = 0;
      q.shared = false;
    } else {
      q.leader = heir;
    }
  }
}

void BatchScheduler::Step() {
  const int slots = static_cast<int>(seqs_.size());
  const Clock::time_point step_start = Clock::now();
  for (int s = 0; s < slots; ++s) was_prompt_phase_[s] = seqs_[s].in_prompt_phase();
  PlanStep();
  if (!rows_.empty()) transformer_.Step(rows_, cache_, logits_.data(), limits_.threads);
  // What to sample this step: forward logits, then snapshots' copies.
  jobs_.clear();
  for (size_t j = 0; j < logit_owner_.size(); ++j) {
    jobs_.push_back(Job{logit_owner_[j], logits_.data() + j * vocab_, -1, {}});
  }
  HandOver();
  for (int s = 0; s < slots; ++s) {
    if (seqs_[s].state == State::kReady) jobs_.push_back(Job{s, seqs_[s].pending_logits.data(), -1, {}});
  }
  Sample();
  Account(MsSince(step_start));
  for (Job& job : jobs_) Advance(job);
}

void BatchScheduler::Admit() {
  const int slots = static_cast<int>(seqs_.size());
  // Slots keeping a prompt first take a queued request with that prompt.
  for (int s = 0; s < slots; ++s) {
    if (seqs_[s].state != State::kFree || !kept_[s]) continue;
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      if (SamePrompt(it->prompt_tokens, kept_[s]->prompt)) {
        Start(s, it);
        break;
      }
    }
  }
  for (int s = 0; s < slots && !queue_.empty(); ++s) {
    if (seqs_[s].state == State::kFree) Start(s, queue_.begin());
  }
}

void BatchScheduler::Start(int slot, std::deque<GenerationRequest>::iterator request) {
  auto it = queued_per_prompt_.find(request->prompt_tokens);
  if (--it->second == 0) queued_per_prompt_.erase(it);
  Sequence& q = seqs_[slot];
  q = Sequence{};
  q.request = std::move(*request);
  queue_.erase(request);
  q.tokens = q.request.prompt_tokens;
  q.prompt_len = static_cast<int>(q.tokens.size());
  q.sampler.emplace(q.request.sampling, q.request.id);
  q.state = State::kPrefill;
  ++active_;
  // Room for every position the sequence can forward (the last sampled token never is).
  const int64_t want = static_cast<int64_t>(q.prompt_len) + q.request.max_new_tokens - 1;
  const int capacity = static_cast<int>(std::clamp<int64_t>(want, q.prompt_len, limits_.max_context));
  const bool keeps_prompt = kept_[slot] && SamePrompt(kept_[slot]->prompt, q.prompt());
  if (absl::Status s = cache_.Reserve(slot, capacity, keeps_prompt ? q.prompt_len : 0); !s.ok()) {
    kept_[slot].reset();
    Finish(slot, FinishReason::kError, absl::StrCat("request ", q.request.id, ": ", s.message()));
    return;
  }
  if (keeps_prompt) return ReuseKeptPrompt(slot);
  kept_[slot].reset();
  ReuseSibling(slot);
}

void BatchScheduler::ReuseKeptPrompt(int slot) {
  std::shared_ptr<const PromptSnapshot> snapshot = std::move(kept_[slot]->snapshot);
  kept_[slot].reset();
  BecomeReady(slot, std::move(snapshot));
}

void BatchScheduler::ReuseSibling(int slot) {
  Sequence& q = seqs_[slot];
  for (int d = 0; d < static_cast<int>(seqs_.size()); ++d) {
    const Sequence& o = seqs_[d];
    if (d == slot || o.state == State::kFree || !SamePrompt(o.prompt(), q.prompt())) continue;
    // A holder of the prompt's snapshot: its KV prefix is still the prompt's.
    if (o.snapshot != nullptr) {
      cache_.CopyPrefix(d, slot, q.prompt_len);
      BecomeReady(slot, o.snapshot);
      return;
    }
    if (o.state == State::kPrefill) {
      q.state = State::kFollower;
      q.leader = d;
      q.shared = true;
      return;
    }
  }
}

void BatchScheduler::BecomeReady(int slot, std::shared_ptr<const PromptSnapshot> snapshot) {
  Sequence& q = seqs_[slot];
  cache_.LoadConvState(slot, snapshot->conv_state);
  q.pending_logits = snapshot->logits;
  if (SiblingsQueued(q.prompt())) q.snapshot = std::move(snapshot);
  q.forwarded = q.prompt_len;
  q.state = State::kReady;
  q.shared = true;
}

void BatchScheduler::PlanStep() {
  rows_.clear();
  logit_owner_.clear();
  const int slots = static_cast<int>(seqs_.size());
  for (int s = 0; s < slots; ++s) {
    Sequence& q = seqs_[s];
    if (q.state != State::kDecode) continue;
    const int pos = static_cast<int>(q.tokens.size()) - 1;
    rows_.push_back(StepRow{s, pos, q.tokens.back(), true});
    logit_owner_.push_back(s);
    q.forwarded = pos + 1;
  }
  decode_rows_ = static_cast<int64_t>(rows_.size());
  int budget = limits_.max_step_tokens - static_cast<int>(rows_.size());
  for (int s = 0; s < slots && budget > 0; ++s) {
    Sequence& q = seqs_[s];
    if (q.state != State::kPrefill) continue;
    const int chunk = std::min(budget, q.prompt_len - q.forwarded);
    for (int p = q.forwarded; p < q.forwarded + chunk; ++p) {
      const bool last = p == q.prompt_len - 1;
      rows_.push_back(StepRow{s, p, q.tokens[p], last});
      if (last) logit_owner_.push_back(s);
    }
    q.forwarded += chunk;
    budget -= chunk;
  }
  prompt_rows_ = static_cast<int64_t>(rows_.size()) - decode_rows_;
}

void BatchScheduler::HandOver() {
  const int slots = static_cast<int>(seqs_.size());
  for (size_t j = 0; j < logit_owner_.size(); ++j) {
    const int s = logit_owner_[j];
    Sequence& leader = seqs_[s];
    if (leader.state != State::kPrefill) continue;  // a decode row
    const bool keep = SiblingsQueued(leader.prompt());
    std::shared_ptr<const PromptSnapshot> snapshot;
    for (int f = 0; f < slots; ++f) {
      Sequence& q = seqs_[f];
      if (q.state != State::kFollower || q.leader != s) continue;
      if (snapshot == nullptr) {
        const float* logits = logits_.data() + j * vocab_;
        snapshot = std::make_shared<const PromptSnapshot>(
            PromptSnapshot{std::vector<float>(logits, logits + vocab_), cache_.SaveConvState(s)});
      }
      cache_.CopyPrefix(s, f, q.prompt_len);
      BecomeReady(f, snapshot);
    }
    // Every holder of the prompt can hand it on, so a sibling still queued
    // finds it whichever of them is running (or the slot one of them left).
    if (keep) {
      if (snapshot == nullptr) {
        const float* logits = logits_.data() + j * vocab_;
        snapshot = std::make_shared<const PromptSnapshot>(
            PromptSnapshot{std::vector<float>(logits, logits + vocab_), cache_.SaveConvState(s)});
      }
      leader.snapshot = std::move(snapshot);
    }
  }
}

void BatchScheduler::Sample() {
  // Each sequence samples with its own RNG, so they can run in parallel.
  const int sample_threads =
      jobs_.size() > 1 && vocab_ >= 4096 ? std::min<int>(limits_.threads, static_cast<int>(jobs_.size())) : 1;
#pragma omp parallel for num_threads(sample_threads) schedule(dynamic) if (sample_threads > 1)
  for (size_t j = 0; j < jobs_.size(); ++j) {
    Sequence& q = seqs_[jobs_[j].slot];
    const std::span<float> logits(jobs_[j].logits, vocab_);
    if (q.request.logprobs < 0) {
      jobs_[j].token = q.sampler->Sample(logits, q.tokens);
      continue;
    }
    // The sampler may change the logits (repetition penalty): the
    // log-probabilities are of the model's own distribution.
    q.raw_logits.assign(logits.begin(), logits.end());
    jobs_[j].token = q.sampler->Sample(logits, q.tokens);
    jobs_[j].logprob = LogprobsOf(q.raw_logits, jobs_[j].token, q.request.logprobs);
  }
}

void BatchScheduler::Account(double step_ms) {
  stats_.steps += 1;
  stats_.prompt_tokens_forwarded += prompt_rows_;
  stats_.decode_tokens_forwarded += decode_rows_;
  stats_.tokens_sampled += static_cast<int64_t>(jobs_.size());
  stats_.step_ms += step_ms;
  (prompt_rows_ > 0 ? stats_.prefill_step_ms : stats_.decode_step_ms) += step_ms;
  for (size_t s = 0; s < seqs_.size(); ++s) {
    if (seqs_[s].state == State::kFree) continue;
    (was_prompt_phase_[s] ? seqs_[s].prefill_ms : seqs_[s].decode_ms) += step_ms;
  }
}

void BatchScheduler::Advance(Job& job) {
  const int s = job.slot;
  Sequence& q = seqs_[s];
  q.pending_logits = std::vector<float>();
  const bool is_stop = std::find(stop_tokens_.begin(), stop_tokens_.end(), job.token) != stop_tokens_.end();
  if (is_stop && !q.request.ignore_stop_tokens) return Finish(s, FinishReason::kStop);
  q.tokens.push_back(job.token);
  if (q.request.logprobs >= 0) {
    q.logprobs.push_back(std::move(job.logprob));
    if (q.request.on_logprob) q.request.on_logprob(q.logprobs.back());
  }
  if (q.request.on_token &&
      !q.request.on_token(std::span<const int32_t>(q.tokens.data() + q.prompt_len, q.generated()))) {
    return Finish(s, FinishReason::kLoop);
  }
  // The new token is forwarded at position size - 1, which must fit the context.
  if (q.generated() >= q.request.max_new_tokens || static_cast<int>(q.tokens.size()) - 1 >= limits_.max_context) {
    return Finish(s, FinishReason::kLength);
  }
  q.state = State::kDecode;
}

void BatchScheduler::Finish(int slot, FinishReason reason, std::string error) {
  Sequence& q = seqs_[slot];
  GenerationResult result;
  result.id = q.request.id;
  result.tag = q.request.tag;
  result.prompt_tokens.assign(q.tokens.begin(), q.tokens.begin() + q.prompt_len);
  result.tokens.assign(q.tokens.begin() + q.prompt_len, q.tokens.end());
  result.finish = reason;
  result.error = std::move(error);
  result.prefill_ms = q.prefill_ms;
  result.decode_ms = q.decode_ms;
  result.shared_prefill = q.shared;
  result.logprobs = std::move(q.logprobs);
  if (q.snapshot != nullptr && SiblingsQueued(q.prompt())) {
    kept_[slot] = KeptPrompt{result.prompt_tokens, std::move(q.snapshot)};
  }
  q = Sequence{};
  --active_;
  on_done_(std::move(result));
}

bool BatchScheduler::SiblingsQueued(std::span<const int32_t> prompt) const {
  return queued_per_prompt_.contains(std::vector<int32_t>(prompt.begin(), prompt.end()));
}

}  // namespace doomscope::engine
