// Scalar reference kernels: run.c's float32 arithmetic, operation for
// operation (sequential sums, separate multiply and add). Compiled without ISA
// flags and in ISO C++ mode (-ffp-contract=off), so the compiler cannot fuse
// or reorder them; on a machine without AVX2 they are also the production path.
#include <cmath>
#include <cstring>

#include "engine/kernels/attention.h"
#include "engine/kernels/kernels.h"
#include "engine/kernels/matmul_bf16.h"
#include "engine/kernels/matmul_q8.h"
#include "engine/quantize.h"

namespace doomscope::engine::kernels {
namespace {

// Weight element k of a row, converted exactly to float.
template <DType kType>
float WeightAt(const std::byte* row, int64_t k) {
  if constexpr (kType == DType::kF32) {
    float v;
    std::memcpy(&v, row + 4 * k, 4);
    return v;
  } else {
    static_assert(kType == DType::kF16 || kType == DType::kBF16);
    uint16_t h;
    std::memcpy(&h, row + 2 * k, 2);
    return kType == DType::kF16 ? HalfToFloat(h) : BFloat16ToFloat(h);
  }
}

template <DType kType>
void MatmulTyped(const MatmulArgs& a) {
  const int64_t K = a.w.cols;
  const size_t row_bytes = DTypeBytes(kType, static_cast<size_t>(K));
  for (int64_t r = a.row_begin; r < a.row_end; ++r) {
    const std::byte* row = a.w.data + static_cast<size_t>(r) * row_bytes;
    for (int n = 0; n < a.n_rows; ++n) {
      const float* x = a.x + n * a.ldx;
      float val = 0.0f;
      for (int64_t k = 0; k < K; ++k) val += WeightAt<kType>(row, k) * x[k];
      float& out = a.y[n * a.ldy + r];
      out = a.accumulate ? out + val : val;
    }
  }
}

void Matmul(const MatmulArgs& a) {
  switch (a.w.dtype) {
    case DType::kF32: return MatmulTyped<DType::kF32>(a);
    case DType::kF16: return MatmulTyped<DType::kF16>(a);
    case DType::kBF16: return a.bf16_f32_activations ? MatmulTyped<DType::kBF16>(a) : MatmulBf16Scalar(a);
    case DType::kQ8_0: return MatmulQ8Scalar(a);
  }
}

void RmsNorm(const float* x, const float* weight, int n, float eps, float* out) {
  float ss = 0.0f;
  for (int j = 0; j < n; ++j) ss += x[j] * x[j];
  ss /= n;
  ss += eps;
  ss = 1.0f / std::sqrt(ss);
  for (int j = 0; j < n; ++j) out[j] = weight[j] * (ss * x[j]);
}

void Softmax(float* x, int n) {
  float max_val = x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] > max_val) max_val = x[i];
  }
  float sum = 0.0f;
  for (int i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max_val);
    sum += x[i];
  }
  for (int i = 0; i < n; ++i) x[i] /= sum;
}

void AttentionHead(const float* q, const float* k, const float* v, int64_t stride, int n_pos,
                   int head_dim, float* scores, float* out) {
  const float scale = std::sqrt(static_cast<float>(head_dim));
  for (int t = 0; t < n_pos; ++t) {
    const float* kt = k + t * stride;
    float score = 0.0f;
    for (int i = 0; i < head_dim; ++i) score += q[i] * kt[i];
    scores[t] = score / scale;
  }
  Softmax(scores, n_pos);
  for (int i = 0; i < head_dim; ++i) out[i] = 0.0f;
  for (int t = 0; t < n_pos; ++t) {
    const float* vt = v + t * stride;
    const float a = scores[t];
    for (int i = 0; i < head_dim; ++i) out[i] += a * vt[i];
  }
}

void SwiGlu(const float* gate, const float* up, int n, float* out) {
  for (int i = 0; i < n; ++i) {
    float val = gate[i];
    val *= (1.0f / (1.0f + std::exp(-val)));
    val *= up[i];
    out[i] = val;
  }
}

void Add(const float* x, int n, float* y) {
  for (int i = 0; i < n; ++i) y[i] += x[i];
}

constexpr int kScalarAccumulators = 8;

float FmaLoop(int64_t iterations) {
  float acc[kScalarAccumulators];
  for (int j = 0; j < kScalarAccumulators; ++j) acc[j] = 0.001f * static_cast<float>(j + 1);
  const float a = 0.999999f, b = 1e-7f;
  for (int64_t i = 0; i < iterations; ++i) {
    for (int j = 0; j < kScalarAccumulators; ++j) acc[j] = acc[j] * a + b;
  }
  float s = 0.0f;
  for (int j = 0; j < kScalarAccumulators; ++j) s += acc[j];
  return s;
}

PeakLoop Peak(DType) { return PeakLoop{"fp32 multiply-add", FmaLoop, 2 * kScalarAccumulators}; }

float SumFloats(const float* x, size_t n) {
  float acc[4] = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (int j = 0; j < 4; ++j) acc[j] += x[i + j];
  }
  for (; i < n; ++i) acc[0] += x[i];
  return acc[0] + acc[1] + acc[2] + acc[3];
}

}  // namespace

const KernelTable& ScalarKernels() {
  static const KernelTable table = {
      .isa = Isa::kScalar,
      .matmul = Matmul,
      .pack = NoPacking,
      .rmsnorm = RmsNorm,
      .attention_head = AttentionHead,
      .attention_queries =
          [](std::span<const AttentionQuery> queries, const float* k, const float* v, int64_t stride, int head_dim,
             float* scores) { AttentionQueriesOneByOne(ScalarKernels(), queries, k, v, stride, head_dim, scores); },
      .swiglu = SwiGlu,
      .add = Add,
      .softmax = Softmax,
      .fma_loop = FmaLoop,
      .fma_flops_per_iteration = 2 * kScalarAccumulators,
      .peak_loop = Peak,
      .sum_floats = SumFloats,
  };
  return table;
}

}  // namespace doomscope::engine::kernels
