// The bundled engine as a backend: loads a checkpoint once, then runs all of
// its requests through the batched generator (continuous batching), with the
// streaming doom-loop rule in each sequence's per-token hook when early stop
// is on.
#ifndef DOOMSCOPE_RUNNERS_ENGINE_BACKEND_H_
#define DOOMSCOPE_RUNNERS_ENGINE_BACKEND_H_

#include <memory>
#include <string>

#include "engine/model_loader.h"
#include "results/proto/detector.pb.h"
#include "runners/backend.h"

namespace doomscope {

// The engine's version string for run manifests.
std::string EngineVersion();

class BundledEngineBackend : public Backend {
 public:
  BundledEngineBackend(int max_batch, int threads, const DetectorConfig& detector);

  std::string Describe() const override { return "engine"; }
  absl::Status LoadCheckpoint(const CheckpointConfig& checkpoint) override;
  std::string Detokenize(const std::vector<int32_t>& tokens) const override;
  absl::Status Generate(std::vector<BackendRequest> requests,
                        const std::function<void(BackendResult)>& on_done) override;

 private:
  int max_batch_;
  int threads_;
  DetectorConfig detector_;
  std::unique_ptr<engine::LoadedModel> model_;
};

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_ENGINE_BACKEND_H_
