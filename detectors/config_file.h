// A DetectorConfig from a text-format file (`detect --detector_config`):
// overrides only; unset fields keep the DETECTORS.md defaults.
#ifndef DOOMSCOPE_DETECTORS_CONFIG_FILE_H_
#define DOOMSCOPE_DETECTORS_CONFIG_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "detectors/config_defaults.h"

namespace doomscope {

// Reads, validates and resolves `path`; an empty path gives the defaults.
// Errors name the file, and the line and column or the field.
absl::StatusOr<ResolvedConfig> LoadDetectorConfig(const std::string& path);

}  // namespace doomscope

#endif  // DOOMSCOPE_DETECTORS_CONFIG_FILE_H_
