// The bundled engine as a backend: loads a checkpoint once, then runs all of
// its requests through the batched generator (continuous batching), with the
// streaming doom-loop rule in each sequence's per-token hook when the request's
// loop-stop policy asks for early stop (or a shadow run).
#ifndef DOOMSCOPE_RUNNERS_ENGINE_BACKEND_H_
#define DOOMSCOPE_RUNNERS_ENGINE_BACKEND_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "engine/model_loader.h"
#include "runners/backend.h"
#include "runners/engine_prompt.h"

namespace doomscope {

// The engine's version string for run manifests.
std::string EngineVersion();

// Sequences decoded together: the default, and the most a suite may ask for
// (each needs a KV cache of the model's context).
inline constexpr int kDefaultEngineMaxBatch = 32;
inline constexpr int kMaxEngineMaxBatch = 4096;

class BundledEngineBackend : public Backend {
 public:
  BundledEngineBackend(int max_batch, int threads);

  // The suite-file checks of `backend { engine { } }`: every checkpoint file
  // exists, max_batch in [1, kMaxEngineMaxBatch].
  static absl::Status CheckConfig(const SuiteConfig& suite);

  std::string Describe() const override { return "engine"; }
  std::string Version() const override { return EngineVersion(); }
  std::vector<std::string> InputFiles(const SuiteConfig& suite) const override;
  // A PROMPT_FORMAT_CHAT task needs every checkpoint to carry a chat template;
  // for CHAT and AUTO tasks, a checkpoint's template must parse.
  absl::Status CheckSuite(const SuiteConfig& suite) const override;
  absl::Status LoadCheckpoint(const CheckpointConfig& checkpoint) override;
  std::string Detokenize(const std::vector<int32_t>& tokens) const override;
  absl::Status Generate(std::vector<BackendRequest> requests,
                        const std::function<void(BackendResult)>& on_done) override;

 private:
  int max_batch_;
  int threads_;
  std::unique_ptr<engine::LoadedModel> model_;
  // The loaded checkpoint's chat templates, when it has any.
  std::optional<engine::ModelChatTemplates> chat_templates_;
};

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_ENGINE_BACKEND_H_
