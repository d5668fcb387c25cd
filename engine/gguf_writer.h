// Writes GGUF v3 files: metadata of any value type and tensors whose bytes are
// produced on demand, one tensor at a time, so multi-hundred-megabyte files are
// written without holding them in memory. The output is written to a temporary
// file and renamed into place, so a failed write leaves no partial file.
#ifndef DOOMSCOPE_ENGINE_GGUF_WRITER_H_
#define DOOMSCOPE_ENGINE_GGUF_WRITER_H_

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/gguf_reader.h"

namespace doomscope::engine {

class GgufWriter {
 public:
  // Fills a tensor's bytes (exactly its n_bytes) when the file is written.
  using FillFn = std::function<void(std::span<std::byte> out)>;

  // `alignment` must be a power of two; a non-default one is recorded as
  // general.alignment.
  explicit GgufWriter(uint32_t alignment = kGgufDefaultAlignment);

  void AddUint32(std::string key, uint32_t v);
  void AddInt32(std::string key, int32_t v);
  void AddUint64(std::string key, uint64_t v);
  void AddFloat32(std::string key, float v);
  void AddBool(std::string key, bool v);
  void AddString(std::string key, std::string v);
  void AddStringArray(std::string key, std::vector<std::string> v);
  void AddFloat32Array(std::string key, std::span<const float> v);
  void AddInt32Array(std::string key, std::span<const int32_t> v);
  // Any value, arrays of arrays included (`v` as GgufFile would read it back).
  void AddValue(std::string key, GgufValue v);

  // `ne` innermost first. Fails on a duplicate name, a bad shape or a type whose
  // block size does not divide ne[0].
  absl::Status AddTensor(std::string name, std::vector<int64_t> ne, uint32_t ggml_type, FillFn fill);
  absl::Status AddTensorBytes(std::string name, std::vector<int64_t> ne, uint32_t ggml_type,
                              std::span<const std::byte> bytes);

  // Bytes the file will have.
  uint64_t FileSize() const;
  absl::Status WriteFile(const std::string& path) const;
  std::string WriteToString() const;

 private:
  struct Tensor {
    GgufTensorInfo info;
    FillFn fill;
  };
  std::string EncodeHeader() const;  // everything before the data section, padded
  // Calls `sink` with the header, then each tensor's bytes and padding.
  absl::Status Emit(const std::function<absl::Status(std::span<const std::byte>)>& sink) const;

  uint32_t alignment_;
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  std::vector<Tensor> tensors_;
  uint64_t data_size_ = 0;
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_GGUF_WRITER_H_
