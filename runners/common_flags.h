// Flags shared by several subcommands. Define a flag here when a second
// command needs it; a command's own flags live in its commands/*.cc file.
// (absl flags are global: two definitions of one name fail at startup.)
#ifndef DOOMSCOPE_RUNNERS_COMMON_FLAGS_H_
#define DOOMSCOPE_RUNNERS_COMMON_FLAGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/model_weights.h"

namespace doomscope {
// --threads: a count of worker threads (0 = all cores) or, for `bench`, a
// comma-separated list of counts to compare ("1,2,4"). Commands that run one
// count read it as an int: a list reads as -1, which they refuse
// ("--threads must be >= 0").
struct ThreadCounts {
  std::vector<int> counts = {0};
  operator int() const { return counts.size() == 1 ? counts[0] : -1; }  // NOLINT: implicit on purpose
};
bool AbslParseFlag(absl::string_view text, ThreadCounts* out, std::string* error);
std::string AbslUnparseFlag(const ThreadCounts& t);
}  // namespace doomscope

ABSL_DECLARE_FLAG(std::string, input);
ABSL_DECLARE_FLAG(std::string, output);
ABSL_DECLARE_FLAG(bool, json);
ABSL_DECLARE_FLAG(doomscope::ThreadCounts, threads);
ABSL_DECLARE_FLAG(uint64_t, seed);
ABSL_DECLARE_FLAG(std::string, model);
ABSL_DECLARE_FLAG(std::string, tokenizer);
ABSL_DECLARE_FLAG(std::string, dtype);
ABSL_DECLARE_FLAG(std::string, kv_type);
ABSL_DECLARE_FLAG(std::string, markdown);
ABSL_DECLARE_FLAG(std::string, html);
ABSL_DECLARE_FLAG(std::string, out);
ABSL_DECLARE_FLAG(std::string, suite);
ABSL_DECLARE_FLAG(std::string, shared);
ABSL_DECLARE_FLAG(std::string, host);
ABSL_DECLARE_FLAG(int, port);

namespace doomscope {
// The ../shared folder: --shared, else $DOOMSCOPE_SHARED, else "../shared".
std::string SharedDir();
// --dtype for commands that load a model: nullopt when not given.
absl::StatusOr<std::optional<engine::DType>> LoadDTypeFlag();
// --kv_type: f32, f16 or bf16 (an error naming the flag otherwise).
absl::StatusOr<engine::DType> KvTypeFlag();
}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_COMMON_FLAGS_H_
