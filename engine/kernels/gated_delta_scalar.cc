// The Gated DeltaNet kernels (gated_delta.h) for baseline x86-64 (SSE2): one
// 16-float vector per block (four xmm registers).
#define DOOMSCOPE_GATED_DELTA_VECS 1
#include "engine/kernels/gated_delta_impl.h"

namespace doomscope::engine::kernels {

const GatedDeltaKernels& GatedDeltaKernelsScalar() {
  static const GatedDeltaKernels table = TableOf(Isa::kScalar);
  return table;
}

}  // namespace doomscope::engine::kernels
