// Reader for safetensors files (Hugging Face's tensor container), validated
// completely before any tensor is used.
//
// Layout: a little-endian uint64 N, then N bytes of UTF-8 JSON (the header,
// padded with spaces), then the byte buffer. The header maps each tensor name
// to {"dtype": "BF16", "shape": [d0, d1, ...], "data_offsets": [begin, end]},
// offsets relative to the start of the buffer, row-major little-endian data;
// an optional "__metadata__" maps strings to strings.
//
// What is checked, each failure an InvalidArgument naming the file and, where
// there is one, the tensor:
//   - N is at most 100 MB (the format's own cap) and fits in the file; the
//     header starts with '{' and is one JSON object, nothing but spaces after;
//   - no key appears twice in any object; nesting is at most what the format
//     uses; "__metadata__" is an object of strings;
//   - every tensor has a known dtype, a shape of non-negative integers and two
//     integer offsets with begin <= end <= buffer size, and end - begin equals
//     the element count times the dtype's size (computed overflow-checked);
//   - the tensors' byte ranges neither overlap nor leave gaps: sorted by
//     offset they tile the buffer exactly, from 0 to its last byte. This is
//     the reference implementation's rule (safetensors' `validate`), so a file
//     doomscope accepts is one transformers loads too; bytes that belong to no
//     tensor are reported as a gap (between which tensors, how many bytes) or
//     as trailing bytes.
// Tensors are not guaranteed to be aligned in the file: a view's pointer is
// aligned only as far as its offset makes it.
#ifndef DOOMSCOPE_ENGINE_SAFETENSORS_READER_H_
#define DOOMSCOPE_ENGINE_SAFETENSORS_READER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "engine/mapped_file.h"
#include "engine/model_weights.h"

namespace doomscope::engine {

inline constexpr uint64_t kSafetensorsMaxHeaderBytes = 100'000'000;

// Bits per element of a safetensors dtype name ("BF16" -> 16, "F4" -> 4), or
// nullopt for a name the format does not define.
std::optional<int> SafetensorsDTypeBits(std::string_view dtype);
// The engine's DType for F32, F16 and BF16; nullopt for the others.
std::optional<DType> EngineDTypeOf(std::string_view safetensors_dtype);
// "F32", "F16", "BF16" (Q8_0 has no safetensors name: nullopt).
std::optional<std::string_view> SafetensorsNameOf(DType t);

struct SafetensorsTensor {
  std::string name;
  std::string dtype;                // as written, e.g. "BF16"
  std::vector<uint64_t> shape;      // empty for a scalar
  uint64_t numel = 0;               // product of shape (1 for a scalar)
  uint64_t begin = 0, end = 0;      // data_offsets, relative to the byte buffer
  std::span<const std::byte> data;  // the tensor's bytes in the file
};

class SafetensorsFile {
 public:
  // Validates `file` as described above; the result keeps `file` alive.
  static absl::StatusOr<SafetensorsFile> Parse(std::shared_ptr<const MappedFile> file);
  // Maps `path` and parses it.
  static absl::StatusOr<SafetensorsFile> Open(const std::string& path);

  const std::string& path() const { return file_->path(); }
  const std::shared_ptr<const MappedFile>& file() const { return file_; }
  // Tensors in header order.
  const std::vector<SafetensorsTensor>& tensors() const { return tensors_; }
  const SafetensorsTensor* Find(std::string_view name) const;
  // "__metadata__" entries in header order.
  const std::vector<std::pair<std::string, std::string>>& metadata() const { return metadata_; }
  // File offset of the byte buffer (8 + N).
  uint64_t data_offset() const { return data_offset_; }

 private:
  std::shared_ptr<const MappedFile> file_;
  std::vector<SafetensorsTensor> tensors_;
  absl::flat_hash_map<std::string, size_t> index_;
  std::vector<std::pair<std::string, std::string>> metadata_;
  uint64_t data_offset_ = 0;
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_SAFETENSORS_READER_H_
