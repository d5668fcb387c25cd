#include "detectors/config_file.h"

#include "absl/strings/str_cat.h"
#include "results/textproto/textproto_file.h"

namespace doomscope {

absl::StatusOr<ResolvedConfig> LoadDetectorConfig(const std::string& path) {
  DetectorConfig config;
  if (!path.empty()) {
    if (absl::Status st = ReadTextProtoFile(path, &config); !st.ok()) {
      return absl::InvalidArgumentError(st.message());
    }
    if (absl::Status st = ValidateDetectorConfig(config); !st.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": ", st.message()));
    }
  }
  return ResolveConfig(config);
}

}  // namespace doomscope
