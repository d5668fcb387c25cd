#include "engine/kernels/kernels.h"

namespace doomscope::engine::kernels {

PackedMatrix::PackedMatrix(size_t bytes) : storage_(new std::byte[bytes + 64]()), bytes_(bytes) {
  const uintptr_t p = reinterpret_cast<uintptr_t>(storage_.get());
  aligned_ = storage_.get() + ((64 - p % 64) % 64);
}

PackedMatrix NoPacking(const TensorView&) { return {}; }

const KernelTable& KernelsFor(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return Avx512Kernels();
    case Isa::kAvx2: return Avx2Kernels();
    case Isa::kScalar: break;
  }
  return ScalarKernels();
}

}  // namespace doomscope::engine::kernels
