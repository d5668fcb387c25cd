// Attention kernels beyond the per-ISA tables' shared ones (kernels.h's
// attention_head contract).
#ifndef DOOMSCOPE_ENGINE_KERNELS_ATTENTION_H_
#define DOOMSCOPE_ENGINE_KERNELS_ATTENTION_H_

#include <cstdint>
#include <span>

#include "engine/kernels/kernels.h"

namespace doomscope::engine::kernels {

// AVX-512: 16 positions' scores at a time, 16-lane value sums. Head sizes
// that are not a multiple of 16 (or above 256) go to the AVX2 kernel.
void AttentionHeadAvx512(const float* q, const float* k, const float* v, int64_t stride, int n_pos, int head_dim,
                         float* scores, float* out);
void AttentionQueriesAvx512(std::span<const AttentionQuery> queries, const float* k, const float* v, int64_t stride,
                            int head_dim, float* scores);

// attention_queries as `k.attention_head` once per query: the tables without
// a kernel of their own (and head sizes the AVX-512 one does not take).
void AttentionQueriesOneByOne(const KernelTable& k, std::span<const AttentionQuery> queries, const float* keys,
                              const float* values, int64_t stride, int head_dim, float* scores);

}  // namespace doomscope::engine::kernels

#endif  // DOOMSCOPE_ENGINE_KERNELS_ATTENTION_H_
