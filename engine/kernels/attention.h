// Attention kernels beyond the per-ISA tables' shared ones (kernels.h's
// attention_head contract).
#ifndef DOOMSCOPE_ENGINE_KERNELS_ATTENTION_H_
#define DOOMSCOPE_ENGINE_KERNELS_ATTENTION_H_

#include <cstdint>

namespace doomscope::engine::kernels {

// AVX-512: 16 positions' scores at a time, 16-lane value sums. Head sizes
// that are not a multiple of 16 (or above 256) go to the AVX2 kernel.
void AttentionHeadAvx512(const float* q, const float* k, const float* v, int64_t stride, int n_pos, int head_dim,
                         float* scores, float* out);

}  // namespace doomscope::engine::kernels

#endif  // DOOMSCOPE_ENGINE_KERNELS_ATTENTION_H_
