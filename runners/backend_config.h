// The suite-file checks of the backend a suite names (files it needs, limits),
// each backend's own; part of suite validation, and linked without the
// backends themselves.
#ifndef DOOMSCOPE_RUNNERS_BACKEND_CONFIG_H_
#define DOOMSCOPE_RUNNERS_BACKEND_CONFIG_H_

#include "absl/status/status.h"
#include "results/proto/suite.pb.h"

namespace doomscope {

absl::Status CheckBackendConfig(const SuiteConfig& suite);

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_BACKEND_CONFIG_H_
