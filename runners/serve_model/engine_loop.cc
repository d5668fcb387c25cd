#include "runners/serve_model/engine_loop.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "detectors/unit_kind.h"

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
  if (cancelled_) {
    stopped_by_ = SequenceEnd::kCancelled;
    return false;
  }
  if (Clock::now() > deadline) {
    stopped_by_ = SequenceEnd::kTimeout;
    return false;
  }
  const size_t old_size = raw_.size();
  raw_ += detok_->Push(token);
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
    if (looped) shared_.detected_at = loop_->fire().detected_at;
  }
  cv_.notify_all();
  return !cut && !looped;
}

void Sequence::OnDone(const engine::GenerationResult& result) {
  SequenceEnd end = SequenceEnd::kLength;
  switch (result.finish) {
    case engine::FinishReason::kStop: end = SequenceEnd::kStop; break;
    case engine::FinishReason::kLength: end = SequenceEnd::kLength; break;
    case engine::FinishReason::kLoop: end = stopped_by_; break;
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
    stopping_ = true;
    for (const std::shared_ptr<Sequence>& s : running_) s->Cancel();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::shared_ptr<Sequence>& s : queue_) s->End(SequenceEnd::kCancelled);
  queue_.clear();
}

absl::Status EngineLoop::Submit(const std::vector<std::shared_ptr<Sequence>>& sequences) {
  {
    std::lock_guard<std::mutex> lock(mu_);
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

void EngineLoop::Loop() {
  while (true) {
    std::vector<std::shared_ptr<Sequence>> round;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      round.assign(queue_.begin(), queue_.end());
      queue_.clear();
      running_ = round;
    }
    RunRound(round);
    std::lock_guard<std::mutex> lock(mu_);
    in_flight_ -= round.size();
    running_.clear();
  }
}

void EngineLoop::RunRound(std::vector<std::shared_ptr<Sequence>> round) {
  const engine::Tokenizer& tok = model_.tokenizer;
  std::vector<engine::GenerationRequest> requests;
  std::vector<char> started(round.size(), 0);
  for (size_t i = 0; i < round.size(); ++i) {
    Sequence& s = *round[i];
    if (s.cancelled_) {
      s.End(SequenceEnd::kCancelled);
      continue;
    }
    if (Clock::now() > s.deadline) {
      s.End(SequenceEnd::kTimeout);
      continue;
    }
    s.detok_ = std::make_unique<engine::StreamingDetokenizer>(tok, s.prompt_tokens.back());
    if (s.stop_on_loop) {
      // The same rule, on token ids, as the runner's in-process backend.
      s.loop_ = std::make_unique<StreamingTailDetector>(
          loop_config_, s.max_new_tokens, s.effective_max_tokens, [&tok](std::span<const int32_t> unit) {
            return ClassifyUnitText(tok.Decode(std::vector<int32_t>(unit.begin(), unit.end())));
          });
    }
    engine::GenerationRequest g;
    g.id = s.id;
    g.tag = i;
    g.prompt_tokens = s.prompt_tokens;
    g.max_new_tokens = static_cast<int>(s.effective_max_tokens);
    g.sampling = s.sampling;
    Sequence* raw = &s;
    g.on_token = [raw](std::span<const int32_t> generated) { return raw->OnToken(generated.back()); };
    started[i] = 1;
    requests.push_back(std::move(g));
  }
  if (requests.empty()) return;
  absl::Status status = generator_->Run(std::move(requests), [&](engine::GenerationResult r) {
    if (r.tag < round.size()) round[r.tag]->OnDone(r);
  });
  if (!status.ok()) {
    for (size_t i = 0; i < round.size(); ++i) {
      if (started[i] && round[i]->WaitForMore(0, Clock::now()).end == SequenceEnd::kRunning) {
        round[i]->End(SequenceEnd::kError, std::string(status.message()));
      }
    }
  }
}

}  // namespace doomscope::serve
