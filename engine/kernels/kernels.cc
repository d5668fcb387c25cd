#include "engine/kernels/kernels.h"

namespace doomscope::engine::kernels {

const KernelTable& KernelsFor(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return Avx512Kernels();
    case Isa::kAvx2: return Avx2Kernels();
    case Isa::kScalar: break;
  }
  return ScalarKernels();
}

}  // namespace doomscope::engine::kernels
