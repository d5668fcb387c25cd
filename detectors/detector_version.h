// The detectors' version string, stored with every finding and run manifest.
// Bump it whenever a default threshold or a definition changes, so results
// computed under different rules are never silently compared.
#ifndef DOOMSCOPE_DETECTORS_DETECTOR_VERSION_H_
#define DOOMSCOPE_DETECTORS_DETECTOR_VERSION_H_

namespace doomscope {

inline constexpr char kDetectorVersion[] = "doomscope-detectors/1";

}  // namespace doomscope

#endif  // DOOMSCOPE_DETECTORS_DETECTOR_VERSION_H_
