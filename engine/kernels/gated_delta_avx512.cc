// The Gated DeltaNet kernels (gated_delta.h) for AVX-512: four 16-float vectors per block (four zmm registers).
#define DOOMSCOPE_GATED_DELTA_VECS 4
#include "engine/kernels/gated_delta_impl.h"

namespace doomscope::engine::kernels {

const GatedDeltaKernels& GatedDeltaKernelsAvx512() {
  static const GatedDeltaKernels table = TableOf(Isa::kAvx512);
  return table;
}

}  // namespace doomscope::engine::kernels
