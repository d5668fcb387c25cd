// The run manifest of a suite (what ran: config, hashes of the files that
// decide the generations, versions) and what changed since a previous one.
#ifndef DOOMSCOPE_RUNNERS_RUN_MANIFEST_H_
#define DOOMSCOPE_RUNNERS_RUN_MANIFEST_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "results/proto/record.pb.h"
#include "results/proto/suite.pb.h"
#include "runners/backend.h"

namespace doomscope {

// The manifest for `suite` run by `backend`: config (detector thresholds
// filled in), sha256 of every file the backend names (every file of a folder),
// the backend's version, doomscope's and the detectors'.
absl::StatusOr<RunManifest> BuildManifest(const SuiteConfig& suite, const std::string& suite_path,
                                          const Backend& backend);

// Names of checkpoints of `current` whose files (paths or hashes) or stage
// differ from those recorded in `previous` for the checkpoint of the same name.
std::vector<std::string> ChangedCheckpoints(const RunManifest& previous, const RunManifest& current);

// The hash of a checkpoint's (first) file in a manifest, "" when it has none
// (replay).
std::string CheckpointSha256(const RunManifest& manifest, const CheckpointConfig& checkpoint);

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_RUN_MANIFEST_H_
