// AVX-512 VNNI Q8_0 x float (see matmul_q8.h). Same activation quantization
// as the other paths (QuantizeRowQ8Avx2, the scalar bits); the integer dot of
// a weight block and an activation block is computed by vpdpbusd, two blocks
// per 512-bit register:
//
//   vpdpbusd multiplies unsigned by signed bytes, so weights enter shifted to
//   u = w + 128 (w XOR 0x80) and activations as they are: sum(u * x) =
//   sum(w * x) + 128 * sum(x). The accumulator starts at -128 * sum(x) per
//   lane (four bytes a lane), computed once per activation row, so the lane
//   holds the exact integer sum(w * x) of its four bytes (no saturation:
//   |lane| <= 4 * 255 * 127 + 4 * 128 * 127).
//
// Per weight row, activation row and pair of blocks that is one vpdpbusd, a
// convert, a multiply by d_w * d_x and an FMA, against about twelve AVX2
// instructions: what lets prefill and batched decode approach the FMA peak.
// Lanes 0-7 carry even blocks, 8-15 odd ones; each output is the same chain of
// operations whatever the tile or batch, so results stay batch-invariant.
#pragma GCC diagnostic ignored "-Wuninitialized"  // GCC bug 105593, see kernels_avx512.cc
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "engine/kernels/matmul_q8.h"
#include "engine/kernels/vec_avx2.h"

namespace doomscope::engine::kernels {
namespace {

constexpr int kBlockBytes = 34;
constexpr int kPrefetchBytes = 4096;

// One activation row, laid out per pair of blocks (the last pair of an odd
// block count has zero bytes and zero scales in its upper half).
struct ActivationPairs {
  const int8_t* q;       // 64 bytes a pair
  const int32_t* corr;   // 16 a pair: -128 * sum of each 4-byte group
  const float* scale;    // 16 a pair: d_x of block 2p in lanes 0-7, of block 2p+1 in 8-15
};

inline uint32_t HalfBits(const std::byte* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return h;
}

// Loads the quants of weight blocks 2p and 2p+1 (or 2p alone when `single`)
// shifted to unsigned, and their scales as lanes.
inline void LoadWeightPair(const std::byte* b0, bool single, __m512i* u, __m512* d) {
  const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b0 + 2));
  const __m256i hi = single ? _mm256_set1_epi8(static_cast<char>(0x80))
                            : _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b0 + kBlockBytes + 2));
  *u = _mm512_xor_si512(_mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1), _mm512_set1_epi8(static_cast<char>(0x80)));
  // Both fp16 scales converted by one instruction, then spread over the halves.
  const uint32_t h1 = single ? 0u : HalfBits(b0 + kBlockBytes);
  const __m128 d01 = _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(HalfBits(b0) | (h1 << 16))));
  const __m512i halves = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
  *d = _mm512_permutexvar_ps(halves, _mm512_castps128_ps512(d01));
}

// Weight rows read straight from their Q8_0 blocks: the streaming case
// (decode, where each weight meets one group of activation rows).
struct RawWeights {
  const std::byte* w;
  size_t row_bytes;
  int64_t blocks;
  RawWeights Rows(int64_t r) const { return {w + r * row_bytes, row_bytes, blocks}; }
  void Load(int r, int64_t p, __m512i* u, __m512* d) const {
    const std::byte* b0 = w + r * row_bytes + 2 * p * kBlockBytes;
    // Each weight is read once: run ahead of the hardware prefetcher.
    _mm_prefetch(reinterpret_cast<const char*>(b0) + kPrefetchBytes, _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(b0) + kPrefetchBytes + 64, _MM_HINT_T0);
    LoadWeightPair(b0, 2 * p + 1 == blocks, u, d);
  }
};

// A tile's weight rows as LoadWeightPair makes them, stored once and read by
// every group of activation rows (prefill, batches): the same values, so the
// same results, for a load instead of the shift and scale work each time.
struct PreparedWeights {
  const int8_t* u;  // 64 bytes a (row, pair)
  const float* d;   // 16 floats a (row, pair)
  int64_t pairs;
  void Load(int r, int64_t p, __m512i* uu, __m512* dd) const {
    *uu = _mm512_loadu_si512(u + (r * pairs + p) * 64);
    *dd = _mm512_loadu_ps(d + (r * pairs + p) * 16);
  }
};

