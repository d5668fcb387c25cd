// Reader for GGUF files (versions 2 and 3, little-endian): the metadata
// key/values (every value type, arrays included, nested up to a small depth)
// and the tensor directory, validated against the file's bytes.
//
// Layout: "GGUF", uint32 version, uint64 tensor_count, uint64 kv_count; kv_count
// times (string key, uint32 value type, value); tensor_count times (string name,
// uint32 n_dims, uint64 ne[n_dims], uint32 ggml type, uint64 offset); padding to
// `general.alignment` (default 32); the tensor data. Strings are uint64 length
// + bytes. ne[0] is the innermost (fastest-varying) dimension, so a row-major
// [rows][cols] matrix has ne = {cols, rows}. Tensor offsets are relative to the
// start of the data section and multiples of the alignment.
#ifndef DOOMSCOPE_ENGINE_GGUF_READER_H_
#define DOOMSCOPE_ENGINE_GGUF_READER_H_

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

namespace doomscope::engine {

inline constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" read as little-endian uint32
inline constexpr uint32_t kGgufDefaultAlignment = 32;

enum class GgufType : uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};
const char* GgufTypeName(GgufType t);

// ggml tensor element types by their GGUF id (the subset doomscope knows by name).
enum class GgmlType : uint32_t {
  kF32 = 0, kF16 = 1, kQ4_0 = 2, kQ4_1 = 3, kQ5_0 = 6, kQ5_1 = 7, kQ8_0 = 8, kQ8_1 = 9,
  kQ2_K = 10, kQ3_K = 11, kQ4_K = 12, kQ5_K = 13, kQ6_K = 14, kQ8_K = 15,
  kIQ2_XXS = 16, kIQ2_XS = 17, kIQ3_XXS = 18, kIQ1_S = 19, kIQ4_NL = 20, kIQ3_S = 21,
  kIQ2_S = 22, kIQ4_XS = 23, kI8 = 24, kI16 = 25, kI32 = 26, kI64 = 27, kF64 = 28,
  kIQ1_M = 29, kBF16 = 30, kTQ1_0 = 34, kTQ2_0 = 35,
};
// "Q8_0", ..., or "type N" for ids it does not know.
std::string GgmlTypeName(uint32_t type);
// Elements per block and bytes per block; nullopt for types whose layout this
// reader does not know (their tensors are rejected).
struct GgmlBlockLayout {
  uint32_t block_elements;
  uint32_t block_bytes;
};
std::optional<GgmlBlockLayout> GgmlLayout(uint32_t type);

// One metadata value. Scalars use the field matching `type`; arrays hold their
// elements in the vector matching `array_type`.
struct GgufValue {
  GgufType type = GgufType::kUint8;
  uint64_t uint_value = 0;   // kUint8/16/32/64 and kBool
  int64_t int_value = 0;     // kInt8/16/32/64
  double float_value = 0;    // kFloat32/64
  std::string string_value;  // kString
  GgufType array_type = GgufType::kUint8;
  std::vector<uint64_t> array_uints;       // unsigned and bool elements
  std::vector<int64_t> array_ints;         // signed elements
  std::vector<double> array_floats;        // float elements
  std::vector<std::string> array_strings;  // string elements
  std::vector<GgufValue> array_arrays;     // nested arrays
  uint64_t array_size = 0;

  bool is_integer() const;  // any scalar integer type (not bool)
};

struct GgufTensorInfo {
  std::string name;
  std::vector<int64_t> ne;  // ne[0] innermost
  uint32_t type = 0;        // ggml type id
  uint64_t offset = 0;      // from the start of the data section
  uint64_t n_elements = 0;
  uint64_t n_bytes = 0;
};

// Upper bounds checked while parsing (besides "fits in the remaining bytes").
inline constexpr uint64_t kGgufMaxKeyLength = 65535;
inline constexpr uint64_t kGgufMaxTensorNameLength = 1024;
inline constexpr uint32_t kGgufMaxDims = 4;
inline constexpr int kGgufMaxArrayDepth = 4;
inline constexpr uint32_t kGgufMaxAlignment = 1u << 16;

class GgufFile {
 public:
  static absl::StatusOr<GgufFile> Open(const std::string& path);
  static absl::StatusOr<GgufFile> Parse(std::shared_ptr<const MappedFile> file);

  const std::string& path() const { return file_->path(); }
  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }
  const std::shared_ptr<const MappedFile>& file() const { return file_; }

  const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return metadata_; }
  const GgufValue* Find(std::string_view key) const;

  // Typed getters: an error names the key when it is missing or of the wrong
  // type. Integer getters accept any integer type whose value fits.
  absl::StatusOr<uint64_t> GetUint(std::string_view key) const;
  absl::StatusOr<int64_t> GetInt(std::string_view key) const;
  absl::StatusOr<double> GetFloat(std::string_view key) const;  // float32 or float64
  absl::StatusOr<bool> GetBool(std::string_view key) const;
  absl::StatusOr<std::string> GetString(std::string_view key) const;
  // The same, with a default when the key is absent (still an error if present with a bad type).
  absl::StatusOr<uint64_t> GetUintOr(std::string_view key, uint64_t fallback) const;
  absl::StatusOr<double> GetFloatOr(std::string_view key, double fallback) const;
  absl::StatusOr<bool> GetBoolOr(std::string_view key, bool fallback) const;
  // Arrays: the elements of an array of strings / floats / integers (any int type).
  absl::StatusOr<const std::vector<std::string>*> GetStringArray(std::string_view key) const;
  absl::StatusOr<const std::vector<double>*> GetFloatArray(std::string_view key) const;
  absl::StatusOr<std::vector<int64_t>> GetIntArray(std::string_view key) const;

  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* FindTensor(std::string_view name) const;
  // The tensor's bytes inside the mapping (bounds were checked by Parse).
  std::span<const std::byte> TensorData(const GgufTensorInfo& t) const;

 private:
  GgufFile() = default;
  friend class GgufParser;

  std::shared_ptr<const MappedFile> file_;
  uint32_t version_ = 0;
  uint32_t alignment_ = kGgufDefaultAlignment;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  absl::flat_hash_map<std::string, size_t> metadata_index_;
  std::vector<GgufTensorInfo> tensors_;
  absl::flat_hash_map<std::string, size_t> tensor_index_;
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_GGUF_READER_H_
