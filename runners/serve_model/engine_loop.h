// The model server's engine thread: one Generator over one loaded model,
// shared by every HTTP request.
//
// Batching: sequences queued while the engine is idle start together; the
// generator decodes them with continuous batching (up to max_batch at once,
// a finished sequence's slot refilled from the round at the next step).
// Sequences queued while a round runs wait for it to end and start together
// in the next round: admission happens at round boundaries, not at every
// step, because Generator::Run takes its requests up front (admitting into a
// running batch needs a request source in the engine's scheduler).
//
// Each sequence is a Sequence object shared between the HTTP thread that
// asked for it and the engine thread. The engine thread runs its per-token
// hook: incremental detokenization, stop strings (the text is cut before
// them), the streaming doom-loop rule when asked, cancellation (the client
// left, or the server's per-request deadline passed); the HTTP thread waits
// on the sequence for new text or the end. Nothing the engine thread does
// waits on the network.
#ifndef DOOMSCOPE_RUNNERS_SERVE_MODEL_ENGINE_LOOP_H_
#define DOOMSCOPE_RUNNERS_SERVE_MODEL_ENGINE_LOOP_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "detectors/config_defaults.h"
#include "detectors/streaming_tail.h"
#include "engine/generator.h"
#include "engine/model_loader.h"
#include "engine/streaming_detokenizer.h"

namespace doomscope::serve {

using Clock = std::chrono::steady_clock;

// What one sequence reports when it ends.
enum class SequenceEnd {
  kRunning,
  kStop,       // a stop token or a stop string
  kLength,     // max_tokens or the context
  kLoop,       // the streaming doom-loop rule fired
  kCancelled,  // the client went away
  kTimeout,    // the server's per-request deadline passed
  kError,      // the engine refused it (message in `error`)
};
// "stop", "length", "loop" (the others are not finish reasons).
const char* FinishReasonName(SequenceEnd end);

class Sequence {
 public:
  // Set before Submit, read-only afterwards.
  std::vector<int32_t> prompt_tokens;
  int64_t max_new_tokens = 0;        // as requested (sets the loop rule's L_stop)
  int64_t effective_max_tokens = 0;  // min(max_new_tokens, context - prompt)
  engine::SamplingParams sampling;
  uint64_t id = 0;  // seeds the sequence's RNG (with sampling.seed)
  std::vector<std::string> stop;
  bool stop_on_loop = false;
  Clock::time_point deadline = Clock::time_point::max();

  // Asks the engine to stop this sequence at its next token (or drops it
  // before it starts).
  void Cancel() { cancelled_ = true; }

  // What the HTTP side reads: waits until there is text past `seen_bytes`,
  // the sequence ended, or `until` passes; returns a snapshot.
  struct Snapshot {
    std::string text;  // final text so far (held back: a possible stop-string start)
    std::vector<int32_t> tokens;
    SequenceEnd end = SequenceEnd::kRunning;
    std::string error;
    int64_t detected_at = 0;  // kLoop: tokens when the rule fired
  };
  Snapshot WaitForMore(size_t seen_bytes, Clock::time_point until);

 private:
  friend class EngineLoop;
  // Engine thread: the hook; false stops the sequence.
  bool OnToken(int32_t token);
  void OnDone(const engine::GenerationResult& result);
  void End(SequenceEnd end, std::string error = "");

  std::atomic<bool> cancelled_{false};
  // Engine thread only.
  std::unique_ptr<engine::StreamingDetokenizer> detok_;
  std::unique_ptr<StreamingTailDetector> loop_;
  std::string raw_;  // decoded so far (cut at a stop string)
  SequenceEnd stopped_by_ = SequenceEnd::kRunning;  // why OnToken returned false
  // Shared, under mu_.
  std::mutex mu_;
  std::condition_variable cv_;
  Snapshot shared_;
};

struct EngineLoopOptions {
  int max_batch = 16;
  int threads = 0;
  // Sequences queued or running at once; Submit refuses more (HTTP 503).
  int max_queue = 64;
};

class EngineLoop {
 public:
  // Starts the engine thread over `model` (which must outlive the loop).
  static absl::StatusOr<std::unique_ptr<EngineLoop>> Start(const engine::LoadedModel& model,
                                                           const EngineLoopOptions& options);
  ~EngineLoop();  // Shutdown()

  // Cancels every sequence (running ones stop at their next token, queued
  // ones never start), refuses new ones and joins the engine thread.
  // Idempotent; max_context() and Submit (which then fails) stay callable.
  void Shutdown();

  // Queues sequences (all or none). ResourceExhausted when the queue would
  // exceed max_queue.
  absl::Status Submit(const std::vector<std::shared_ptr<Sequence>>& sequences);

  int max_context() const { return generator_->max_context(); }
  const engine::LoadedModel& model() const { return model_; }

 private:
  EngineLoop(const engine::LoadedModel& model, std::unique_ptr<engine::Generator> generator,
             const EngineLoopOptions& options);
  void Loop();
  void RunRound(std::vector<std::shared_ptr<Sequence>> round);

  const engine::LoadedModel& model_;
  std::unique_ptr<engine::Generator> generator_;
  EngineLoopOptions options_;
  ResolvedConfig loop_config_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Sequence>> queue_;
  std::vector<std::shared_ptr<Sequence>> running_;
  size_t in_flight_ = 0;  // queued + running
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace doomscope::serve

#endif  // DOOMSCOPE_RUNNERS_SERVE_MODEL_ENGINE_LOOP_H_
