// Writing a file so that readers never see a partial one: the bytes go to a
// temporary file beside it, which is renamed over `path` only after every
// byte was written and the file closed. A failure removes the temporary file.
#ifndef DOOMSCOPE_ENGINE_ATOMIC_FILE_H_
#define DOOMSCOPE_ENGINE_ATOMIC_FILE_H_

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace doomscope::engine {

// Appends bytes to the file being written.
using ByteSink = std::function<absl::Status(std::span<const std::byte> bytes)>;

// Calls `emit` with a sink into the temporary file, then renames it to `path`.
absl::Status WriteFileAtomically(const std::string& path, const std::function<absl::Status(const ByteSink&)>& emit);
absl::Status WriteFileAtomically(const std::string& path, std::string_view contents);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_ATOMIC_FILE_H_
