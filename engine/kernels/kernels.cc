#include "engine/kernels/kernels.h"

#include "engine/kernels/attention.h"

namespace doomscope::engine::kernels {

PackedMatrix::PackedMatrix(size_t bytes) : storage_(new std::byte[bytes + 64]()), bytes_(bytes) {
  const uintptr_t p = reinterpret_cast<uintptr_t>(storage_.get());
  aligned_ = storage_.get() + ((64 - p % 64) % 64);
}

PackedMatrix NoPacking(const TensorView&) { return {}; }

void AttentionQueriesOneByOne(const KernelTable& k, std::span<const AttentionQuery> queries, const float* keys,
                              const float* values, int64_t stride, int head_dim, float* scores) {
  for (const AttentionQuery& query : queries) {
    k.attention_head(query.q, keys, values, stride, query.n_pos, head_dim, scores, query.out);
    scores += query.n_pos;
  }
}

const KernelTable& KernelsFor(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return Avx512Kernels();
    case Isa::kAvx2: return Avx2Kernels();
    case Isa::kScalar: break;
  }
  return ScalarKernels();
}

}  // namespace doomscope::engine::kernels
