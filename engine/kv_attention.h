// One query head attending over the cached keys and values of one (slot,
// layer, kv head), whatever the cache's element type: float32 caches use the
// kernel table's attention_head; float16 and bfloat16 caches use the kernels
// here, which convert keys and values in registers and otherwise follow the
// same order of operations.
#ifndef DOOMSCOPE_ENGINE_KV_ATTENTION_H_
#define DOOMSCOPE_ENGINE_KV_ATTENTION_H_

#include "engine/kernels/kernels.h"
#include "engine/kv_cache.h"

namespace doomscope::engine {

// scores_t = q.k_t / sqrt(head_dim) for t in [0, n_pos), softmax, out = sum_t
// p_t v_t. `scores` is scratch of n_pos floats.
void AttendCachedHead(const kernels::KernelTable& k, const KvCache& cache, const float* q, int slot, int layer,
                      int kv_head, int n_pos, float* scores, float* out);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_KV_ATTENTION_H_
