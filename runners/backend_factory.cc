#include "runners/backend_factory.h"

#include "runners/engine_backend.h"
#include "runners/replay_backend.h"

namespace doomscope {

absl::StatusOr<std::unique_ptr<Backend>> MakeSuiteBackend(const SuiteConfig& suite, int threads) {
  if (suite.backend().has_replay()) {
    absl::StatusOr<std::unique_ptr<StoredGenerationsBackend>> replay =
        StoredGenerationsBackend::Open(suite.backend().replay().path());
    if (!replay.ok()) return replay.status();
    return std::unique_ptr<Backend>(std::move(*replay));
  }
  return std::unique_ptr<Backend>(std::make_unique<BundledEngineBackend>(suite.backend().engine().max_batch(), threads));
}

}  // namespace doomscope
