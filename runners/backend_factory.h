// The backends a suite can name (`backend { engine {} }`, `backend { replay {} }`):
// their construction, in one place (their suite-file checks: backend_config.h).
#ifndef DOOMSCOPE_RUNNERS_BACKEND_FACTORY_H_
#define DOOMSCOPE_RUNNERS_BACKEND_FACTORY_H_

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "results/proto/suite.pb.h"
#include "runners/backend.h"

namespace doomscope {

// The backend of a suite: the bundled engine (default), or replay.
absl::StatusOr<std::unique_ptr<Backend>> MakeSuiteBackend(const SuiteConfig& suite, int threads);

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_BACKEND_FACTORY_H_
