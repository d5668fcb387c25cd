// One query head's attention on AVX-512 (kernels.h's attention_head): the
// AVX2 kernel's three passes (scores and their max, exponentials and their
// sum, the weighted sum of values divided once at the end) on 16 lanes, so
// prefill and batched decode, whose attention grows with the context, spend
// half the instructions there. Results match the scalar reference within
// float rounding (not bit for bit, as the AVX2 kernel), and depend only on
// the head's own inputs.
#pragma GCC diagnostic ignored "-Wuninitialized"  // GCC bug 105593, see kernels_avx512.cc
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <cmath>

#include "engine/kernels/attention.h"
#include "engine/kernels/kernels.h"

namespace doomscope::engine::kernels {
namespace {

// exp on 16 lanes, Exp8's method (vec_avx2.h): x = n ln2 + r, degree-6 Taylor
// polynomial of exp(r), 2^n through the exponent bits; clamped to
// [-87.3, 88.0]; NaN stays NaN.
__m512 Exp16(__m512 x) {
  const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.0f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.0f / 720.0f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  const __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
  const __m512 result = _mm512_mul_ps(p, _mm512_castsi512_ps(e));
  return _mm512_mask_mov_ps(result, nan, _mm512_set1_ps(NAN));
}

// Lane j of the result: the sum of a[j]'s 16 lanes, for 16 vectors at once
// (quads folded pairwise, then lanes within quads, then one permute).
__m512 Sum16x16(const __m512* a) {
  __m512 x[8], y[4], z[2];
  for (int i = 0; i < 8; ++i) {
    x[i] = _mm512_add_ps(_mm512_shuffle_f32x4(a[2 * i], a[2 * i + 1], 0x44),
                         _mm512_shuffle_f32x4(a[2 * i], a[2 * i + 1], 0xEE));
  }
  for (int i = 0; i < 4; ++i) {
    y[i] = _mm512_add_ps(_mm512_shuffle_f32x4(x[2 * i], x[2 * i + 1], 0x88),
                         _mm512_shuffle_f32x4(x[2 * i], x[2 * i + 1], 0xDD));
  }
  for (int i = 0; i < 2; ++i) {
    z[i] = _mm512_add_ps(_mm512_shuffle_ps(y[2 * i], y[2 * i + 1], 0x88), _mm512_shuffle_ps(y[2 * i], y[2 * i + 1], 0xDD));
  }
  const __m512 w = _mm512_add_ps(_mm512_shuffle_ps(z[0], z[1], 0x88), _mm512_shuffle_ps(z[0], z[1], 0xDD));
  // Lane 4q + r of w holds the sum of a[4r + q].
  const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  return _mm512_permutexvar_ps(order, w);
}

// Scores of positions [0, n_pos) scaled, into `scores`; returns their max.
template <int NV>
float Scores(const float* q, const float* k, int64_t stride, int n_pos, float scale, float* scores) {
  __m512 qv[NV];
#pragma GCC unroll 16
  for (int c = 0; c < NV; ++c) qv[c] = _mm512_loadu_ps(q + 16 * c);
  const __m512 s = _mm512_set1_ps(scale);
  __m512 vmax = _mm512_set1_ps(-INFINITY);
  int t = 0;
  for (; t + 16 <= n_pos; t += 16) {
    __m512 acc[16];
#pragma GCC unroll 16
    for (int j = 0; j < 16; ++j) {
      const float* kt = k + (t + j) * stride;
      acc[j] = _mm512_mul_ps(qv[0], _mm512_loadu_ps(kt));
#pragma GCC unroll 16
      for (int c = 1; c < NV; ++c) acc[j] = _mm512_fmadd_ps(qv[c], _mm512_loadu_ps(kt + 16 * c), acc[j]);
    }
    const __m512 sc = _mm512_mul_ps(Sum16x16(acc), s);
    vmax = _mm512_max_ps(vmax, sc);
    _mm512_storeu_ps(scores + t, sc);
  }
  float max_val = _mm512_reduce_max_ps(vmax);
  for (; t < n_pos; ++t) {
    const float* kt = k + t * stride;
    __m512 acc = _mm512_mul_ps(qv[0], _mm512_loadu_ps(kt));
#pragma GCC unroll 16
    for (int c = 1; c < NV; ++c) acc = _mm512_fmadd_ps(qv[c], _mm512_loadu_ps(kt + 16 * c), acc);
    scores[t] = _mm512_reduce_add_ps(acc) * scale;
    max_val = std::fmax(max_val, scores[t]);
  }
  return max_val;
}

// scores = exp(scores - max) in place; returns their sum.
float Exponentials(float* scores, int n_pos, float max_val) {
  const __m512 m = _mm512_set1_ps(max_val);
  __m512 sum = _mm512_setzero_ps();
  for (int t = 0; t < n_pos; t += 16) {
    const __mmask16 mask = n_pos - t >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n_pos - t)) - 1);
    const __m512 e = Exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, scores + t), m));
    _mm512_mask_storeu_ps(scores + t, mask, e);
    sum = _mm512_add_ps(sum, _mm512_maskz_mov_ps(mask, e));
  }
  return _mm512_reduce_add_ps(sum);
}

