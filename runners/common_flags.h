// Flags shared by several subcommands. Define a flag here when a second
// command needs it; a command's own flags live in its commands/*.cc file.
// (absl flags are global: two definitions of one name fail at startup.)
#ifndef DOOMSCOPE_RUNNERS_COMMON_FLAGS_H_
#define DOOMSCOPE_RUNNERS_COMMON_FLAGS_H_

#include <cstdint>
#include <string>

#include <optional>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "engine/model_weights.h"

ABSL_DECLARE_FLAG(std::string, input);
ABSL_DECLARE_FLAG(std::string, output);
ABSL_DECLARE_FLAG(bool, json);
ABSL_DECLARE_FLAG(int, threads);
ABSL_DECLARE_FLAG(uint64_t, seed);
ABSL_DECLARE_FLAG(std::string, model);
ABSL_DECLARE_FLAG(std::string, tokenizer);
ABSL_DECLARE_FLAG(std::string, dtype);
ABSL_DECLARE_FLAG(std::string, markdown);
ABSL_DECLARE_FLAG(std::string, html);
ABSL_DECLARE_FLAG(std::string, out);
ABSL_DECLARE_FLAG(std::string, suite);
ABSL_DECLARE_FLAG(std::string, shared);

namespace doomscope {
// The ../shared folder: --shared, else $DOOMSCOPE_SHARED, else "../shared".
std::string SharedDir();
// --dtype for commands that load a model: nullopt when not given.
absl::StatusOr<std::optional<engine::DType>> LoadDTypeFlag();
}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_COMMON_FLAGS_H_
