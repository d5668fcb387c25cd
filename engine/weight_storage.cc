#include "engine/weight_storage.h"

#include <new>

namespace doomscope::engine {
namespace {

constexpr std::align_val_t kAlignment{64};

}  // namespace

void WeightStorage::AlignedDelete::operator()(std::byte* p) const { ::operator delete(p, kAlignment); }

std::span<std::byte> WeightStorage::Allocate(size_t bytes) {
  // operator new(0) still returns a unique pointer; keep the span's data non-null.
  auto* p = static_cast<std::byte*>(::operator new(bytes == 0 ? 1 : bytes, kAlignment));
  buffers_.emplace_back(p);
  allocated_ += bytes;
  return {p, bytes};
}

}  // namespace doomscope::engine
