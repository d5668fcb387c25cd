// AVX2 Q8_0 x float (see matmul_q8.h): activations quantized per block, then
// per (weight block, activation block) |w| times sign(w)*x with vpmaddubsw
// (16 pairwise sums, at most 2*128*127 so no saturation), vpmaddwd against
// ones (8 exact int32 sums of 4 products), converted and multiplied into a
// float accumulator with d_w * d_x. Tiles of R weight rows x C activation rows
// stream the weights once per C rows; each output is the same sequence of
// operations whatever the tile, so results are batch-invariant.
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "engine/kernels/matmul_q8.h"
#include "engine/kernels/tuning.h"
#include "engine/kernels/vec_avx2.h"

namespace doomscope::engine::kernels {
namespace {

using avx2_detail::Hsum8;

constexpr int kBlockBytes = 34;
// How far ahead each row prefetches when streaming interleaved (tuning.h);
// measured on a Xeon: 8 KiB instead of 1 KiB took batch-1 decode from 118
// to 247 tok/s.
constexpr int kPrefetchBytes = 8192;

inline float HalfAt(const std::byte* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

template <int R, int C>
void Q8Tile(const std::byte* w, size_t row_bytes, const int8_t* xq, const float* xd, int64_t K, int64_t blocks,
            float* y, int64_t ldy, bool accumulate, int64_t l1_prefetch, int64_t l2_prefetch) {
  __m256 acc[R][C];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 16
    for (int c = 0; c < C; ++c) acc[r][c] = _mm256_setzero_ps();
  }
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t b = 0; b < blocks; ++b) {
    __m256i wabs[R];
    __m256 wd[R];
    const std::byte* blk[R];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      blk[r] = w + r * row_bytes + b * kBlockBytes;
      // Decode streams each weight once: run ahead of the hardware prefetcher.
      if (l1_prefetch > 0) _mm_prefetch(reinterpret_cast<const char*>(blk[r]) + l1_prefetch, _MM_HINT_T0);
      if (l2_prefetch > 0) _mm_prefetch(reinterpret_cast<const char*>(blk[r]) + l2_prefetch, _MM_HINT_T1);
      const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk[r] + 2));
      wabs[r] = _mm256_sign_epi8(wv, wv);
      wd[r] = _mm256_set1_ps(HalfAt(blk[r]));
    }
#pragma GCC unroll 16
    for (int c = 0; c < C; ++c) {
      const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + c * K + 32 * b));
      const __m256 xs = _mm256_set1_ps(xd[c * blocks + b]);
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) {
        const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk[r] + 2));
        const __m256i p16 = _mm256_maddubs_epi16(wabs[r], _mm256_sign_epi8(xv, wv));
        const __m256 p = _mm256_cvtepi32_ps(_mm256_madd_epi16(p16, ones));
        acc[r][c] = _mm256_fmadd_ps(p, _mm256_mul_ps(wd[r], xs), acc[r][c]);
      }
    }
  }
  float sums[R * C];
  int i = 0;
  for (; i + 8 <= R * C; i += 8) _mm256_storeu_ps(sums + i, avx2_detail::Hsum8x8(&acc[0][0] + i));
  for (; i < R * C; ++i) sums[i] = Hsum8((&acc[0][0])[i]);
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 16
    for (int c = 0; c < C; ++c) {
      float& out = y[c * ldy + r];
      out = accumulate ? out + sums[r * C + c] : sums[r * C + c];
    }
  }
}

// Register budget (16 ymm): R*C accumulators, R |w| and R scales, plus the
// activation vector and temporaries.
constexpr int MaxRows(int C) { return C == 1 ? 4 : C == 2 ? 3 : 2; }
constexpr int kMainCols = 4;

template <int C, int R = MaxRows(C)>
void TileRows(int rows, const std::byte* w, size_t row_bytes, const int8_t* xq, const float* xd, int64_t K,
              int64_t blocks, float* y, int64_t ldy, bool accumulate, int64_t l1_prefetch, int64_t l2_prefetch) {
  if constexpr (R >= 1) {
    if (rows == R) return Q8Tile<R, C>(w, row_bytes, xq, xd, K, blocks, y, ldy, accumulate, l1_prefetch, l2_prefetch);
    return TileRows<C, R - 1>(rows, w, row_bytes, xq, xd, K, blocks, y, ldy, accumulate, l1_prefetch, l2_prefetch);
  }
}

