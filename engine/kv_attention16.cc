#include "engine/kv_attention16.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "engine/quantize.h"

namespace doomscope::engine {
namespace {

inline float Widen(bool bf16, const std::byte* p, size_t i) {
  uint16_t h;
  std::memcpy(&h, p + 2 * i, 2);
  return bf16 ? BFloat16ToFloat(h) : HalfToFloat(h);
}

// --- Scalar reference ---

void ScoresScalar(bool bf16, const float* q, const std::byte* keys, int n_pos, int hd, float* scores) {
  const float inv_scale = 1.0f / std::sqrt(static_cast<float>(hd));
  for (int t = 0; t < n_pos; ++t) {
    float s = 0.0f;
    for (int i = 0; i < hd; ++i) s += q[i] * Widen(bf16, keys, static_cast<size_t>(t) * hd + i);
    scores[t] = s * inv_scale;
  }
}

void ValuesScalar(bool bf16, const float* p, const std::byte* values, int n_pos, int hd, float* out) {
  for (int i = 0; i < hd; ++i) out[i] = 0.0f;
  for (int t = 0; t < n_pos; ++t) {
    for (int i = 0; i < hd; ++i) out[i] += p[t] * Widen(bf16, values, static_cast<size_t>(t) * hd + i);
  }
}

// --- AVX2 (head_dim % 8 == 0), compiled for its instruction set here and
// called only when the CPU has it ---

__attribute__((target("avx2,fma,f16c"))) inline __m256 Load8(bool bf16, const std::byte* p) {
  const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return bf16 ? _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16)) : _mm256_cvtph_ps(h);
}

__attribute__((target("avx2,fma,f16c"))) inline float Sum8(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 s2 = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(s2, _mm_movehdup_ps(s2)));
}

// The lane sums of four vectors, as one vector (position j in lane j).
__attribute__((target("avx2,fma,f16c"))) inline __m128 Sum8x4(__m256 a0, __m256 a1, __m256 a2, __m256 a3) {
  const __m256 s = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
  return _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
}

__attribute__((target("avx2,fma,f16c"))) void ScoresAvx2(bool bf16, const float* q, const std::byte* keys,
                                                          int n_pos, int hd, float* scores) {
  const float inv_scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const size_t row = static_cast<size_t>(hd) * 2;
  int t = 0;
  // Four positions at once: four independent chains of fused multiply-adds,
  // and one shuffle tree for their four lane sums.
  for (; t + 4 <= n_pos; t += 4) {
    const std::byte* k0 = keys + static_cast<size_t>(t) * row;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    for (int i = 0; i < hd; i += 8) {
      const __m256 qv = _mm256_loadu_ps(q + i);
      a0 = _mm256_fmadd_ps(qv, Load8(bf16, k0 + 2 * i), a0);
      a1 = _mm256_fmadd_ps(qv, Load8(bf16, k0 + row + 2 * i), a1);
      a2 = _mm256_fmadd_ps(qv, Load8(bf16, k0 + 2 * row + 2 * i), a2);
      a3 = _mm256_fmadd_ps(qv, Load8(bf16, k0 + 3 * row + 2 * i), a3);
    }
    _mm_storeu_ps(scores + t, _mm_mul_ps(Sum8x4(a0, a1, a2, a3), _mm_set1_ps(inv_scale)));
  }
  for (; t < n_pos; ++t) {
    const std::byte* kt = keys + static_cast<size_t>(t) * row;
    __m256 a = _mm256_setzero_ps();
    for (int i = 0; i < hd; i += 8) a = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), Load8(bf16, kt + 2 * i), a);
    scores[t] = Sum8(a) * inv_scale;
  }
}

__attribute__((target("avx2,fma,f16c"))) void ValuesAvx2(bool bf16, const float* p, const std::byte* values,
                                                          int n_pos, int hd, float* out) {
  const size_t row = static_cast<size_t>(hd) * 2;
  // Chunks of 32 values: four accumulators per position, two positions interleaved.
  for (int c = 0; c < hd; c += 32) {
    const int lanes = std::min(32, hd - c) / 8;
    __m256 a[4], b[4];
    for (int j = 0; j < 4; ++j) a[j] = b[j] = _mm256_setzero_ps();
    int t = 0;
    for (; t + 2 <= n_pos; t += 2) {
      const __m256 p0 = _mm256_set1_ps(p[t]), p1 = _mm256_set1_ps(p[t + 1]);
      const std::byte* v0 = values + static_cast<size_t>(t) * row + 2 * c;
      for (int j = 0; j < lanes; ++j) {
        a[j] = _mm256_fmadd_ps(p0, Load8(bf16, v0 + 16 * j), a[j]);
        b[j] = _mm256_fmadd_ps(p1, Load8(bf16, v0 + row + 16 * j), b[j]);
      }
    }
    for (; t < n_pos; ++t) {
      const __m256 p0 = _mm256_set1_ps(p[t]);
      const std::byte* v0 = values + static_cast<size_t>(t) * row + 2 * c;
      for (int j = 0; j < lanes; ++j) a[j] = _mm256_fmadd_ps(p0, Load8(bf16, v0 + 16 * j), a[j]);
    }
    for (int j = 0; j < lanes; ++j) _mm256_storeu_ps(out + c + 8 * j, _mm256_add_ps(a[j], b[j]));
  }
}

