// Attention over a float16 or bfloat16 KV cache, reading each key and value
// at its stored width and widening it in registers (a decode step at long
// contexts is bound by the bytes of the cache it reads: half of a float32
// cache's). The query heads that share a key/value head run one after the
// other over the same rows, which the first one brought into cache.
//
// Per query head, as the float32 kernels: scores_t = q.k_t * (1 / sqrt(d)),
// the kernel table's softmax, out = sum_t p_t v_t. The AVX-512 path (d of 16,
// 32, 64 or 128) widens each key and value row once for all the query heads
// of the group; the AVX2 path (d % 8 == 0) runs them one after the other over
// rows the first brought into cache. Both sum each dot product over fixed
// lanes folded by one fixed tree, and a head's result does not depend on the
// group it ran in, so a row's result depends only on its own sequence, never
// on the batch or the threads; they agree with the scalar reference to float32
// rounding (tests/engine/kv_cache_test.cc).
#ifndef DOOMSCOPE_ENGINE_KV_ATTENTION16_H_
#define DOOMSCOPE_ENGINE_KV_ATTENTION16_H_

#include <cstddef>

#include "engine/cpu_features.h"
#include "engine/kernels/kernels.h"
#include "engine/model_weights.h"

namespace doomscope::engine {

// `group` query heads (q: [group][head_dim], out: [group][head_dim]) over
// positions [0, n_pos) of one head's keys and values ([n_pos][head_dim] of
// `dtype`, kF16 or kBF16). `scores` is scratch of group * n_pos floats. Uses
// the SIMD path of `k.isa` where the head size allows.
void AttendGroup16(const kernels::KernelTable& k, DType dtype, const float* q, int group, const std::byte* keys,
                   const std::byte* values, int n_pos, int head_dim, float* scores, float* out);

// The scalar reference of the same (what tests compare the SIMD paths to).
void AttendGroup16Scalar(const kernels::KernelTable& k, DType dtype, const float* q, int group,
                         const std::byte* keys, const std::byte* values, int n_pos, int head_dim, float* scores,
                         float* out);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_KV_ATTENTION16_H_
