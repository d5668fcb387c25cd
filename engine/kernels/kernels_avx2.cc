// AVX2 + FMA + F16C kernels (8 float lanes). Compiled with -mavx2 -mfma -mf16c
// (engine/CMakeLists.txt) and only called when CPUID reports those features.
#include <immintrin.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "engine/kernels/attention.h"
#include "engine/kernels/kernels.h"
#include "engine/kernels/matmul_bf16.h"
#include "engine/kernels/matmul_q8.h"
#include "engine/kernels/tuning.h"
#include "engine/kernels/vec_avx2.h"

namespace doomscope::engine::kernels {
namespace avx2_impl {
namespace {

using avx2_detail::Exp8;
using avx2_detail::Hmax8;
using avx2_detail::Hsum8;
using avx2_detail::Hsum8x8;

struct Avx2 {
  using V = __m256;
  static constexpr int kLanes = 8;
  static constexpr int kRegisters = 16;
  static V Zero() { return _mm256_setzero_ps(); }
  static V Load(const float* p) { return _mm256_loadu_ps(p); }
  static void Store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V Fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static float Hsum(V v) { return Hsum8(v); }
  // out[i] = Hsum(a[i]) for i < 8, bit for bit.
  static void Hsum8Many(const V* a, float* out) { _mm256_storeu_ps(out, Hsum8x8(a)); }
  static V LoadF16(const std::byte* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static V LoadBF16(const std::byte* p) {
    const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
  }
  static float HalfToFloat(uint16_t h) { return _cvtsh_ss(h); }
  static float FmaScalar(float a, float b, float c) {
    return _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(a), _mm_set_ss(b), _mm_set_ss(c)));
  }
};

#include "engine/kernels/matmul_tiles.h"

void Matmul(const MatmulArgs& a) {
  if (a.w.dtype == DType::kQ8_0) return MatmulQ8Avx2(a);
  if (a.w.dtype == DType::kBF16 && !a.bf16_f32_activations) return MatmulBf16Avx2(a);
  MatmulAny<Avx2>(a);
}

void RmsNorm(const float* x, const float* weight, int n, float eps, float* out) {
  __m256 acc = _mm256_setzero_ps();
  int j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256 v = _mm256_loadu_ps(x + j);
    acc = _mm256_fmadd_ps(v, v, acc);
  }
  float ss = Hsum8(acc);
  for (; j < n; ++j) ss += x[j] * x[j];
  ss /= n;
  ss += eps;
  ss = 1.0f / std::sqrt(ss);
  const __m256 s = _mm256_set1_ps(ss);
  j = 0;
  for (; j + 8 <= n; j += 8) {
    _mm256_storeu_ps(out + j, _mm256_mul_ps(_mm256_loadu_ps(weight + j), _mm256_mul_ps(s, _mm256_loadu_ps(x + j))));
  }
  for (; j < n; ++j) out[j] = weight[j] * (ss * x[j]);
}

void Softmax(float* x, int n) {
  int i = 0;
  __m256 vmax = _mm256_set1_ps(-INFINITY);
  for (; i + 8 <= n; i += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(x + i));
  float max_val = Hmax8(vmax);
  for (; i < n; ++i) max_val = std::max(max_val, x[i]);
  const __m256 m = _mm256_set1_ps(max_val);
  __m256 vsum = _mm256_setzero_ps();
  i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 e = Exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), m));
    _mm256_storeu_ps(x + i, e);
    vsum = _mm256_add_ps(vsum, e);
  }
  float sum = Hsum8(vsum);
  for (; i < n; ++i) {
    float tail[8] = {x[i] - max_val, 0, 0, 0, 0, 0, 0, 0};
    const float e = _mm256_cvtss_f32(Exp8(_mm256_loadu_ps(tail)));
    x[i] = e;
    sum += e;
  }
  const __m256 s = _mm256_set1_ps(sum);
  i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_div_ps(_mm256_loadu_ps(x + i), s));
  for (; i < n; ++i) x[i] /= sum;
}

