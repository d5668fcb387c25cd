#include "runners/backend_config.h"

#include "runners/engine_backend.h"
#include "runners/replay_backend.h"

namespace doomscope {

absl::Status CheckBackendConfig(const SuiteConfig& suite) {
  if (suite.backend().has_replay()) return StoredGenerationsBackend::CheckConfig(suite);
  return BundledEngineBackend::CheckConfig(suite);
}

}  // namespace doomscope
