// Reading a jury (results/proto/jury.proto): the `jury { }` block of a suite,
// or a file of its own for `doomscope judge DIR --jury FILE`. Paths are
// resolved against the folder of the file that holds them, like checkpoints.
#ifndef DOOMSCOPE_RUNNERS_JURY_CONFIG_H_
#define DOOMSCOPE_RUNNERS_JURY_CONFIG_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "results/proto/jury.pb.h"

namespace doomscope {

void ResolveJuryPaths(const std::string& base_dir, JuryConfig* jury);

// At least one judge; names non-empty and unique; each judge has a kind (a
// rule its check; a logprob judge an existing checkpoint; an openai judge a
// base_url and a model, a finite positive scale); quorum within the panel;
// pass_threshold in [0, 1]. Errors name the judge: `judge "lp": ...`.
absl::Status ValidateJuryConfig(const JuryConfig& jury);

// Parses a JuryConfig textproto (errors "FILE:LINE:COLUMN: ..."), resolves
// its paths against the file's folder and validates it.
absl::StatusOr<JuryConfig> LoadJuryConfig(const std::string& path);

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_JURY_CONFIG_H_
