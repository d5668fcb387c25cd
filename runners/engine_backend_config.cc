// The suite-file checks of `backend { engine { } }`, apart from the backend
// itself so that reading a suite loads no model (runners/CMakeLists.txt's
// doomscope_suite); only the engine's dtype names are linked from it.
#include <filesystem>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/synth_model.h"
#include "runners/engine_backend.h"

namespace doomscope {
namespace {

absl::Status CheckFileExists(const std::string& what, const std::string& path) {
  std::error_code ec;
  if (path.empty()) return absl::InvalidArgumentError(absl::StrCat(what, ": no path given"));
  if (!std::filesystem::exists(path, ec)) return absl::NotFoundError(absl::StrCat(what, ": ", path, " does not exist"));
  return absl::OkStatus();
}

}  // namespace

absl::Status BundledEngineBackend::CheckConfig(const SuiteConfig& suite) {
  for (const CheckpointConfig& c : suite.checkpoint()) {
    if (absl::Status s = CheckFileExists(absl::StrCat("checkpoint \"", c.name(), "\": path"), c.path()); !s.ok()) {
      return s;
    }
    if (!c.dtype().empty()) {
      if (absl::StatusOr<engine::DType> d = engine::ParseDType(c.dtype()); !d.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("checkpoint \"", c.name(), "\": dtype: ", d.status().message()));
      }
    }
  }
  const int max_batch = suite.backend().engine().max_batch();
  if (max_batch < 1 || max_batch > kMaxEngineMaxBatch) {
    return absl::InvalidArgumentError(absl::StrCat("backend.engine.max_batch must be in [1, ", kMaxEngineMaxBatch,
                                                   "], got ", max_batch));
  }
  return absl::OkStatus();
}

}  // namespace doomscope
