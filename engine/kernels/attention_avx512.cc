// One query head's attention on AVX-512 (kernels.h's attention_head, and
// attention_queries for many queries over the same keys and values): the
// AVX2 kernel's three passes (scores and their max, exponentials and their
// sum, the weighted sum of values divided once at the end) on 16 lanes, so
// prefill and batched decode, whose attention grows with the context, spend
// half the instructions there. Results match the scalar reference within
// float rounding (not bit for bit, as the AVX2 kernel), and depend only on
// the head's own inputs.
#pragma GCC diagnostic ignored "-Wuninitialized"  // GCC bug 105593, see kernels_avx512.cc
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <span>
#include <vector>

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

// The pieces of one query's three passes, over ranges of positions, so that
// AttentionQueriesAvx512 can run many queries over the same block of keys and
// values while it sits in L1. Whatever the ranges, each query's operations
// and their order are those of a single call.

// Scores of the 16-position blocks in [t0, t1) (multiples of 16), scaled, into
// scores[t0, t1); their max folded into *vmax.
template <int NV>
void ScoreBlocks(const float* q, const float* k, int64_t stride, int t0, int t1, float scale, float* scores,
                 __m512* vmax) {
  __m512 qv[NV];
#pragma GCC unroll 16
  for (int c = 0; c < NV; ++c) qv[c] = _mm512_loadu_ps(q + 16 * c);
  const __m512 s = _mm512_set1_ps(scale);
  __m512 m = *vmax;
  for (int t = t0; t < t1; t += 16) {
    __m512 acc[16];
#pragma GCC unroll 16
    for (int j = 0; j < 16; ++j) {
      const float* kt = k + (t + j) * stride;
      acc[j] = _mm512_mul_ps(qv[0], _mm512_loadu_ps(kt));
#pragma GCC unroll 16
      for (int c = 1; c < NV; ++c) acc[j] = _mm512_fmadd_ps(qv[c], _mm512_loadu_ps(kt + 16 * c), acc[j]);
    }
    const __m512 sc = _mm512_mul_ps(Sum16x16(acc), s);
    m = _mm512_max_ps(m, sc);
    _mm512_storeu_ps(scores + t, sc);
  }
  *vmax = m;
}

