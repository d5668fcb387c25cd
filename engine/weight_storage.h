// What a ModelWeights' tensor views point into when they are not all in one
// mapped file: the files they still view, plus heap buffers for tensors that
// had to be rewritten on load (rows reordered, misaligned data copied, a
// --dtype conversion). ModelWeights::storage holds one of these.
#ifndef DOOMSCOPE_ENGINE_WEIGHT_STORAGE_H_
#define DOOMSCOPE_ENGINE_WEIGHT_STORAGE_H_

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

namespace doomscope::engine {

class WeightStorage {
 public:
  WeightStorage() = default;
  WeightStorage(const WeightStorage&) = delete;
  WeightStorage& operator=(const WeightStorage&) = delete;

  // Keeps `owner` (a mapped file, an earlier storage) alive as long as this.
  void Keep(std::shared_ptr<const void> owner) { kept_.push_back(std::move(owner)); }
  // `bytes` new bytes, 64-byte aligned (the kernels' best case), uninitialized.
  std::span<std::byte> Allocate(size_t bytes);
  // Bytes allocated so far (the part of the model that is not mapped).
  size_t allocated_bytes() const { return allocated_; }

 private:
  struct AlignedDelete {
    void operator()(std::byte* p) const;
  };
  std::vector<std::shared_ptr<const void>> kept_;
  std::vector<std::unique_ptr<std::byte[], AlignedDelete>> buffers_;
  size_t allocated_ = 0;
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_WEIGHT_STORAGE_H_