// The softmax is folded in: scores and their max in one pass, exponentials and
// their sum in a second, and the weighted sum of values is divided by the sum
// at the end (one division per head instead of one per position).
void AttentionHead(const float* q, const float* k, const float* v, int64_t stride, int n_pos, int head_dim,
                   float* scores, float* out) {
  const __m256 inv_scale = _mm256_set1_ps(1.0f / std::sqrt(static_cast<float>(head_dim)));
  const int d_main = head_dim - head_dim % 8;
  __m256 vmax = _mm256_set1_ps(-INFINITY);
  int t = 0;
  for (; t + 8 <= n_pos; t += 8) {
    __m256 acc[8];
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) acc[j] = _mm256_setzero_ps();
    for (int i = 0; i < d_main; i += 8) {
      const __m256 qv = _mm256_loadu_ps(q + i);
#pragma GCC unroll 8
      for (int j = 0; j < 8; ++j) acc[j] = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k + (t + j) * stride + i), acc[j]);
    }
    __m256 s = Hsum8x8(acc);
    if (d_main < head_dim) {
      alignas(32) float tail[8];
      for (int j = 0; j < 8; ++j) {
        float sj = 0.0f;
        for (int i = d_main; i < head_dim; ++i) sj += q[i] * k[(t + j) * stride + i];
        tail[j] = sj;
      }
      s = _mm256_add_ps(s, _mm256_load_ps(tail));
    }
    s = _mm256_mul_ps(s, inv_scale);
    vmax = _mm256_max_ps(vmax, s);
    _mm256_storeu_ps(scores + t, s);
  }
  float max_val = Hmax8(vmax);
  for (; t < n_pos; ++t) {
    const float* kt = k + t * stride;
    __m256 acc = _mm256_setzero_ps();
    for (int i = 0; i < d_main; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), _mm256_loadu_ps(kt + i), acc);
    float sc = Hsum8(acc);
    for (int i = d_main; i < head_dim; ++i) sc += q[i] * kt[i];
    scores[t] = sc * _mm256_cvtss_f32(inv_scale);
    max_val = std::max(max_val, scores[t]);
  }
  const __m256 m = _mm256_set1_ps(max_val);
  __m256 vsum = _mm256_setzero_ps();
  t = 0;
  for (; t + 8 <= n_pos; t += 8) {
    const __m256 e = Exp8(_mm256_sub_ps(_mm256_loadu_ps(scores + t), m));
    _mm256_storeu_ps(scores + t, e);
    vsum = _mm256_add_ps(vsum, e);
  }
  float sum = Hsum8(vsum);
  if (t < n_pos) {
    alignas(32) float tail[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int j = 0; t + j < n_pos; ++j) tail[j] = scores[t + j] - max_val;
    _mm256_store_ps(tail, Exp8(_mm256_load_ps(tail)));
    for (int j = 0; t + j < n_pos; ++j) {
      scores[t + j] = tail[j];
      sum += tail[j];
    }
  }
  const __m256 inv_sum = _mm256_set1_ps(1.0f / sum);
  if (head_dim <= 16 && d_main == head_dim) {
    // One or two vectors per head: a single chain of FMAs would wait on its
    // own latency every position, so four interleaved partial sums run side by side.
    const int nv = head_dim / 8;
    __m256 o[4][2];
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) o[j][0] = o[j][1] = _mm256_setzero_ps();
    int tt = 0;
    for (; tt + 4 <= n_pos; tt += 4) {
#pragma GCC unroll 4
      for (int j = 0; j < 4; ++j) {
        const __m256 a = _mm256_set1_ps(scores[tt + j]);
        const float* vt = v + (tt + j) * stride;
        o[j][0] = _mm256_fmadd_ps(a, _mm256_loadu_ps(vt), o[j][0]);
        if (nv == 2) o[j][1] = _mm256_fmadd_ps(a, _mm256_loadu_ps(vt + 8), o[j][1]);
      }
    }
    for (; tt < n_pos; ++tt) {
      const __m256 a = _mm256_set1_ps(scores[tt]);
      const float* vt = v + tt * stride;
      o[0][0] = _mm256_fmadd_ps(a, _mm256_loadu_ps(vt), o[0][0]);
      if (nv == 2) o[0][1] = _mm256_fmadd_ps(a, _mm256_loadu_ps(vt + 8), o[0][1]);
    }
    for (int c = 0; c < nv; ++c) {
      const __m256 sum4 = _mm256_add_ps(_mm256_add_ps(o[0][c], o[1][c]), _mm256_add_ps(o[2][c], o[3][c]));
      _mm256_storeu_ps(out + 8 * c, _mm256_mul_ps(sum4, inv_sum));
    }
    return;
  }
  if (head_dim <= 64 && d_main == head_dim) {
    // The whole output head stays in registers (its vectors are independent chains).
    __m256 o[8];
    const int nv = head_dim / 8;
    for (int c = 0; c < nv; ++c) o[c] = _mm256_setzero_ps();
    for (int tt = 0; tt < n_pos; ++tt) {
      const __m256 a = _mm256_set1_ps(scores[tt]);
      const float* vt = v + tt * stride;
      for (int c = 0; c < nv; ++c) o[c] = _mm256_fmadd_ps(a, _mm256_loadu_ps(vt + 8 * c), o[c]);
    }
    for (int c = 0; c < nv; ++c) _mm256_storeu_ps(out + 8 * c, _mm256_mul_ps(o[c], inv_sum));
    return;
  }
  for (int i = 0; i < head_dim; ++i) out[i] = 0.0f;
  for (int tt = 0; tt < n_pos; ++tt) {
    const __m256 a = _mm256_set1_ps(scores[tt]);
    const float* vt = v + tt * stride;
    int i = 0;
    for (; i < d_main; i += 8) {
      _mm256_storeu_ps(out + i, _mm256_fmadd_ps(a, _mm256_loadu_ps(vt + i), _mm256_loadu_ps(out + i)));
    }
    for (; i < head_dim; ++i) out[i] += scores[tt] * vt[i];
  }
  const float inv = 1.0f / sum;
  for (int i = 0; i < head_dim; ++i) out[i] *= inv;
}

