// BF16 x float on AVX-512 BF16 (matmul_bf16.h): activations rounded with
// vcvtneps2bf16, then one vdpbf16ps per 32 multiply-adds of a (row, activation
// row) pair, so a 16-lane accumulator is exactly the arithmetic's 16 lanes.
// Compiled with the AVX-512 flags of engine/CMakeLists.txt; called only where
// CPUID reports AVX512_BF16.
#pragma GCC diagnostic ignored "-Wuninitialized"  // GCC bug 105593, see kernels_avx512.cc
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "engine/kernels/matmul_bf16.h"
#include "engine/kernels/mxcsr.h"
#include "engine/kernels/tuning.h"
#include "engine/kernels/vec_avx2.h"

namespace doomscope::engine::kernels {
namespace {

struct Avx512Bf16 {
  using Acc = __m512;
  using X = __m512i;
  static constexpr int kMaxCols = 4;
  // R*C accumulators, C activation chunks and a weight chunk in 32 registers.
  static constexpr int MaxRows(int cols) { return cols == 1 ? 8 : cols == 2 ? 8 : cols == 3 ? 7 : 6; }
  static Acc Zero() { return _mm512_setzero_ps(); }
  static X LoadX(const uint16_t* x) { return _mm512_loadu_si512(x); }
  static void Step(Acc& acc, const std::byte* w, const X& x) {
    acc = _mm512_dpbf16_ps(acc, reinterpret_cast<__m512bh>(_mm512_loadu_si512(w)), reinterpret_cast<__m512bh>(x));
  }
  // Lanes i and i + 8 first, then the eight-lane tree.
  static __m256 Halves(Acc v) {
    return _mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  }
  static void Sum8(const Acc* a, float* out) {
    __m256 h[8];
    for (int i = 0; i < 8; ++i) h[i] = Halves(a[i]);
    _mm256_storeu_ps(out, avx2_detail::Hsum8x8(h));
  }
  static float Sum1(const Acc& a) { return avx2_detail::Hsum8(Halves(a)); }
};

#include "engine/kernels/bf16_tiles.h"

}  // namespace

void ActivationsToBf16Avx512(const float* x, int64_t k, uint16_t* out) {
  int64_t i = 0;
  for (; i + 16 <= k; i += 16) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i),
                        reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(_mm512_loadu_ps(x + i))));
  }
  if (i < k) {
    const __mmask16 m = static_cast<__mmask16>((1u << (k - i)) - 1);
    _mm256_mask_storeu_epi16(out + i, m, reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m, x + i))));
  }
  for (i = k; i < Bf16PaddedLength(k); ++i) out[i] = 0;
}

void MatmulBf16Avx512Dot(const MatmulArgs& a) {
  if (a.row_end <= a.row_begin || a.n_rows <= 0) return;
  ScopedFtzDaz mode;  // the lane sums and the residual add (vdpbf16ps ignores MXCSR)
  Bf16Matmul<Avx512Bf16>(a, ActivationsToBf16Avx512);
}

}  // namespace doomscope::engine::kernels