template <int R, int C, typename Weights>
void Q8Tile(const Weights& w, const ActivationPairs* x, int64_t pairs, float* y, int64_t ldy, bool accumulate) {
  __m512 acc[R][C];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 16
    for (int c = 0; c < C; ++c) acc[r][c] = _mm512_setzero_ps();
  }
  for (int64_t p = 0; p < pairs; ++p) {
    __m512i wu[R];
    __m512 wd[R];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) w.Load(r, p, &wu[r], &wd[r]);
#pragma GCC unroll 16
    for (int c = 0; c < C; ++c) {
      const __m512i xq = _mm512_loadu_si512(x[c].q + 64 * p);
      const __m512i corr = _mm512_loadu_si512(x[c].corr + 16 * p);
      const __m512 xs = _mm512_loadu_ps(x[c].scale + 16 * p);
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) {
        const __m512 dot = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(corr, wu[r], xq));
        acc[r][c] = _mm512_fmadd_ps(dot, _mm512_mul_ps(wd[r], xs), acc[r][c]);
      }
    }
  }
  // The 256-bit halves added, then the AVX2 lane tree, eight outputs at a
  // time where the tile has them (Hsum8x8 gives Hsum8's bits).
  __m256 halves[R * C];
  float sums[R * C];
#pragma GCC unroll 16
  for (int i = 0; i < R * C; ++i) {
    const __m512 v = (&acc[0][0])[i];
    halves[i] = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
  }
  int i = 0;
  for (; i + 8 <= R * C; i += 8) _mm256_storeu_ps(sums + i, avx2_detail::Hsum8x8(halves + i));
  for (; i < R * C; ++i) sums[i] = avx2_detail::Hsum8(halves[i]);
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 16
    for (int c = 0; c < C; ++c) {
      float& out = y[c * ldy + r];
      out = accumulate ? out + sums[r * C + c] : sums[r * C + c];
    }
  }
}

// Register budget (32 zmm): R*C accumulators, R weight and R scale vectors,
// three activation vectors and temporaries.
constexpr int MaxRows(int C) { return C == 1 ? 8 : C == 2 ? 6 : 4; }
constexpr int kMainCols = 4;

template <int C, typename Weights, int R = MaxRows(C)>
void TileRows(int rows, const Weights& w, const ActivationPairs* x, int64_t pairs, float* y, int64_t ldy,
              bool accumulate) {
  if constexpr (R >= 1) {
    if (rows == R) return Q8Tile<R, C>(w, x, pairs, y, ldy, accumulate);
    return TileRows<C, Weights, R - 1>(rows, w, x, pairs, y, ldy, accumulate);
  }
}

template <typename Weights, int C = kMainCols>
void TileAny(int rows, int cols, const Weights& w, const ActivationPairs* x, int64_t pairs, float* y, int64_t ldy,
             bool accumulate) {
  if constexpr (C >= 1) {
    if (cols == C) return TileRows<C>(rows, w, x, pairs, y, ldy, accumulate);
    return TileAny<Weights, C - 1>(rows, cols, w, x, pairs, y, ldy, accumulate);
  }
}

// Per-thread scratch for the quantized activation rows.
struct Scratch {
  std::vector<int8_t> q;
  std::vector<float> d;
  std::vector<int32_t> corr;
  std::vector<float> scale;
  std::vector<ActivationPairs> rows;
  std::vector<int8_t> wu;  // PreparedWeights of the current tile
  std::vector<float> wd;
};

PreparedWeights PrepareWeights(const RawWeights& raw, int rows, int64_t pairs, Scratch* s) {
  const size_t n = static_cast<size_t>(rows * pairs);
  if (s->wu.size() < n * 64) s->wu.resize(n * 64);
  if (s->wd.size() < n * 16) s->wd.resize(n * 16);
  for (int r = 0; r < rows; ++r) {
    for (int64_t p = 0; p < pairs; ++p) {
      __m512i u;
      __m512 d;
      raw.Load(r, p, &u, &d);
      _mm512_storeu_si512(s->wu.data() + (r * pairs + p) * 64, u);
      _mm512_storeu_ps(s->wd.data() + (r * pairs + p) * 16, d);
    }
  }
  return {s->wu.data(), s->wd.data(), pairs};
}