// out = (sum_t p_t v_t) * inv_sum; two sets of sums (even and odd positions)
// so consecutive positions' FMAs do not wait on each other.
template <int NV>
void WeightedValues(const float* p, const float* v, int64_t stride, int n_pos, float inv_sum, float* out) {
  __m512 o[2][NV];
#pragma GCC unroll 16
  for (int c = 0; c < NV; ++c) o[0][c] = o[1][c] = _mm512_setzero_ps();
  int t = 0;
  for (; t + 2 <= n_pos; t += 2) {
#pragma GCC unroll 2
    for (int h = 0; h < 2; ++h) {
      const __m512 a = _mm512_set1_ps(p[t + h]);
      const float* vt = v + (t + h) * stride;
#pragma GCC unroll 16
      for (int c = 0; c < NV; ++c) o[h][c] = _mm512_fmadd_ps(a, _mm512_loadu_ps(vt + 16 * c), o[h][c]);
    }
  }
  if (t < n_pos) {
    const __m512 a = _mm512_set1_ps(p[t]);
#pragma GCC unroll 16
    for (int c = 0; c < NV; ++c) o[0][c] = _mm512_fmadd_ps(a, _mm512_loadu_ps(v + t * stride + 16 * c), o[0][c]);
  }
  const __m512 inv = _mm512_set1_ps(inv_sum);
#pragma GCC unroll 16
  for (int c = 0; c < NV; ++c) _mm512_storeu_ps(out + 16 * c, _mm512_mul_ps(_mm512_add_ps(o[0][c], o[1][c]), inv));
}

template <int NV>
void Head(const float* q, const float* k, const float* v, int64_t stride, int n_pos, float* scores, float* out) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(16 * NV));
  const float max_val = Scores<NV>(q, k, stride, n_pos, scale, scores);
  const float sum = Exponentials(scores, n_pos, max_val);
  WeightedValues<NV>(scores, v, stride, n_pos, 1.0f / sum, out);
}

}  // namespace

void AttentionHeadAvx512(const float* q, const float* k, const float* v, int64_t stride, int n_pos, int head_dim,
                         float* scores, float* out) {
  switch (head_dim) {
    case 16: return Head<1>(q, k, v, stride, n_pos, scores, out);
    case 32: return Head<2>(q, k, v, stride, n_pos, scores, out);
    case 48: return Head<3>(q, k, v, stride, n_pos, scores, out);
    case 64: return Head<4>(q, k, v, stride, n_pos, scores, out);
    case 80: return Head<5>(q, k, v, stride, n_pos, scores, out);
    case 96: return Head<6>(q, k, v, stride, n_pos, scores, out);
    case 128: return Head<8>(q, k, v, stride, n_pos, scores, out);
    case 256: return Head<16>(q, k, v, stride, n_pos, scores, out);
    default: break;
  }
  Avx2Kernels().attention_head(q, k, v, stride, n_pos, head_dim, scores, out);
}

}  // namespace doomscope::engine::kernels
