// What generates the samples of a run: the bundled engine, or a replay of
// generations stored by any other system. The runner hands a backend the
// pending requests of one checkpoint at once and gets each result back as soon
// as it is finished (in finish order), so records are stored continuously.
//
// A request is what the task asked for, before any template: the prompt as a
// chat (messages and tool definitions) and as plain completion text or token
// ids, the sampling config, and the loop-stop policy. The backend decides how
// to render it (the engine: plain text, or the checkpoint's chat template; an
// HTTP backend sends the conversation as it is).
#ifndef DOOMSCOPE_RUNNERS_BACKEND_H_
#define DOOMSCOPE_RUNNERS_BACKEND_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "benchmarks/conversation.h"
#include "detectors/config_defaults.h"
#include "results/proto/detector.pb.h"
#include "results/proto/suite.pb.h"
#include "results/proto/task.pb.h"

namespace doomscope {

// How the streaming doom-loop rule treats one sequence.
struct LoopStopPolicy {
  // Stop the sequence when the rule fires (finish reason LOOP).
  bool early_stop = false;
  // A shadow sample of an early-stop task: the rule runs but never stops it;
  // where it would have stopped is reported, so the runner can measure how
  // often a loop escapes (DETECTORS.md section 8).
  bool shadow = false;
  // The detector thresholds (stream.* decide when the rule fires). Set
  // whenever early_stop or shadow is.
  std::shared_ptr<const ResolvedConfig> thresholds;
};

struct BackendRequest {
  size_t index = 0;  // position in the vector passed to Generate; echoed in the result
  std::string checkpoint;  // names, for backends that look generations up
  std::string task;
  std::string sampling;
  std::string item_id;
  int rollout = 0;
  // Which rendering the task asks for (AUTO: the chat template when the
  // checkpoint has one the backend can render, else plain).
  PromptFormat format = PROMPT_FORMAT_AUTO;
  // Plain completion: token ids when the task gave them (used as given, BOS
  // included); otherwise the text, which the backend encodes (with BOS).
  std::string prompt;
  std::vector<int32_t> prompt_tokens;
  // The same prompt as a chat, with the tools on offer.
  benchmarks::Conversation chat;
  // The suite's enable_thinking, passed to chat templates that read it (Qwen3,
  // SmolLM3); nullopt: the template's default.
  std::optional<bool> enable_thinking;
  SamplingConfig sampling_config;
  uint64_t seed = 0;
  LoopStopPolicy loop_stop;
};

struct BackendResult {
  size_t index = 0;
  std::vector<int32_t> prompt_tokens;  // as fed to the model (empty if unknown)
  bool chat_format = false;            // the prompt went out as a chat
  // The prompt text exactly as the backend rendered it (chat format: the chat
  // template's output, special tokens included); empty when the prompt went
  // out as given. Stored as the record's prompt.
  std::string prompt_text;
  std::string text;                    // generated text, no prompt
  // Generated token ids without the terminating BOS/EOS; nullopt when the
  // backend only has text (the detectors then work at the character level).
  std::optional<std::vector<int32_t>> tokens;
  FinishReason finish_reason = FINISH_REASON_UNSPECIFIED;
  int64_t max_new_tokens = 0;
  int64_t effective_max_tokens = 0;  // min(max_new_tokens, ctx - prompt_len)
  int64_t detected_at = 0;           // tokens when the streaming rule fired (finish LOOP)
  // Shadow samples: tokens when the rule would have stopped the sequence, 0
  // when it never fired.
  int64_t shadow_detected_at = 0;
  double prefill_ms = 0;
  double decode_ms = 0;
  // A per-sample failure (e.g. a prompt longer than the context, a server
  // that failed after its retries): the sample is stored as an error record
  // (runners/sample_error.h), not as a sample, and the run goes on.
  absl::Status status;
  // Requests made for this sample (HTTP backends; 0: never sent).
  int attempts = 1;
};

class Backend {
 public:
  virtual ~Backend() = default;
  // Short description for messages ("engine", "replay:PATH").
  virtual std::string Describe() const = 0;
  // What the run manifest records as the generator's version.
  virtual std::string Version() const = 0;
  // The files whose contents decide the generations (hashed into the run
  // manifest; a folder stands for every file in it).
  virtual std::vector<std::string> InputFiles(const SuiteConfig& suite) const = 0;
  // Checks what only this backend can tell about a parsed suite (e.g. that a
  // chat-format task's checkpoints have a chat template it can render). Runs
  // before anything is written; errors are InvalidArgument naming the entry.
  virtual absl::Status CheckSuite(const SuiteConfig& suite) const = 0;
  // Makes checkpoint `checkpoint` of the suite current (loads it once).
  virtual absl::Status LoadCheckpoint(const CheckpointConfig& checkpoint) = 0;
  // Decodes a generated token span to text with the current checkpoint's
  // tokenizer (for detector unit previews); empty when unavailable.
  virtual std::string Detokenize(const std::vector<int32_t>& tokens) const = 0;
  // Generates every request with the current checkpoint, calling `on_done`
  // once per request as it finishes. A non-OK return stops the run.
  virtual absl::Status Generate(std::vector<BackendRequest> requests,
                                const std::function<void(BackendResult)>& on_done) = 0;
};

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_BACKEND_H_
