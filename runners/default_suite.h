// The suite `doomscope run` runs when no --suite is given: the four stage
// checkpoints of <shared>/models/stages-a (stories260K trained pretrain -> SFT
// -> DPO -> RL), greedy and sampled, as in that folder's README table. They ship
// with the shared data folder, so the default needs no download.
#ifndef DOOMSCOPE_RUNNERS_DEFAULT_SUITE_H_
#define DOOMSCOPE_RUNNERS_DEFAULT_SUITE_H_

#include <string>

#include "absl/status/statusor.h"

namespace doomscope {

// The default suite's text with absolute paths under `shared_dir`.
std::string DefaultSuiteText(const std::string& shared_dir);

// Checks that the default suite's files exist under `shared_dir`, writes the
// suite to OUT_DIR/default-suite.textproto (creating OUT_DIR) and returns that
// path. A missing shared folder is a NotFound error that says how to point at it.
absl::StatusOr<std::string> WriteDefaultSuite(const std::string& shared_dir, const std::string& out_dir);

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_DEFAULT_SUITE_H_
