// Writes safetensors files as the reference implementation does: the header
// (optional "__metadata__" first, then the tensors in the order added), padded
// with spaces so the data starts 8-byte aligned, then the tensors' bytes
// back to back with no gaps. Bytes are produced on demand, one tensor at a
// time, and the file is written atomically (atomic_file.h).
#ifndef DOOMSCOPE_ENGINE_SAFETENSORS_WRITER_H_
#define DOOMSCOPE_ENGINE_SAFETENSORS_WRITER_H_

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "engine/atomic_file.h"

namespace doomscope::engine {

class SafetensorsWriter {
 public:
  // Fills a tensor's bytes (exactly its size) when the file is written.
  using FillFn = std::function<void(std::span<std::byte> out)>;

  void AddMetadata(std::string key, std::string value);
  // Fails on a duplicate or reserved name, an unknown dtype or a size overflow.
  absl::Status AddTensor(std::string name, std::string dtype, std::vector<uint64_t> shape, FillFn fill);

  uint64_t FileSize() const;
  absl::Status WriteFile(const std::string& path) const;
  std::string WriteToString() const;

 private:
  struct Tensor {
    std::string name, dtype;
    std::vector<uint64_t> shape;
    uint64_t begin = 0, end = 0;
    FillFn fill;
  };
  std::string EncodeHeader() const;  // the 8-byte length and the padded JSON
  absl::Status Emit(const ByteSink& sink) const;

  std::vector<std::pair<std::string, std::string>> metadata_;
  std::vector<Tensor> tensors_;
  uint64_t data_size_ = 0;
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_SAFETENSORS_WRITER_H_
