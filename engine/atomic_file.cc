#include "engine/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace doomscope::engine {

absl::Status WriteFileAtomically(const std::string& path, const std::function<absl::Status(const ByteSink&)>& emit) {
  const std::string tmp = absl::StrCat(path, ".tmp-", ::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    return absl::PermissionDeniedError(absl::StrCat(tmp, ": cannot create: ", std::strerror(errno)));
  }
  absl::Status s = emit([&](std::span<const std::byte> bytes) {
    if (std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) {
      return absl::DataLossError(absl::StrCat(tmp, ": write failed: ", std::strerror(errno)));
    }
    return absl::OkStatus();
  });
  if (std::fclose(f) != 0 && s.ok()) {
    s = absl::DataLossError(absl::StrCat(tmp, ": close failed: ", std::strerror(errno)));
  }
  if (s.ok() && std::rename(tmp.c_str(), path.c_str()) != 0) {
    s = absl::PermissionDeniedError(absl::StrCat(path, ": cannot rename ", tmp, ": ", std::strerror(errno)));
  }
  if (!s.ok()) std::remove(tmp.c_str());
  return s;
}

absl::Status WriteFileAtomically(const std::string& path, std::string_view contents) {
  return WriteFileAtomically(
      path, [&](const ByteSink& sink) { return sink(std::as_bytes(std::span(contents.data(), contents.size()))); });
}

}  // namespace doomscope::engine
