#include "runners/serve_model/engine_loop.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "detectors/unit_kind.h"
#include "results/utf8/utf8.h"

namespace doomscope::serve {

const char* FinishReasonName(SequenceEnd end) {
  switch (end) {
    case SequenceEnd::kStop: return "stop";
    case SequenceEnd::kLength: return "length";
    case SequenceEnd::kLoop: return "loop";
    default: return "error";
  }
}

Sequence::Snapshot Sequence::WaitForMore(size_t seen_bytes, Clock::time_point until) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_until(lock, until,
                 [&] { return shared_.end != SequenceEnd::kRunning || shared_.text.size() > seen_bytes; });
  return shared_;
}

void Sequence::End(SequenceEnd end, std::string error) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shared_.end = end;
    shared_.error = std::move(error);
  }
  cv_.notify_all();
}

bool Sequence::OnToken(int32_t token) {
  const size_t old_size = raw_.size();
  const int64_t offset = raw_code_points_;
  raw_ += detok_->Push(token);
  raw_code_points_ += CountCodePoints(std::string_view(raw_).substr(old_size));
  bool cut = false;
  if (!stop.empty() && raw_.size() > old_size) {
    // A stop string that completes now ends inside the new text.
    size_t longest = 0;
    for (const std::string& s : stop) longest = std::max(longest, s.size());
    const size_t from = old_size >= longest ? old_size - longest + 1 : 0;
    size_t best = std::string::npos;
    for (const std::string& s : stop) best = std::min(best, raw_.find(s, from));
    if (best != std::string::npos) {
      raw_.resize(best);
      stopped_by_ = SequenceEnd::kStop;
      cut = true;
    }
  }
  bool looped = false;
  if (!cut && loop_ != nullptr && loop_->Push(token)) {
    stopped_by_ = SequenceEnd::kLoop;
    looped = true;
  }
  // Hold back a tail that may be the start of a stop string. What was shown
  // never needs taking back: a stop string starting in shown text would have
  // been a held-back prefix then.
  size_t visible = raw_.size();
  if (!cut) {
    for (const std::string& s : stop) {
      for (size_t k = std::min(s.size() - 1, raw_.size()); k > 0; --k) {
        if (raw_.compare(raw_.size() - k, k, s, 0, k) == 0) {
          visible = std::min(visible, raw_.size() - k);
          break;
        }
      }
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (visible > shared_.text.size()) shared_.text.append(raw_, shared_.text.size(), visible - shared_.text.size());
    shared_.tokens.push_back(token);
    if (logprobs >= 0) {
      shared_.logprobs.push_back(std::move(pending_logprob_));
      shared_.text_offsets.push_back(offset);
    }
    if (looped) shared_.detected_at = loop_->fire().detected_at;
  }
  cv_.notify_all();
  return !cut && !looped;
}

void Sequence::OnDone(const engine::GenerationResult& result, int64_t step) {
  SequenceEnd end = SequenceEnd::kLength;
  switch (result.finish) {
    case engine::FinishReason::kStop: end = SequenceEnd::kStop; break;
    case engine::FinishReason::kLength: end = SequenceEnd::kLength; break;
    case engine::FinishReason::kLoop:
    case engine::FinishReason::kCancelled: end = stopped_by_; break;
    case engine::FinishReason::kError: end = SequenceEnd::kError; break;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    // The whole text: what the detokenizer still holds is final now (unless
    // a stop string cut the text, which ends it there).
    if (stopped_by_ != SequenceEnd::kStop && detok_ != nullptr) raw_ += detok_->Finish();
    shared_.text = raw_;
    shared_.tokens = result.tokens;
    shared_.end = end;
    shared_.error = result.error;
    shared_.finished_step = step;
  }
  cv_.notify_all();
}

absl::StatusOr<std::unique_ptr<EngineLoop>> EngineLoop::Start(const engine::LoadedModel& model,
                                                              const EngineLoopOptions& options) {
  if (options.max_queue < 1) {
    return absl::InvalidArgumentError(absl::StrCat("max_queue ", options.max_queue, " must be >= 1"));
  }
  engine::GeneratorOptions g;
  g.max_batch = options.max_batch;
  g.threads = options.threads;
  absl::StatusOr<std::unique_ptr<engine::Generator>> generator = engine::Generator::Create(model, g);
  if (!generator.ok()) return generator.status();
  std::unique_ptr<EngineLoop> loop(new EngineLoop(model, *std::move(generator), options));
  loop->thread_ = std::thread([raw = loop.get()] { raw->Loop(); });
  return loop;
}

EngineLoop::EngineLoop(const engine::LoadedModel& model, std::unique_ptr<engine::Generator> generator,
                       const EngineLoopOptions& options)
    : model_(model),
      generator_(std::move(generator)),
      options_(options),
      loop_config_(ResolveConfig(DetectorConfig())) {}

EngineLoop::~EngineLoop() { Shutdown(); }

void EngineLoop::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;  // the engine's next poll cancels what it runs and closes
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::shared_ptr<Sequence>& s : queue_) s->End(SequenceEnd::kCancelled);
  in_flight_ -= queue_.size();
  queue_.clear();
}