// The scores after the last full block (one position at a time), and the max
// of all n_pos given the blocks' `vmax`.
template <int NV>
float ScoreTailAndMax(const float* q, const float* k, int64_t stride, int n_pos, float scale, float* scores,
                      __m512 vmax) {
  __m512 qv[NV];
#pragma GCC unroll 16
  for (int c = 0; c < NV; ++c) qv[c] = _mm512_loadu_ps(q + 16 * c);
  float max_val = _mm512_reduce_max_ps(vmax);
  for (int t = n_pos - n_pos % 16; t < n_pos; ++t) {
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

// The weighted values of the position pairs in [t0, t1) (even), added to two
// sets of sums (even and odd positions, so consecutive positions' FMAs do not
// wait on each other).
template <int NV>
void AccumulatePairs(const float* p, const float* v, int64_t stride, int t0, int t1, __m512 (&o)[2][NV]) {
  for (int t = t0; t < t1; t += 2) {
#pragma GCC unroll 2
    for (int h = 0; h < 2; ++h) {
      const __m512 a = _mm512_set1_ps(p[t + h]);
      const float* vt = v + (t + h) * stride;
#pragma GCC unroll 16
      for (int c = 0; c < NV; ++c) o[h][c] = _mm512_fmadd_ps(a, _mm512_loadu_ps(vt + 16 * c), o[h][c]);
    }
  }
}

// out = (the sums, plus the last position when n_pos is odd) * inv_sum.
template <int NV>
void FinishValues(const float* p, const float* v, int64_t stride, int n_pos, float inv_sum, __m512 (&o)[2][NV],
                  float* out) {
  if (n_pos % 2 != 0) {
    const int t = n_pos - 1;
    const __m512 a = _mm512_set1_ps(p[t]);
#pragma GCC unroll 16
    for (int c = 0; c < NV; ++c) o[0][c] = _mm512_fmadd_ps(a, _mm512_loadu_ps(v + t * stride + 16 * c), o[0][c]);
  }
  const __m512 inv = _mm512_set1_ps(inv_sum);
#pragma GCC unroll 16
  for (int c = 0; c < NV; ++c) _mm512_storeu_ps(out + 16 * c, _mm512_mul_ps(_mm512_add_ps(o[0][c], o[1][c]), inv));
}

template <int NV>
float Scale() {
  return 1.0f / std::sqrt(static_cast<float>(16 * NV));
}

template <int NV>
void Head(const float* q, const float* k, const float* v, int64_t stride, int n_pos, float* scores, float* out) {
  __m512 vmax = _mm512_set1_ps(-INFINITY);
  ScoreBlocks<NV>(q, k, stride, 0, n_pos - n_pos % 16, Scale<NV>(), scores, &vmax);
  const float max_val = ScoreTailAndMax<NV>(q, k, stride, n_pos, Scale<NV>(), scores, vmax);
  const float sum = Exponentials(scores, n_pos, max_val);
  __m512 o[2][NV];
#pragma GCC unroll 16
  for (int c = 0; c < NV; ++c) o[0][c] = o[1][c] = _mm512_setzero_ps();
  AccumulatePairs<NV>(scores, v, stride, 0, n_pos - n_pos % 2, o);
  FinishValues<NV>(scores, v, stride, n_pos, 1.0f / sum, o, out);
}

// One query's running state between blocks of positions: its scores' max,
// then its two sets of value sums.
template <int NV>
struct QueryState {
  __m512 max;
  __m512 sums[2][NV];
};

// Many queries over one head's keys and values, in blocks of positions whose
// key (then value) rows take 64 KiB: every query uses a block while it sits
// in L2, so the rows come from memory once per block, not once per query.
// Between blocks a query's running max and sums wait in memory. Measured
// (attention_bench, Zen 4 with 1 MiB of L2, 3 queries of 64): on par with
// one attention_head per query while a head's keys and values fit in L2,
// about 9% less CPU at 4,096 positions where they do not; 16 KiB blocks (in
// L1) were 8% slower at 1,024 positions.
template <int NV>
void Queries(std::span<const AttentionQuery> queries, const float* k, const float* v, int64_t stride,
             float* scores) {
  constexpr int kBlock = std::max(16, 65536 / (64 * NV) / 16 * 16);
  const size_t n = queries.size();
  thread_local std::vector<QueryState<NV>> state;
  thread_local std::vector<size_t> offset;
  thread_local std::vector<float> inv_sum;
  state.resize(n);
  for (QueryState<NV>& st : state) {
    st.max = _mm512_set1_ps(-INFINITY);
#pragma GCC unroll 16
    for (int c = 0; c < NV; ++c) st.sums[0][c] = st.sums[1][c] = _mm512_setzero_ps();
  }
  offset.resize(n);
  inv_sum.resize(n);
  int max_pos = 0;
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    offset[i] = total;
    total += static_cast<size_t>(queries[i].n_pos);
    max_pos = std::max(max_pos, queries[i].n_pos);
  }
  for (int b0 = 0; b0 < max_pos; b0 += kBlock) {
    for (size_t i = 0; i < n; ++i) {
      const int full = queries[i].n_pos - queries[i].n_pos % 16;
      const int hi = std::min(b0 + kBlock, full);
      if (hi > b0) ScoreBlocks<NV>(queries[i].q, k, stride, b0, hi, Scale<NV>(), scores + offset[i], &state[i].max);
    }
  }
  for (size_t i = 0; i < n; ++i) {
    float* sc = scores + offset[i];
    const float max_val = ScoreTailAndMax<NV>(queries[i].q, k, stride, queries[i].n_pos, Scale<NV>(), sc, state[i].max);
    inv_sum[i] = 1.0f / Exponentials(sc, queries[i].n_pos, max_val);
  }
  for (int b0 = 0; b0 < max_pos; b0 += kBlock) {
    for (size_t i = 0; i < n; ++i) {
      const int pairs_end = queries[i].n_pos - queries[i].n_pos % 2;
      const int hi = std::min(b0 + kBlock, pairs_end);
      if (hi <= b0) continue;
      AccumulatePairs<NV>(scores + offset[i], v, stride, b0, hi, state[i].sums);
    }
  }
  for (size_t i = 0; i < n; ++i) {
    FinishValues<NV>(scores + offset[i], v, stride, queries[i].n_pos, inv_sum[i], state[i].sums, queries[i].out);
  }
}

// Calls F<NV>() for the head sizes the AVX-512 kernels take; false for others.
template <template <int> class F, class... Args>
bool ForHeadDim(int head_dim, Args&&... args) {
  switch (head_dim) {
    case 16: F<1>::Run(args...); return true;
    case 32: F<2>::Run(args...); return true;
    case 48: F<3>::Run(args...); return true;
    case 64: F<4>::Run(args...); return true;
    case 80: F<5>::Run(args...); return true;
    case 96: F<6>::Run(args...); return true;
    case 128: F<8>::Run(args...); return true;
    case 256: F<16>::Run(args...); return true;
    default: return false;
  }
}

template <int NV>
struct HeadFn {
  static void Run(const float* q, const float* k, const float* v, int64_t stride, int n_pos, float* scores,
                  float* out) {
    Head<NV>(q, k, v, stride, n_pos, scores, out);
  }
};

template <int NV>
struct QueriesFn {
  static void Run(std::span<const AttentionQuery> queries, const float* k, const float* v, int64_t stride,
                  float* scores) {
    Queries<NV>(queries, k, v, stride, scores);
  }
};

}  // namespace

void AttentionHeadAvx512(const float* q, const float* k, const float* v, int64_t stride, int n_pos, int head_dim,
                         float* scores, float* out) {
  if (!ForHeadDim<HeadFn>(head_dim, q, k, v, stride, n_pos, scores, out)) {
    Avx2Kernels().attention_head(q, k, v, stride, n_pos, head_dim, scores, out);
  }
}

void AttentionQueriesAvx512(std::span<const AttentionQuery> queries, const float* k, const float* v, int64_t stride,
                            int head_dim, float* scores) {
  if (!ForHeadDim<QueriesFn>(head_dim, queries, k, v, stride, scores)) {
    AttentionQueriesOneByOne(Avx2Kernels(), queries, k, v, stride, head_dim, scores);
  }
}

}  // namespace doomscope::engine::kernels
