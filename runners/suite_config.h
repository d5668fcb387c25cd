// Reading a suite (textproto of SuiteConfig): parse with errors that name
// FILE:LINE:COLUMN, resolve every path against the suite file's folder, fill
// in defaults, and validate what a run relies on.
#ifndef DOOMSCOPE_RUNNERS_SUITE_CONFIG_H_
#define DOOMSCOPE_RUNNERS_SUITE_CONFIG_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "results/proto/suite.pb.h"
#include "runners/engine_backend.h"

namespace doomscope {

inline constexpr int kDefaultSamples = 1;
inline constexpr int kDefaultMaxNewTokens = 256;
// Caps that keep a suite's plan and generations bounded (a typo such as
// samples: 2000000000 is an error, not hours of planning).
inline constexpr int kMaxSamples = 1'000'000;        // rollouts per item and sampling config
inline constexpr int kMaxNewTokens = 1 << 20;
inline constexpr int kMaxThreads = 4096;

// Parses `text` (named `file_name` in errors). Unknown fields, syntax errors
// and NaN or infinite numbers are InvalidArgument "FILE:LINE:COLUMN: message"
// (1-based). Relative paths
// are resolved against `base_dir`; then defaults are filled in and the config
// is validated (ValidateSuiteConfig).
absl::StatusOr<SuiteConfig> ParseSuiteConfig(std::string_view text, const std::string& file_name,
                                             const std::string& base_dir);

// Reads and parses the suite file at `path` (paths relative to its folder).
absl::StatusOr<SuiteConfig> LoadSuiteConfig(const std::string& path);

// Fills the documented defaults into unset fields: samples 1, max_new_tokens
// 256, top_p 1, repetition_penalty 1, engine backend with max_batch 32, and
// the suite name "suite".
void FillSuiteDefaults(SuiteConfig* config);

// Checks a resolved, defaulted config: at least one checkpoint, task and
// sampling config; names non-empty and unique per kind; every checkpoint has
// a stage; files exist (tokenizers, task prompt/data files, and what the
// backend needs: runners/backend_factory.h); sampling values in range;
// detector thresholds valid. Errors name the entry, e.g. `checkpoint "sft": path ...`.
absl::Status ValidateSuiteConfig(const SuiteConfig& config);

// `path` joined to `base_dir` unless it is absolute or empty, lexically normalized.
std::string ResolvePath(const std::string& base_dir, const std::string& path);

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_SUITE_CONFIG_H_
