#include "engine/generator.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace doomscope::engine {
namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

enum class State {
  kFree,
  kPrefill,   // forwarding its prompt
  kFollower,  // waiting for a sibling with the same prompt to finish prefill
  kReady,     // holds logits (copied from a sibling) to sample from
  kDecode,    // its last token needs a forward step
};

struct Sequence {
  State state = State::kFree;
  GenerationRequest request;
  std::vector<int32_t> tokens;  // prompt, then generated
  int prompt_len = 0;
  int forwarded = 0;  // positions in the KV cache
  int leader = -1;    // kFollower: slot of the sibling doing the prefill
  std::vector<float> pending_logits;  // kReady
  std::vector<float> prompt_logits;   // kept while queued requests share the prompt
  std::optional<Sampler> sampler;
  double prefill_ms = 0, decode_ms = 0;
  bool shared = false;

  int generated() const { return static_cast<int>(tokens.size()) - prompt_len; }
  std::span<const int32_t> prompt() const { return std::span<const int32_t>(tokens.data(), prompt_len); }
  bool in_prompt_phase() const {
    return state == State::kPrefill || state == State::kFollower || state == State::kReady;
  }
};

// A freed slot whose KV cache still holds a prompt some queued request shares.
struct KeptPrefix {
  std::vector<int32_t> prompt;
  std::vector<float> logits;
};

