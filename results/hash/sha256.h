// SHA-256 through OpenSSL's EVP digests (libcrypto is in the binary already,
// through cpp-httplib): the checkpoint and tokenizer hashes a run manifest
// stores, so a resumed run notices a changed file, and the stable sample ids.
#ifndef DOOMSCOPE_RESULTS_HASH_SHA256_H_
#define DOOMSCOPE_RESULTS_HASH_SHA256_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace doomscope {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const void* data, size_t size);
  void Update(std::string_view bytes) { Update(bytes.data(), bytes.size()); }
  // The digest; the object must not be updated afterwards.
  std::array<uint8_t, 32> Finish();

 private:
  struct Context;
  std::unique_ptr<Context> ctx_;
};

// Lower-case hex of the digest of `bytes`.
std::string Sha256Hex(std::string_view bytes);

// Lower-case hex of the digest of a file's contents (streamed, not loaded
// whole). The file is opened with OpenRegularFile: a FIFO or a folder is an
// error, never a hang.
absl::StatusOr<std::string> Sha256File(const std::string& path);

}  // namespace doomscope

#endif  // DOOMSCOPE_RESULTS_HASH_SHA256_H_
