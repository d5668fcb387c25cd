// Read-only bytes of a checkpoint or tokenizer file, and a bounds-checked cursor
// over them.
//
// MappedFile is an mmap of a whole file (zero copy: weight views point straight
// into it), or an owned heap copy of some bytes for tests and fuzzing. Every
// read a parser does goes through ByteReader, which checks the remaining length
// before touching memory, so a truncated or hostile file yields an error that
// names the field and the offset instead of an out-of-bounds read.
#ifndef DOOMSCOPE_ENGINE_MAPPED_FILE_H_
#define DOOMSCOPE_ENGINE_MAPPED_FILE_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace doomscope::engine {

class MappedFile {
 public:
  // Maps `path` read-only. An empty file is valid and has size() == 0.
  static absl::StatusOr<std::shared_ptr<const MappedFile>> Open(const std::string& path);
  // Copies `bytes` into a 64-byte aligned heap buffer; `name` stands in for the
  // path in error messages.
  static std::shared_ptr<const MappedFile> FromBytes(std::span<const std::byte> bytes,
                                                     std::string name);
  static std::shared_ptr<const MappedFile> FromString(std::string_view bytes, std::string name);

  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  const std::byte* data() const { return data_; }
  size_t size() const { return size_; }
  std::span<const std::byte> bytes() const { return {data_, size_}; }
  const std::string& path() const { return path_; }

 private:
  enum class Kind { kEmpty, kMmap, kHeap };
  MappedFile(Kind kind, const std::byte* data, size_t size, std::string path)
      : kind_(kind), data_(data), size_(size), path_(std::move(path)) {}

  Kind kind_;
  const std::byte* data_;
  size_t size_;
  std::string path_;
};

// A cursor over a byte span. Reads are little-endian. The first failed read
// records an error ("NAME: truncated at offset N reading FIELD ...") and every
// later read fails too, so callers can check once per logical step.
class ByteReader {
 public:
  ByteReader(std::span<const std::byte> bytes, std::string name)
      : bytes_(bytes), name_(std::move(name)) {}

  size_t offset() const { return offset_; }
  size_t remaining() const { return bytes_.size() - offset_; }
  size_t size() const { return bytes_.size(); }
  bool ok() const { return status_.ok(); }
  const absl::Status& status() const { return status_; }
  const std::string& name() const { return name_; }

  bool ReadU8(uint8_t* out, std::string_view field) { return ReadPod(out, field); }
  bool ReadU32(uint32_t* out, std::string_view field) { return ReadPod(out, field); }
  bool ReadI32(int32_t* out, std::string_view field) { return ReadPod(out, field); }
  bool ReadU64(uint64_t* out, std::string_view field) { return ReadPod(out, field); }
  bool ReadF32(float* out, std::string_view field) { return ReadPod(out, field); }
  // Returns a view of the next `n` bytes and advances past them.
  bool ReadSpan(size_t n, std::span<const std::byte>* out, std::string_view field);
  bool Skip(size_t n, std::string_view field);

  // Records `message` (prefixed with the name and current offset) as the error
  // unless one is already recorded; returns false for `return r.Fail(...)`.
  bool Fail(std::string_view message);
  // The recorded error, or a new one from `message` at the current offset.
  absl::Status Error(std::string_view message) const;

 private:
  template <typename T>
  bool ReadPod(T* out, std::string_view field) {
    if (!Need(sizeof(T), field)) return false;
    std::memcpy(out, bytes_.data() + offset_, sizeof(T));
    offset_ += sizeof(T);
    return true;
  }
  bool Need(size_t n, std::string_view field);

  std::span<const std::byte> bytes_;
  std::string name_;
  size_t offset_ = 0;
  absl::Status status_;
};

static_assert(std::endian::native == std::endian::little,
              "checkpoint readers assume a little-endian host");

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_MAPPED_FILE_H_