bool SamePrompt(std::span<const int32_t> a, std::span<const int32_t> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace

const char* FinishReasonName(FinishReason reason) {
  switch (reason) {
    case FinishReason::kStop: return "stop";
    case FinishReason::kLength: return "length";
    case FinishReason::kLoop: return "loop";
    case FinishReason::kError: return "error";
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
  if (options.max_batch < 1) {
    return absl::InvalidArgumentError(absl::StrCat("max_batch ", options.max_batch, " must be >= 1"));
  }
  if (options.threads < 0) {
    return absl::InvalidArgumentError(absl::StrCat("threads ", options.threads, " must be >= 0"));
  }
  if (options.max_context < 0) {
    return absl::InvalidArgumentError(absl::StrCat("max_context ", options.max_context, " must be >= 0"));
  }
  if (options.max_step_tokens < 1) {
    return absl::InvalidArgumentError(absl::StrCat("max_step_tokens ", options.max_step_tokens, " must be >= 1"));
  }
  absl::StatusOr<std::unique_ptr<Transformer>> t = Transformer::Create(weights, options.isa);
  if (!t.ok()) return t.status();
  return std::unique_ptr<Generator>(new Generator(*std::move(t), std::move(stop_tokens), options));
}

Generator::Generator(std::unique_ptr<Transformer> transformer, std::vector<int32_t> stop_tokens,
                     const GeneratorOptions& options)
    : transformer_(std::move(transformer)),
      stop_tokens_(std::move(stop_tokens)),
      options_(options),
      cache_(transformer_->config(), options.max_batch) {
  const int model_context = transformer_->config().max_seq_len;
  max_context_ = options.max_context > 0 ? std::min(options.max_context, model_context) : model_context;
  threads_ = options.threads > 0 ? options.threads : omp_get_num_procs();
  // Every decoding sequence gets its row, with room left for prompt chunks.
  options_.max_step_tokens = std::max(options_.max_step_tokens, options_.max_batch + 16);
}

absl::Status Generator::Run(std::vector<GenerationRequest> requests,
                            const std::function<void(GenerationResult)>& on_done) {
  stats_ = GeneratorStats{};
  const ModelConfig& config = transformer_->config();
  const int vocab = config.vocab_size;
  const int max_batch = options_.max_batch;

  auto finish_now = [&](GenerationRequest& r, FinishReason reason, std::string error) {
    GenerationResult result;
    result.id = r.id;
    result.tag = r.tag;
    result.prompt_tokens = std::move(r.prompt_tokens);
    result.finish = reason;
    result.error = std::move(error);
    on_done(std::move(result));
  };

  // Validate; queue the valid ones in order.
  std::deque<int> queue;
  absl::flat_hash_map<std::vector<int32_t>, int> queued_per_prompt;
  std::vector<char> admitted(requests.size(), 0);
  for (size_t i = 0; i < requests.size(); ++i) {
    GenerationRequest& r = requests[i];
    std::string error;
    if (r.prompt_tokens.empty()) {
      error = "empty prompt (it needs at least one token, usually BOS)";
    } else if (static_cast<int64_t>(r.prompt_tokens.size()) > max_context_) {
      error = absl::StrCat("prompt of ", r.prompt_tokens.size(), " tokens does not fit the context of ",
                           max_context_);
    } else if (r.max_new_tokens < 0) {
      error = absl::StrCat("max_new_tokens ", r.max_new_tokens, " is negative");
    } else if (absl::Status s = ValidateSamplingParams(r.sampling); !s.ok()) {
      error = std::string(s.message());
    } else {
      for (size_t j = 0; j < r.prompt_tokens.size(); ++j) {
        if (r.prompt_tokens[j] < 0 || r.prompt_tokens[j] >= vocab) {
          error = absl::StrCat("prompt token ", j, " is ", r.prompt_tokens[j], ", outside the vocabulary [0, ",
                               vocab, ")");
          break;
        }
      }
    }
    if (!error.empty()) {
      finish_now(r, FinishReason::kError, absl::StrCat("request ", r.id, ": ", error));
      admitted[i] = 1;
      continue;
    }
    if (r.max_new_tokens == 0) {
      finish_now(r, FinishReason::kLength, "");
      admitted[i] = 1;
      continue;
    }
    queue.push_back(static_cast<int>(i));
    ++queued_per_prompt[r.prompt_tokens];
  }

  std::vector<Sequence> seqs(max_batch);
  std::vector<std::optional<KeptPrefix>> kept(max_batch);
  int active = 0;

  auto take_from_queue = [&](int i) {
    admitted[i] = 1;
    auto it = queued_per_prompt.find(requests[i].prompt_tokens);
    if (--it->second == 0) queued_per_prompt.erase(it);
  };
  auto siblings_queued = [&](std::span<const int32_t> prompt) {
    return queued_per_prompt.contains(std::vector<int32_t>(prompt.begin(), prompt.end()));
  };

  // Puts request i into free slot s.
  auto start = [&](int s, int i) {
    take_from_queue(i);
    Sequence& q = seqs[s];
    q = Sequence{};
    q.request = std::move(requests[i]);
    q.tokens = q.request.prompt_tokens;
    q.prompt_len = static_cast<int>(q.tokens.size());
    q.sampler.emplace(q.request.sampling, q.request.id);
    const int64_t want = static_cast<int64_t>(q.prompt_len) + q.request.max_new_tokens - 1;
    const int capacity = static_cast<int>(std::clamp<int64_t>(want, q.prompt_len, max_context_));
    ++active;
    // 1. The slot itself still holds this prompt.
    if (kept[s] && SamePrompt(kept[s]->prompt, q.prompt())) {
      cache_.Reserve(s, capacity, q.prompt_len);
      q.pending_logits = std::move(kept[s]->logits);
      kept[s].reset();
      if (siblings_queued(q.prompt())) q.prompt_logits = q.pending_logits;
      q.forwarded = q.prompt_len;
      q.state = State::kReady;
      q.shared = true;
      return;
    }
    kept[s].reset();
    cache_.Reserve(s, capacity, 0);
    // 2. A running sibling has it prefilled; 3. a sibling is prefilling it.
    for (int d = 0; d < max_batch; ++d) {
      Sequence& o = seqs[d];
      if (d == s || o.state == State::kFree || !SamePrompt(o.prompt(), q.prompt())) continue;
      if (!o.prompt_logits.empty()) {
        cache_.CopyPrefix(d, s, q.prompt_len);
        q.pending_logits = o.prompt_logits;
        if (siblings_queued(q.prompt())) q.prompt_logits = q.pending_logits;
        q.forwarded = q.prompt_len;
        q.state = State::kReady;
        q.shared = true;
        return;
      }
      if (o.state == State::kPrefill) {
        q.state = State::kFollower;
        q.leader = d;
        q.shared = true;
        return;
      }
    }
    q.state = State::kPrefill;
  };

  auto admit = [&] {
    // Slots keeping a prompt first take a queued request with that prompt.
    for (int s = 0; s < max_batch; ++s) {
      if (seqs[s].state != State::kFree || !kept[s]) continue;
      for (int i : queue) {
        if (!admitted[i] && SamePrompt(requests[i].prompt_tokens, kept[s]->prompt)) {
          start(s, i);
          break;
        }
      }
    }
    for (int s = 0; s < max_batch; ++s) {
      if (seqs[s].state != State::kFree) continue;
      while (!queue.empty() && admitted[queue.front()]) queue.pop_front();
      if (queue.empty()) break;
      const int i = queue.front();
      queue.pop_front();
      start(s, i);
    }
  };

  auto finish = [&](int s, FinishReason reason) {
    Sequence& q = seqs[s];
    GenerationResult result;
    result.id = q.request.id;
    result.tag = q.request.tag;
    result.prompt_tokens.assign(q.tokens.begin(), q.tokens.begin() + q.prompt_len);
    result.tokens.assign(q.tokens.begin() + q.prompt_len, q.tokens.end());
    result.finish = reason;
    result.prefill_ms = q.prefill_ms;
    result.decode_ms = q.decode_ms;
    result.shared_prefill = q.shared;
    if (!q.prompt_logits.empty() && siblings_queued(q.prompt())) {
      kept[s] = KeptPrefix{result.prompt_tokens, std::move(q.prompt_logits)};
    }
    q = Sequence{};
    --active;
    on_done(std::move(result));
  };

  std::vector<StepRow> rows;
  std::vector<int> logit_owner;
  std::vector<float> logits(static_cast<size_t>(max_batch) * vocab);
  struct Job {
    int slot;
    float* logits;
    int32_t token;
  };
  std::vector<Job> jobs;

  std::vector<char> was_prompt_phase(max_batch);
  admit();
  while (active > 0) {
    const Clock::time_point step_start = Clock::now();
    for (int s = 0; s < max_batch; ++s) was_prompt_phase[s] = seqs[s].in_prompt_phase();

    // Rows: one per decoding sequence, then prompt chunks within the budget.
    rows.clear();
    logit_owner.clear();
    for (int s = 0; s < max_batch; ++s) {
      Sequence& q = seqs[s];
      if (q.state != State::kDecode) continue;
      const int pos = static_cast<int>(q.tokens.size()) - 1;
      rows.push_back(StepRow{s, pos, q.tokens.back(), true});
      logit_owner.push_back(s);
      q.forwarded = pos + 1;
    }
    const int64_t decode_rows = static_cast<int64_t>(rows.size());
    int budget = options_.max_step_tokens - static_cast<int>(rows.size());
    for (int s = 0; s < max_batch && budget > 0; ++s) {
      Sequence& q = seqs[s];
      if (q.state != State::kPrefill) continue;
      const int chunk = std::min(budget, q.prompt_len - q.forwarded);
      for (int p = q.forwarded; p < q.forwarded + chunk; ++p) {
        const bool last = p == q.prompt_len - 1;
        rows.push_back(StepRow{s, p, q.tokens[p], last});
        if (last) logit_owner.push_back(s);
      }
      q.forwarded += chunk;
      budget -= chunk;
    }
    const int64_t prompt_rows = static_cast<int64_t>(rows.size()) - decode_rows;
    if (!rows.empty()) transformer_->Step(rows, cache_, logits.data(), threads_);

    // What to sample this step: forward logits, then copied ones.
    jobs.clear();
    for (size_t j = 0; j < logit_owner.size(); ++j) {
      jobs.push_back(Job{logit_owner[j], logits.data() + j * vocab, -1});
    }
    // A sibling that finished its prompt hands its cache and logits to its followers.
    for (size_t j = 0; j < logit_owner.size(); ++j) {
      const int s = logit_owner[j];
      Sequence& leader = seqs[s];
      if (leader.state != State::kPrefill) continue;
      const float* prompt_logits = logits.data() + j * vocab;
      const bool keep = siblings_queued(leader.prompt());
      for (int f = 0; f < max_batch; ++f) {
        Sequence& q = seqs[f];
        if (q.state != State::kFollower || q.leader != s) continue;
        cache_.CopyPrefix(s, f, q.prompt_len);
        q.pending_logits.assign(prompt_logits, prompt_logits + vocab);
        if (keep) q.prompt_logits = q.pending_logits;
        q.forwarded = q.prompt_len;
        q.state = State::kReady;
      }
      // Every holder of the prompt can hand it on, so a sibling still queued
      // finds it whichever of them is running (or the slot one of them left).
      if (keep) leader.prompt_logits.assign(prompt_logits, prompt_logits + vocab);
    }
    for (int s = 0; s < max_batch; ++s) {
      if (seqs[s].state == State::kReady) jobs.push_back(Job{s, seqs[s].pending_logits.data(), -1});
    }
    // Each sequence samples with its own RNG, so they can run in parallel.
    const int sample_threads = jobs.size() > 1 && vocab >= 4096 ? std::min<int>(threads_, jobs.size()) : 1;
#pragma omp parallel for num_threads(sample_threads) schedule(dynamic) if (sample_threads > 1)
    for (size_t j = 0; j < jobs.size(); ++j) {
      Sequence& q = seqs[jobs[j].slot];
      jobs[j].token = q.sampler->Sample(std::span<float>(jobs[j].logits, vocab), q.tokens);
    }
    const double step_ms = MsSince(step_start);
    stats_.steps += 1;
    stats_.prompt_tokens_forwarded += prompt_rows;
    stats_.decode_tokens_forwarded += decode_rows;
    stats_.tokens_sampled += static_cast<int64_t>(jobs.size());
    stats_.step_ms += step_ms;
    (prompt_rows > 0 ? stats_.prefill_step_ms : stats_.decode_step_ms) += step_ms;
    for (int s = 0; s < max_batch; ++s) {
      if (seqs[s].state == State::kFree) continue;
      (was_prompt_phase[s] ? seqs[s].prefill_ms : seqs[s].decode_ms) += step_ms;
    }

    // Keep each token, or stop.
    for (const Job& job : jobs) {
      const int s = job.slot;
      Sequence& q = seqs[s];
      q.pending_logits = std::vector<float>();
      const bool is_stop = std::find(stop_tokens_.begin(), stop_tokens_.end(), job.token) != stop_tokens_.end();
      if (is_stop && !q.request.ignore_stop_tokens) {
        finish(s, FinishReason::kStop);
        continue;
      }
      q.tokens.push_back(job.token);
      if (q.request.on_token &&
          !q.request.on_token(std::span<const int32_t>(q.tokens.data() + q.prompt_len, q.generated()))) {
        finish(s, FinishReason::kLoop);
        continue;
      }
      // The new token is forwarded at position size - 1, which must fit the context.
      if (q.generated() >= q.request.max_new_tokens || static_cast<int>(q.tokens.size()) - 1 >= max_context_) {
        finish(s, FinishReason::kLength);
        continue;
      }
      q.state = State::kDecode;
    }
    admit();
  }
  return absl::OkStatus();
}

}  // namespace doomscope::engine
