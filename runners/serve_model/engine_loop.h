// The model server's engine thread: one Generator over one loaded model,
// shared by every HTTP request.
//
// Batching at step level: the loop is the engine's RequestSource
// (engine/request_source.h). The generator polls it before every forward
// step, so a sequence submitted while others decode starts prefilling at the
// next step in a free slot (up to max_batch at once), never waiting for the
// running ones to finish; a sequence whose client left, or whose deadline
// passed, is ended at the next step and its slot freed. Its tokens do not
// depend on when it arrived or what else runs (the engine's batch
// invariance).
//
// Each sequence is a Sequence object shared between the HTTP thread that
// asked for it and the engine thread. The engine thread runs its per-token
// hook: incremental detokenization, stop strings (the text is cut before
// them), the streaming doom-loop rule when asked, log-probabilities; the HTTP
// thread waits on the sequence for new text or the end. Nothing the engine
// thread does waits on the network.
#ifndef DOOMSCOPE_RUNNERS_SERVE_MODEL_ENGINE_LOOP_H_
#define DOOMSCOPE_RUNNERS_SERVE_MODEL_ENGINE_LOOP_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "detectors/config_defaults.h"
#include "detectors/streaming_tail.h"
#include "engine/generator.h"
#include "engine/model_loader.h"
#include "engine/request_source.h"
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
  // -1: none; k >= 0: each token's log-probability and the k most likely
  // tokens at its position (engine/token_logprobs.h).
  int logprobs = -1;
  Clock::time_point deadline = Clock::time_point::max();

  // Asks the engine to stop this sequence at its next step (or drops it
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
    // When asked: one per token, and where each token's text starts in the
    // output text, in code points (OpenAI's text_offset).
    std::vector<engine::TokenLogprob> logprobs;
    std::vector<int64_t> text_offsets;
    // The engine steps (EngineLoop::steps()) at which the sequence was
    // handed to the engine and ended: the order of events without clocks.
    int64_t admitted_step = -1;
    int64_t finished_step = -1;
  };
  Snapshot WaitForMore(size_t seen_bytes, Clock::time_point until);

 private:
  friend class EngineLoop;
  // Engine thread: the hook; false stops the sequence.
  bool OnToken(int32_t token);
  void OnDone(const engine::GenerationResult& result, int64_t step);
  void End(SequenceEnd end, std::string error = "");

  std::atomic<bool> cancelled_{false};
  // Engine thread only.
  std::unique_ptr<engine::StreamingDetokenizer> detok_;
  std::unique_ptr<StreamingTailDetector> loop_;
  std::string raw_;  // decoded so far (cut at a stop string)
  int64_t raw_code_points_ = 0;
  engine::TokenLogprob pending_logprob_;  // of the token OnToken gets next
  // Why the engine stopped it: OnToken returned false (stop string, loop),
  // or the loop cancelled it (client gone, deadline).
  SequenceEnd stopped_by_ = SequenceEnd::kRunning;
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
  // Called on the engine thread before each step with the step's number
  // (steps()), outside any lock. Tests hold the engine at a known step with
  // it, to submit work while others run without racing the clock.
  std::function<void(int64_t step)> before_step;
};

class EngineLoop : private engine::RequestSource {
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

  // Sequences submitted and not yet handed to the engine, and handed to it
  // and not yet ended (what /health reports).
  struct Load {
    size_t waiting = 0;
    size_t running = 0;
  };
  Load load();
  // Polls of the engine so far: one per forward step, and one per wake-up
  // while idle.
  int64_t steps() const { return steps_; }

 private:
  EngineLoop(const engine::LoadedModel& model, std::unique_ptr<engine::Generator> generator,
             const EngineLoopOptions& options);
  void Loop();
  // engine::RequestSource, on the engine thread.
  void Poll(bool wait, engine::SourcePoll* out) override;
  // Sets a sequence up for the engine (detokenizer, loop rule, hooks).
  engine::GenerationRequest Prepare(Sequence& s, uint64_t tag, int64_t step);
  void OnResult(const engine::GenerationResult& result);

  const engine::LoadedModel& model_;
  std::unique_ptr<engine::Generator> generator_;
  EngineLoopOptions options_;
  ResolvedConfig loop_config_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Sequence>> queue_;
  // Handed to the engine, by request tag.
  absl::flat_hash_map<uint64_t, std::shared_ptr<Sequence>> running_;
  uint64_t next_tag_ = 0;
  size_t in_flight_ = 0;  // queued + running
  bool stopping_ = false;
  absl::Status failed_;  // the engine could not run at all
  std::atomic<int64_t> steps_{0};
  std::thread thread_;
};

}  // namespace doomscope::serve

#endif  // DOOMSCOPE_RUNNERS_SERVE_MODEL_ENGINE_LOOP_H_
