#include "results/hash/sha256.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "results/files/regular_file.h"

namespace doomscope {
namespace {

std::string ToHex(const std::array<uint8_t, 32>& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (uint8_t b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

// EVP calls fail only when OpenSSL cannot allocate or is broken; a digest
// silently computed wrong would corrupt every sample id, so stop instead.
void CheckEvp(int ok, const char* what) {
  if (ok != 1) {
    std::fprintf(stderr, "doomscope: OpenSSL %s failed\n", what);
    std::abort();
  }
}

}  // namespace

struct Sha256::Context {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ~Context() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : ctx_(std::make_unique<Context>()) {
  CheckEvp(ctx_->md != nullptr ? 1 : 0, "EVP_MD_CTX_new");
  CheckEvp(EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr), "EVP_DigestInit_ex");
}

Sha256::~Sha256() = default;

void Sha256::Update(const void* data, size_t size) {
  if (size > 0) CheckEvp(EVP_DigestUpdate(ctx_->md, data, size), "EVP_DigestUpdate");
}

std::array<uint8_t, 32> Sha256::Finish() {
  std::array<uint8_t, 32> digest{};
  unsigned int len = 0;
  CheckEvp(EVP_DigestFinal_ex(ctx_->md, digest.data(), &len), "EVP_DigestFinal_ex");
  CheckEvp(len == digest.size() ? 1 : 0, "SHA-256 digest length");
  return digest;
}

std::string Sha256Hex(std::string_view bytes) {
  Sha256 sha;
  sha.Update(bytes);
  return ToHex(sha.Finish());
}

absl::StatusOr<std::string> Sha256File(const std::string& path) {
  absl::StatusOr<ScopedFd> fd = OpenRegularFile(path);
  if (!fd.ok()) return fd.status();
  Sha256 sha;
  std::string buffer(1 << 16, '\0');
  while (true) {
    const ssize_t n = ::read(fd->get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::DataLossError(absl::StrCat(path, ": read error while hashing: ", std::strerror(errno)));
    }
    if (n == 0) break;
    sha.Update(buffer.data(), static_cast<size_t>(n));
  }
  return ToHex(sha.Finish());
}

}  // namespace doomscope