// --- AVX-512 (head_dim % 16 == 0) ---

__attribute__((target("avx512f"))) inline __m512 Load16(bool bf16, const std::byte* p) {
  const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  return bf16 ? _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16)) : _mm512_cvtph_ps(h);
}

// Lanes 0-7 plus lanes 8-15.
__attribute__((target("avx512f"))) inline __m256 Fold16(__m512 a) {
  return _mm256_add_ps(_mm512_castps512_ps256(a),
                       _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1)));
}

// A group of query heads over the same rows: each key and value row is
// widened once for all of them. Head h's arithmetic does not depend on the
// group: its dot products run over the same chunks in the same order and its
// value sums over positions in order, whichever heads share the pass (the
// scheduler runs one head or a whole group per task depending on the batch).
// NV = head_dim / 16 vectors per row; P positions per block of scores, their
// widened keys held in registers.
template <int NV>
struct Avx512Group {
  static constexpr int P = NV >= 8 ? 2 : 4;
  // Heads whose value sums a pass keeps in registers.
  static constexpr int kHeadsPerValuePass = NV >= 8 ? 2 : 4;

  __attribute__((target("avx512f"))) static void Scores(bool bf16, const float* q, int group, const std::byte* keys,
                                                       int n_pos, float* scores) {
    constexpr int hd = 16 * NV;
    const __m128 inv_scale = _mm_set1_ps(1.0f / std::sqrt(static_cast<float>(hd)));
    const size_t row = static_cast<size_t>(hd) * 2;
    int t = 0;
    for (; t + P <= n_pos; t += P) {
      __m512 k[P][NV];
      for (int p = 0; p < P; ++p) {
        for (int c = 0; c < NV; ++c) k[p][c] = Load16(bf16, keys + static_cast<size_t>(t + p) * row + 32 * c);
      }
      for (int h = 0; h < group; ++h) {
        const float* qh = q + static_cast<size_t>(h) * hd;
        __m512 acc[P];
        for (int p = 0; p < P; ++p) acc[p] = _mm512_setzero_ps();
        for (int c = 0; c < NV; ++c) {
          const __m512 qv = _mm512_loadu_ps(qh + 16 * c);
          for (int p = 0; p < P; ++p) acc[p] = _mm512_fmadd_ps(qv, k[p][c], acc[p]);
        }
        float* out = scores + static_cast<size_t>(h) * n_pos + t;
        if constexpr (P == 4) {
          _mm_storeu_ps(out, _mm_mul_ps(Sum8x4(Fold16(acc[0]), Fold16(acc[1]), Fold16(acc[2]), Fold16(acc[3])),
                                        inv_scale));
        } else {
          for (int p = 0; p < P; ++p) out[p] = _mm512_reduce_add_ps(acc[p]) * _mm_cvtss_f32(inv_scale);
        }
      }
    }
    for (; t < n_pos; ++t) {
      __m512 k[NV];
      for (int c = 0; c < NV; ++c) k[c] = Load16(bf16, keys + static_cast<size_t>(t) * row + 32 * c);
      for (int h = 0; h < group; ++h) {
        const float* qh = q + static_cast<size_t>(h) * hd;
        __m512 acc = _mm512_setzero_ps();
        for (int c = 0; c < NV; ++c) acc = _mm512_fmadd_ps(_mm512_loadu_ps(qh + 16 * c), k[c], acc);
        scores[static_cast<size_t>(h) * n_pos + t] = _mm512_reduce_add_ps(acc) * _mm_cvtss_f32(inv_scale);
      }
    }
  }

