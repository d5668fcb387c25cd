// The Gated DeltaNet kernels (gated_delta.h) for AVX2: two 16-float vectors per block (four ymm registers).
#define DOOMSCOPE_GATED_DELTA_VECS 2
#include "engine/kernels/gated_delta_impl.h"

namespace doomscope::engine::kernels {

const GatedDeltaKernels& GatedDeltaKernelsAvx2() {
  static const GatedDeltaKernels table = TableOf(Isa::kAvx2);
  return table;
}

}  // namespace doomscope::engine::kernels
