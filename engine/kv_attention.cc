#include "engine/kv_attention.h"

#include <cmath>
#include <cstring>

#include "engine/quantize.h"

namespace doomscope::engine {
namespace {

// The scalar attention over 16-bit keys and values: kernels_scalar.cc's
// AttentionHead with each element converted to float32 (exactly) as it is read.
void AttendHead16(const kernels::KernelTable& kt, const std::byte* k, const std::byte* v, bool bf16, int n_pos,
                  int head_dim, const float* q, float* scores, float* out) {
  auto at = [bf16](const std::byte* p, size_t i) {
    uint16_t h;
    std::memcpy(&h, p + 2 * i, 2);
    return bf16 ? BFloat16ToFloat(h) : HalfToFloat(h);
  };
  const float scale = std::sqrt(static_cast<float>(head_dim));
  for (int t = 0; t < n_pos; ++t) {
    float score = 0.0f;
    for (int i = 0; i < head_dim; ++i) score += q[i] * at(k, static_cast<size_t>(t) * head_dim + i);
    scores[t] = score / scale;
  }
  kt.softmax(scores, n_pos);
  for (int i = 0; i < head_dim; ++i) out[i] = 0.0f;
  for (int t = 0; t < n_pos; ++t) {
    for (int i = 0; i < head_dim; ++i) out[i] += scores[t] * at(v, static_cast<size_t>(t) * head_dim + i);
  }
}

}  // namespace

void AttendCachedHead(const kernels::KernelTable& k, const KvCache& cache, const float* q, int slot, int layer,
                      int kv_head, int n_pos, float* scores, float* out) {
  const int hd = cache.head_dim();
  const std::byte* keys = cache.KeyBlock(slot, layer, kv_head);
  const std::byte* values = cache.ValueBlock(slot, layer, kv_head);
  if (cache.dtype() == DType::kF32) {
    k.attention_head(q, reinterpret_cast<const float*>(keys), reinterpret_cast<const float*>(values), hd, n_pos, hd,
                     scores, out);
    return;
  }
  AttendHead16(k, keys, values, cache.dtype() == DType::kBF16, n_pos, hd, q, scores, out);
}

}  // namespace doomscope::engine
