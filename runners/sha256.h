// SHA-256 (FIPS 180-4), used for the checkpoint and tokenizer hashes a run
// manifest stores, so a resumed run notices a changed file.
#ifndef DOOMSCOPE_RUNNERS_SHA256_H_
#define DOOMSCOPE_RUNNERS_SHA256_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace doomscope {

class Sha256 {
 public:
  Sha256();
  void Update(const void* data, size_t size);
  void Update(std::string_view bytes) { Update(bytes.data(), bytes.size()); }
  // The digest; the object must not be updated afterwards.
  std::array<uint8_t, 32> Finish();

 private:
  void Block(const uint8_t* block);
  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// Lower-case hex of the digest of `bytes`.
std::string Sha256Hex(std::string_view bytes);

// Lower-case hex of the digest of a file's contents (streamed, not loaded whole).
absl::StatusOr<std::string> Sha256File(const std::string& path);

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_SHA256_H_