  // out[h] = sum_t p[h][t] v_t for G heads (p: [G][n_pos]).
  template <int G>
  __attribute__((target("avx512f"))) static void Values(bool bf16, const float* p, const std::byte* values,
                                                       int n_pos, float* out) {
    constexpr int hd = 16 * NV;
    const size_t row = static_cast<size_t>(hd) * 2;
    __m512 acc[G][NV];
    for (int h = 0; h < G; ++h) {
      for (int c = 0; c < NV; ++c) acc[h][c] = _mm512_setzero_ps();
    }
    for (int t = 0; t < n_pos; ++t) {
      __m512 v[NV];
      for (int c = 0; c < NV; ++c) v[c] = Load16(bf16, values + static_cast<size_t>(t) * row + 32 * c);
      for (int h = 0; h < G; ++h) {
        const __m512 ph = _mm512_set1_ps(p[static_cast<size_t>(h) * n_pos + t]);
        for (int c = 0; c < NV; ++c) acc[h][c] = _mm512_fmadd_ps(ph, v[c], acc[h][c]);
      }
    }
    for (int h = 0; h < G; ++h) {
      for (int c = 0; c < NV; ++c) _mm512_storeu_ps(out + static_cast<size_t>(h) * hd + 16 * c, acc[h][c]);
    }
  }

  static void Attend(const kernels::KernelTable& k, bool bf16, const float* q, int group, const std::byte* keys,
                     const std::byte* values, int n_pos, float* scores, float* out) {
    constexpr int hd = 16 * NV;
    Scores(bf16, q, group, keys, n_pos, scores);
    for (int h = 0; h < group; ++h) k.softmax(scores + static_cast<size_t>(h) * n_pos, n_pos);
    for (int h0 = 0; h0 < group; h0 += kHeadsPerValuePass) {
      const float* p = scores + static_cast<size_t>(h0) * n_pos;
      float* o = out + static_cast<size_t>(h0) * hd;
      switch (std::min(kHeadsPerValuePass, group - h0)) {
        case 1: Values<1>(bf16, p, values, n_pos, o); break;
        case 2: Values<2>(bf16, p, values, n_pos, o); break;
        case 3: Values<3>(bf16, p, values, n_pos, o); break;
        default: Values<4>(bf16, p, values, n_pos, o); break;
      }
    }
  }
};

// The grouped AVX-512 path for head sizes of 16, 32, 64 and 128; false for others.
bool AttendAvx512(const kernels::KernelTable& k, bool bf16, const float* q, int group, const std::byte* keys,
                  const std::byte* values, int n_pos, int hd, float* scores, float* out) {
  switch (hd) {
    case 16: Avx512Group<1>::Attend(k, bf16, q, group, keys, values, n_pos, scores, out); return true;
    case 32: Avx512Group<2>::Attend(k, bf16, q, group, keys, values, n_pos, scores, out); return true;
    case 64: Avx512Group<4>::Attend(k, bf16, q, group, keys, values, n_pos, scores, out); return true;
    case 128: Avx512Group<8>::Attend(k, bf16, q, group, keys, values, n_pos, scores, out); return true;
    default: return false;
  }
}

using ScoresFn = void (*)(bool, const float*, const std::byte*, int, int, float*);
using ValuesFn = void (*)(bool, const float*, const std::byte*, int, int, float*);

void Attend(ScoresFn scores_fn, ValuesFn values_fn, const kernels::KernelTable& k, DType dtype, const float* q,
            int group, const std::byte* keys, const std::byte* values, int n_pos, int hd, float* scores,
            float* out) {
  const bool bf16 = dtype == DType::kBF16;
  for (int h = 0; h < group; ++h) {
    scores_fn(bf16, q + static_cast<size_t>(h) * hd, keys, n_pos, hd, scores);
    k.softmax(scores, n_pos);
    values_fn(bf16, scores, values, n_pos, hd, out + static_cast<size_t>(h) * hd);
  }
}

}  // namespace

void AttendGroup16Scalar(const kernels::KernelTable& k, DType dtype, const float* q, int group,
                         const std::byte* keys, const std::byte* values, int n_pos, int head_dim, float* scores,
                         float* out) {
  Attend(ScoresScalar, ValuesScalar, k, dtype, q, group, keys, values, n_pos, head_dim, scores, out);
}

void AttendGroup16(const kernels::KernelTable& k, DType dtype, const float* q, int group, const std::byte* keys,
                   const std::byte* values, int n_pos, int head_dim, float* scores, float* out) {
  if (k.isa == Isa::kAvx512 &&
      AttendAvx512(k, dtype == DType::kBF16, q, group, keys, values, n_pos, head_dim, scores, out)) {
    return;
  }
  if (k.isa != Isa::kScalar && head_dim % 8 == 0) {
    return Attend(ScoresAvx2, ValuesAvx2, k, dtype, q, group, keys, values, n_pos, head_dim, scores, out);
  }
  AttendGroup16Scalar(k, dtype, q, group, keys, values, n_pos, head_dim, scores, out);
}

}  // namespace doomscope::engine