absl::Status EngineLoop::Submit(const std::vector<std::shared_ptr<Sequence>>& sequences) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!failed_.ok()) return failed_;
    if (stopping_) return absl::UnavailableError("the server is shutting down");
    if (in_flight_ + sequences.size() > static_cast<size_t>(options_.max_queue)) {
      return absl::ResourceExhaustedError(absl::StrCat("the server's queue is full (", in_flight_, " of ",
                                                       options_.max_queue, " sequences); retry later"));
    }
    for (const std::shared_ptr<Sequence>& s : sequences) queue_.push_back(s);
    in_flight_ += sequences.size();
  }
  cv_.notify_all();
  return absl::OkStatus();
}

EngineLoop::Load EngineLoop::load() {
  std::lock_guard<std::mutex> lock(mu_);
  return Load{queue_.size(), running_.size()};
}

void EngineLoop::Loop() {
  absl::Status status = generator_->Serve(*this, [this](engine::GenerationResult r) { OnResult(r); });
  if (status.ok()) return;
  // The engine could not run at all (its buffers could not be had): every
  // sequence, now and later, fails with the reason.
  std::lock_guard<std::mutex> lock(mu_);
  failed_ = status;
  for (auto& [tag, s] : running_) s->End(SequenceEnd::kError, std::string(status.message()));
  for (const std::shared_ptr<Sequence>& s : queue_) s->End(SequenceEnd::kError, std::string(status.message()));
  in_flight_ -= running_.size() + queue_.size();
  running_.clear();
  queue_.clear();
}

void EngineLoop::Poll(bool wait, engine::SourcePoll* out) {
  const int64_t step = steps_++;
  if (options_.before_step) options_.before_step(step);
  std::vector<std::pair<uint64_t, std::shared_ptr<Sequence>>> arrived;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (wait) cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) {
      // Shutdown: what runs is cancelled, what waits is left to Shutdown.
      out->closed = true;
      for (auto& [tag, s] : running_) {
        s->stopped_by_ = SequenceEnd::kCancelled;
        out->cancelled.push_back(tag);
      }
      return;
    }
    // A sequence leaves running_ as soon as it ends (OnResult), so those
    // here are still running and none is cancelled twice.
    const Clock::time_point now = Clock::now();
    for (auto& [tag, s] : running_) {
      if (s->cancelled_ || now > s->deadline) {
        s->stopped_by_ = s->cancelled_ ? SequenceEnd::kCancelled : SequenceEnd::kTimeout;
        out->cancelled.push_back(tag);
      }
    }
    while (!queue_.empty()) {
      std::shared_ptr<Sequence> s = std::move(queue_.front());
      queue_.pop_front();
      if (s->cancelled_ || now > s->deadline) {
        s->End(s->cancelled_ ? SequenceEnd::kCancelled : SequenceEnd::kTimeout);
        --in_flight_;
        continue;
      }
      const uint64_t tag = next_tag_++;
      running_[tag] = s;
      arrived.emplace_back(tag, std::move(s));
    }
  }
  // Setting sequences up (a detokenizer, the loop rule) needs no loop lock.
  for (auto& [tag, s] : arrived) out->requests.push_back(Prepare(*s, tag, step));
}

engine::GenerationRequest EngineLoop::Prepare(Sequence& s, uint64_t tag, int64_t step) {
  const engine::Tokenizer& tok = model_.tokenizer;
  s.detok_ = std::make_unique<engine::StreamingDetokenizer>(tok, s.prompt_tokens.back());
  if (s.stop_on_loop) {
    // The same rule, on token ids, as the runner's in-process backend.
    s.loop_ = std::make_unique<StreamingTailDetector>(
        loop_config_, s.max_new_tokens, s.effective_max_tokens, [&tok](std::span<const int32_t> unit) {
          return ClassifyUnitText(tok.Decode(std::vector<int32_t>(unit.begin(), unit.end())));
        });
  }
  {
    std::lock_guard<std::mutex> lock(s.mu_);
    s.shared_.admitted_step = step;
  }
  engine::GenerationRequest g;
  g.id = s.id;
  g.tag = tag;
  g.prompt_tokens = s.prompt_tokens;
  g.max_new_tokens = static_cast<int>(s.effective_max_tokens);
  g.sampling = s.sampling;
  g.logprobs = s.logprobs;
  Sequence* raw = &s;
  if (s.logprobs >= 0) g.on_logprob = [raw](const engine::TokenLogprob& lp) { raw->pending_logprob_ = lp; };
  g.on_token = [raw](std::span<const int32_t> generated) { return raw->OnToken(generated.back()); };
  return g;
}

void EngineLoop::OnResult(const engine::GenerationResult& result) {
  std::shared_ptr<Sequence> s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = running_.find(result.tag);
    if (it == running_.end()) return;
    s = std::move(it->second);
    running_.erase(it);
    --in_flight_;
  }
  s->OnDone(result, steps_);
}

}  // namespace doomscope::serve