void SwiGlu(const float* gate, const float* up, int n, float* out) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 g = _mm256_loadu_ps(gate + i);
    const __m256 e = Exp8(_mm256_xor_ps(g, sign));
    const __m256 silu = _mm256_mul_ps(g, _mm256_div_ps(one, _mm256_add_ps(one, e)));
    _mm256_storeu_ps(out + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
  }
  for (; i < n; ++i) {
    float tail[8] = {-gate[i], 0, 0, 0, 0, 0, 0, 0};
    const float e = _mm256_cvtss_f32(Exp8(_mm256_loadu_ps(tail)));
    out[i] = gate[i] * (1.0f / (1.0f + e)) * up[i];
  }
}

void Add(const float* x, int n, float* y) {
  int i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(y + i), _mm256_loadu_ps(x + i)));
  for (; i < n; ++i) y[i] += x[i];
}

constexpr int kFmaAccumulators = 12;

float FmaLoop(int64_t iterations) {
  // Independent chains, more than FMA latency x throughput, unrolled so
  // every accumulator stays in a register (the compiler cannot fold the
  // float recurrence away without fast-math).
  __m256 acc[kFmaAccumulators];
#pragma GCC unroll 32
  for (int j = 0; j < kFmaAccumulators; ++j) acc[j] = _mm256_set1_ps(0.001f * static_cast<float>(j + 1));
  const __m256 a = _mm256_set1_ps(0.999999f);
  const __m256 b = _mm256_set1_ps(1e-7f);
  for (int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 32
    for (int j = 0; j < kFmaAccumulators; ++j) acc[j] = _mm256_fmadd_ps(acc[j], a, b);
  }
  __m256 s = acc[0];
#pragma GCC unroll 32
  for (int j = 1; j < kFmaAccumulators; ++j) s = _mm256_add_ps(s, acc[j]);
  return Hsum8(s);
}

// The AVX2 Q8_0 kernel's multiply-adds: vpmaddubsw (32 int8 products summed
// in pairs) then vpmaddwd against ones, into int32 accumulators. Each chain
// has its own weights (the products would otherwise be computed once), and
// the activations change every iteration (or they would be hoisted).
constexpr int kInt8Accumulators = 6;

float MaddubsLoop(int64_t iterations) {
  __m256i acc[kInt8Accumulators], w[kInt8Accumulators];
#pragma GCC unroll 32
  for (int j = 0; j < kInt8Accumulators; ++j) {
    acc[j] = _mm256_set1_epi32(j);
    w[j] = _mm256_set1_epi8(static_cast<char>(j + 1));
  }
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i x = _mm256_set1_epi8(-2);
  for (int64_t i = 0; i < iterations; ++i) {
    x = _mm256_xor_si256(x, ones);
#pragma GCC unroll 32
    for (int j = 0; j < kInt8Accumulators; ++j) {
      acc[j] = _mm256_add_epi32(acc[j], _mm256_madd_epi16(_mm256_maddubs_epi16(w[j], x), ones));
    }
  }
  __m256i s = acc[0];
#pragma GCC unroll 32
  for (int j = 1; j < kInt8Accumulators; ++j) s = _mm256_add_epi32(s, acc[j]);
  return static_cast<float>(_mm256_extract_epi32(s, 0));
}

PeakLoop Peak(DType dtype) {
  if (dtype == DType::kQ8_0) return PeakLoop{"int8 maddubs", MaddubsLoop, 2 * 32 * kInt8Accumulators};
  return PeakLoop{"fp32 FMA", FmaLoop, 2 * 8 * kFmaAccumulators};
}

float SumFloats(const float* x, size_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
    a1 = _mm256_add_ps(a1, _mm256_loadu_ps(x + i + 8));
    a2 = _mm256_add_ps(a2, _mm256_loadu_ps(x + i + 16));
    a3 = _mm256_add_ps(a3, _mm256_loadu_ps(x + i + 24));
  }
  float s = Hsum8(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
  for (; i < n; ++i) s += x[i];
  return s;
}

}  // namespace
}  // namespace avx2_impl

const KernelTable& Avx2Kernels() {
  static const KernelTable table = {
      .isa = Isa::kAvx2,
      .matmul = avx2_impl::Matmul,
      .pack = NoPacking,
      .rmsnorm = avx2_impl::RmsNorm,
      .attention_head = avx2_impl::AttentionHead,
      .attention_queries =
          [](std::span<const AttentionQuery> queries, const float* k, const float* v, int64_t stride, int head_dim,
             float* scores) { AttentionQueriesOneByOne(Avx2Kernels(), queries, k, v, stride, head_dim, scores); },
      .swiglu = avx2_impl::SwiGlu,
      .add = avx2_impl::Add,
      .softmax = avx2_impl::Softmax,
      .fma_loop = avx2_impl::FmaLoop,
      .fma_flops_per_iteration = 2 * 8 * avx2_impl::kFmaAccumulators,
      .peak_loop = avx2_impl::Peak,
      .sum_floats = avx2_impl::SumFloats,
  };
  return table;
}

}  // namespace doomscope::engine::kernels
