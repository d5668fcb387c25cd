// What generates the samples of a run: the bundled engine, or a replay of
// generations stored by any other system. The runner hands a backend all the
// pending requests of one checkpoint at once and gets each result back as soon
// as it is finished (in finish order), so records are stored continuously.
#ifndef DOOMSCOPE_RUNNERS_BACKEND_H_
#define DOOMSCOPE_RUNNERS_BACKEND_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "results/proto/detector.pb.h"
#include "results/proto/suite.pb.h"

namespace doomscope {

struct BackendRequest {
  size_t index = 0;  // position in the vector passed to Generate; echoed in the result
  std::string checkpoint;  // names, for backends that look generations up
  std::string task;
  std::string sampling;
  std::string item_id;
  int rollout = 0;
  // The prompt: token ids when the task gave them (used as given, BOS
  // included); otherwise the text, which the backend encodes (with BOS).
  std::string prompt;
  std::vector<int32_t> prompt_tokens;
  SamplingConfig sampling_config;
  uint64_t seed = 0;
  // Stop a sequence when the streaming doom-loop rule fires (suite early_stop
  // and the task does not expect repetition).
  bool early_stop = false;
};

struct BackendResult {
  size_t index = 0;
  std::vector<int32_t> prompt_tokens;  // as fed to the model (empty if unknown)
  std::string text;                    // generated text, no prompt
  // Generated token ids without the terminating BOS/EOS; nullopt when the
  // backend only has text (the detectors then work at the character level).
  std::optional<std::vector<int32_t>> tokens;
  FinishReason finish_reason = FINISH_REASON_UNSPECIFIED;
  int64_t max_new_tokens = 0;
  int64_t effective_max_tokens = 0;  // min(max_new_tokens, ctx - prompt_len)
  int64_t detected_at = 0;           // tokens when the streaming rule fired (finish LOOP)
  double prefill_ms = 0;
  double decode_ms = 0;
  // A per-sample failure (e.g. a prompt longer than the context): the sample
  // is reported, not stored, and the run goes on.
  absl::Status status;
};

class Backend {
 public:
  virtual ~Backend() = default;
  // Short description for the manifest and messages ("engine", "replay:PATH").
  virtual std::string Describe() const = 0;
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
