// Interim: the bundled engine's batched generator (engine/generator.h) is not
// in the tree yet, so this backend reports that clearly instead of generating.
// Suites with `backend { replay { ... } }` run fully. The generator-based
// implementation replaces this file once engine/generator.h lands.
#include "runners/engine_backend.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace doomscope {
namespace {
absl::Status NotInBuild() {
  return absl::FailedPreconditionError(
      "the bundled engine's batched generator is not in this build yet; run stored generations with "
      "backend { replay { path: \"gens.jsonl\" } }");
}
}  // namespace

std::string EngineVersion() { return "doomscope-engine/none"; }

BundledEngineBackend::BundledEngineBackend(int max_batch, int threads, const DetectorConfig& detector)
    : max_batch_(max_batch), threads_(threads), detector_(detector) {}

absl::Status BundledEngineBackend::LoadCheckpoint(const CheckpointConfig& checkpoint) {
  absl::StatusOr<engine::LoadedModel> loaded = engine::LoadModel(checkpoint.path(), checkpoint.tokenizer());
  if (!loaded.ok()) return loaded.status();
  model_ = std::make_unique<engine::LoadedModel>(std::move(*loaded));
  return absl::OkStatus();
}

std::string BundledEngineBackend::Detokenize(const std::vector<int32_t>& tokens) const {
  return model_ == nullptr ? std::string() : model_->tokenizer.Decode(tokens);
}

absl::Status BundledEngineBackend::Generate(std::vector<BackendRequest>, const std::function<void(BackendResult)>&) {
  return NotInBuild();
}

}  // namespace doomscope