template <int C = kMainCols>
void TileAny(int rows, int cols, const std::byte* w, size_t row_bytes, const int8_t* xq, const float* xd,
             int64_t K, int64_t blocks, float* y, int64_t ldy, bool accumulate, int64_t l1_prefetch,
             int64_t l2_prefetch) {
  if constexpr (C >= 1) {
    if (cols == C) return TileRows<C>(rows, w, row_bytes, xq, xd, K, blocks, y, ldy, accumulate, l1_prefetch, l2_prefetch);
    return TileAny<C - 1>(rows, cols, w, row_bytes, xq, xd, K, blocks, y, ldy, accumulate, l1_prefetch, l2_prefetch);
  }
}

}  // namespace

void QuantizeRowQ8Avx2(const float* x, int64_t k, int8_t* q, float* d) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  for (int64_t b = 0; b < k / 32; ++b) {
    const float* xb = x + 32 * b;
    __m256 v[4];
    __m256 m = _mm256_setzero_ps();
    for (int i = 0; i < 4; ++i) {
      v[i] = _mm256_loadu_ps(xb + 8 * i);
      m = _mm256_max_ps(m, _mm256_andnot_ps(sign, v[i]));
    }
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
    const float amax = _mm_cvtss_f32(h);
    d[b] = amax / 127.0f;
    const __m256 id = _mm256_set1_ps(amax != 0.0f ? 127.0f / amax : 0.0f);
    __m256i i32[4];
    for (int i = 0; i < 4; ++i) {
      i32[i] = _mm256_cvtps_epi32(
          _mm256_round_ps(_mm256_mul_ps(v[i], id), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
    // Saturating packs interleave the 128-bit halves; the permute restores order.
    const __m256i i16a = _mm256_packs_epi32(i32[0], i32[1]);
    const __m256i i16b = _mm256_packs_epi32(i32[2], i32[3]);
    const __m256i i8 = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(i16a, i16b), order);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + 32 * b), i8);
  }
}

void MatmulQ8Avx2(const MatmulArgs& a) {
  const int64_t K = a.w.cols;
  const int64_t blocks = K / 32;
  const size_t row_bytes = static_cast<size_t>(blocks) * kBlockBytes;
  const int64_t n_w = a.row_end - a.row_begin;
  if (n_w <= 0 || a.n_rows <= 0) return;
  thread_local std::vector<int8_t> xq;
  thread_local std::vector<float> xd;
  const int n = a.n_rows;
  if (xq.size() < static_cast<size_t>(n * K)) xq.resize(static_cast<size_t>(n * K));
  if (xd.size() < static_cast<size_t>(n * blocks)) xd.resize(static_cast<size_t>(n * blocks));
  for (int i = 0; i < n; ++i) QuantizeRowQ8Avx2(a.x + i * a.ldx, K, xq.data() + i * K, xd.data() + i * blocks);

  const std::byte* w = a.w.data + static_cast<size_t>(a.row_begin) * row_bytes;
  float* y = a.y + a.row_begin;
  // Activation rows in blocks that stay in L2 while every weight row passes.
  const int block_rows = std::max<int>(
      kMainCols, static_cast<int>(HostMatmulTuning().l2_bytes / 8 / (K + 4 * blocks)) / kMainCols * kMainCols);
  const bool sequential = HostMatmulTuning().streaming == Streaming::kSequential;
  for (int n0 = 0; n0 < n; n0 += block_rows) {
    const int nb = std::min(block_rows, n - n0);
    const int cols = std::min(kMainCols, nb);
    // One or two activation rows stream the weights (tuning.h).
    const bool stream = cols <= 2;
    const int64_t tile_rows = stream && sequential ? 1 : MaxRows(cols);
    const int64_t l1_prefetch = stream && !sequential ? kPrefetchBytes : 0;
    const int64_t l2_prefetch = stream && sequential ? HostMatmulTuning().l2_prefetch_bytes : 0;
    for (int64_t r = 0; r < n_w; r += tile_rows) {
      const int rr = static_cast<int>(std::min(tile_rows, n_w - r));
      for (int c = 0; c < nb; c += cols) {
        const int cc = std::min(cols, nb - c);
        TileAny(rr, cc, w + r * row_bytes, row_bytes, xq.data() + (n0 + c) * K, xd.data() + (n0 + c) * blocks, K,
                blocks, y + (n0 + c) * a.ldy + r, a.ldy, a.accumulate, l1_prefetch, l2_prefetch);
      }
    }
  }
}

}  // namespace doomscope::engine::kernels
