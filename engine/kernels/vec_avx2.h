// AVX2 helpers shared by kernels_avx2.cc and kernels_avx512.cc (both compile
// with AVX2+FMA enabled). Everything is static inline inside an anonymous
// namespace of the including file's choosing, so no symbol crosses ISA units.
#ifndef DOOMSCOPE_ENGINE_KERNELS_VEC_AVX2_H_
#define DOOMSCOPE_ENGINE_KERNELS_VEC_AVX2_H_

#include <immintrin.h>

namespace doomscope::engine::kernels::avx2_detail {

// Lanes added by one fixed pairwise tree: ((l0+l1)+(l2+l3)) + ((l4+l5)+(l6+l7)).
static inline float Hsum8(__m256 v) {
  const __m256 t = _mm256_hadd_ps(v, v);
  const __m256 u = _mm256_hadd_ps(t, t);
  return _mm_cvtss_f32(_mm_add_ss(_mm256_castps256_ps128(u), _mm256_extractf128_ps(u, 1)));
}

// Eight of Hsum8 at once, bit for bit the same: lane i of the result is
// Hsum8(a[i]). Nine instructions instead of about forty.
static inline __m256 Hsum8x8(const __m256* a) {
  const __m256 t0 = _mm256_hadd_ps(a[0], a[1]);
  const __m256 t1 = _mm256_hadd_ps(a[2], a[3]);
  const __m256 t2 = _mm256_hadd_ps(a[4], a[5]);
  const __m256 t3 = _mm256_hadd_ps(a[6], a[7]);
  // u0 = [(a0 l0..3) (a1 l0..3) (a2 l0..3) (a3 l0..3) | the same of lanes 4..7]
  const __m256 u0 = _mm256_hadd_ps(t0, t1);
  const __m256 u1 = _mm256_hadd_ps(t2, t3);
  const __m256 lo = _mm256_permute2f128_ps(u0, u1, 0x20);
  const __m256 hi = _mm256_permute2f128_ps(u0, u1, 0x31);
  return _mm256_add_ps(lo, hi);
}

static inline float Hmax8(__m256 v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

// exp(x) for float lanes: x = n ln2 + r, |r| <= ln2/2, exp(r) by its degree-6
// Taylor polynomial (relative error below 2e-7), scaled by 2^n through the
// exponent bits. Inputs are clamped to [-87.3, 88.0], so the result is a
// normal float or 0-adjacent for very negative x; NaN stays NaN.
static inline __m256 Exp8(__m256 x) {
  const __m256 lo = _mm256_set1_ps(-87.3f);
  const __m256 hi = _mm256_set1_ps(88.0f);
  const __m256 nan_mask = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
  x = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.0f / 720.0f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  const __m256 result = _mm256_mul_ps(p, _mm256_castsi256_ps(e));
  return _mm256_or_ps(result, nan_mask);  // NaN lanes: all ones = NaN
}

}  // namespace doomscope::engine::kernels::avx2_detail

#endif  // DOOMSCOPE_ENGINE_KERNELS_VEC_AVX2_H_
