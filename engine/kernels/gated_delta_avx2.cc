// The Gated DeltaNet kernels (gated_delta.h) for AVX2: two 16-float vectors per block (four ymm registers).
#define DOOMSCOPE_GATED_DELTA_VECS 2
#include "engine/kernels/gated_delta_impl.h"

namespace doomscope::engine::kernels {

const GatedDeltaKernels& GatedDeltaKernelsAvx2() {
  static const GatedDeltaKernels table = {.isa = Isa::kAvx2,
                                          .recurrent = Recurrent,
                                          .chunked = Chunked,
                                          .conv_silu = ConvSilu,
                                          .l2_normalize = L2Normalize,
                                          .gated_rms_norm = GatedRmsNorm};
  return table;
}

}  // namespace doomscope::engine::kernels