// Quantizes activation row `x` (K values) into pair `p` layout at row slot `n`.
void PrepareRow(const float* x, int64_t K, int n, Scratch* s) {
  const int64_t blocks = K / 32, pairs = (blocks + 1) / 2;
  int8_t* q = s->q.data() + n * pairs * 64;
  float* d = s->d.data() + n * pairs * 2;
  QuantizeRowQ8Avx2(x, K, q, d);
  if (blocks % 2) {  // the odd tail: a zero block with a zero scale
    std::memset(q + blocks * 32, 0, 32);
    d[blocks] = 0.0f;
  }
  int32_t* corr = s->corr.data() + n * pairs * 16;
  float* scale = s->scale.data() + n * pairs * 16;
  const __m512i u128 = _mm512_set1_epi8(static_cast<char>(0x80));
  for (int64_t p = 0; p < pairs; ++p) {
    const __m512i xq = _mm512_loadu_si512(q + 64 * p);
    const __m512i sum128 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), u128, xq);
    _mm512_storeu_si512(corr + 16 * p, _mm512_sub_epi32(_mm512_setzero_si512(), sum128));
    _mm512_storeu_ps(scale + 16 * p, _mm512_insertf32x8(_mm512_set1_ps(d[2 * p]), _mm256_set1_ps(d[2 * p + 1]), 1));
  }
  s->rows[n] = ActivationPairs{q, corr, scale};
}

}  // namespace

void MatmulQ8Avx512Vnni(const MatmulArgs& a) {
  const int64_t K = a.w.cols;
  const int64_t blocks = K / 32, pairs = (blocks + 1) / 2;
  const size_t row_bytes = static_cast<size_t>(blocks) * kBlockBytes;
  const int64_t n_w = a.row_end - a.row_begin;
  if (n_w <= 0 || a.n_rows <= 0) return;
  thread_local Scratch s;
  const int n = a.n_rows;
  const size_t np = static_cast<size_t>(n * pairs);
  if (s.q.size() < np * 64) s.q.resize(np * 64);
  if (s.d.size() < np * 2) s.d.resize(np * 2);
  if (s.corr.size() < np * 16) s.corr.resize(np * 16);
  if (s.scale.size() < np * 16) s.scale.resize(np * 16);
  if (s.rows.size() < static_cast<size_t>(n)) s.rows.resize(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) PrepareRow(a.x + i * a.ldx, K, i, &s);

  const RawWeights w{a.w.data + static_cast<size_t>(a.row_begin) * row_bytes, row_bytes, blocks};
  float* y = a.y + a.row_begin;
  // Activation rows in blocks that stay in L2 (about 3 bytes per value) while
  // every weight row passes.
  const int block_rows = std::max<int>(kMainCols, static_cast<int>((256 * 1024) / (3 * 64 * pairs)) / kMainCols * kMainCols);
  for (int n0 = 0; n0 < n; n0 += block_rows) {
    const int nb = std::min(block_rows, n - n0);
    const int cols = std::min(kMainCols, nb);
    const int64_t tile_rows = cols == 1 ? MaxRows(1) : cols == 2 ? MaxRows(2) : MaxRows(kMainCols);
    for (int64_t r = 0; r < n_w; r += tile_rows) {
      const int rr = static_cast<int>(std::min(tile_rows, n_w - r));
      if (nb <= cols) {
        TileAny(rr, nb, w.Rows(r), s.rows.data() + n0, pairs, y + n0 * a.ldy + r, a.ldy, a.accumulate);
        continue;
      }
      const PreparedWeights prepared = PrepareWeights(w.Rows(r), rr, pairs, &s);
      for (int c = 0; c < nb; c += cols) {
        const int cc = std::min(cols, nb - c);
        TileAny(rr, cc, prepared, s.rows.data() + n0 + c, pairs, y + (n0 + c) * a.ldy + r, a.ldy, a.accumulate);
      }
    }
  }
}

}  // namespace doomscope::engine::kernels
