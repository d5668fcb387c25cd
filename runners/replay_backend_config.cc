// The suite-file check of `backend { replay { path } }`, apart from the
// backend itself (see engine_backend_config.cc).
#include <filesystem>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "runners/replay_backend.h"

namespace doomscope {

absl::Status StoredGenerationsBackend::CheckConfig(const SuiteConfig& suite) {
  const std::string& path = suite.backend().replay().path();
  std::error_code ec;
  if (path.empty()) return absl::InvalidArgumentError("backend.replay.path: no path given");
  if (!std::filesystem::exists(path, ec)) {
    return absl::NotFoundError(absl::StrCat("backend.replay.path: ", path, " does not exist"));
  }
  return absl::OkStatus();
}

}  // namespace doomscope
