// AVX-512 VNNI Q8_0 x float over the 16-row groups of matmul_q8.h.
//
// Per group, activation row and block: the block's integer dot products of
// all 16 weight rows are 8 vpdpbusd (each: four weight bytes of every row
// against four activation bytes broadcast), then one convert, the scale
// product d_w * d_x, one multiply and one add for 16 outputs. That is about
// 12 instructions for 512 multiply-adds, against 32 for the two-blocks-a-row
// layout: why prefill and batched decode run above the float32 FMA peak.
//
// vpdpbusd multiplies unsigned by signed bytes, so the weights are stored as
// u = w + 128 and the block's accumulator starts at -128 * sum(x of the
// block): the lanes end holding the exact sum(w * x) (|sum| < 2^21).
//
// Every output is MatmulQ8Scalar's chain of operations: the same activation
// quantization, exact integer block dots, then in block order
// val = val + float(dot) * (d_w * d_x), each step rounded as the scalar code
// rounds it (no fused multiply-add). So the result is the scalar reference's
// bits, whatever the batch, tile or thread split.
#pragma GCC diagnostic ignored "-Wuninitialized"  // GCC bug 105593, see kernels_avx512.cc
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "engine/kernels/matmul_q8.h"
#include "engine/kernels/tuning.h"

namespace doomscope::engine::kernels {
namespace {

constexpr int kSliceBytes = 4 * kQ8GroupRows;            // 64: one register
constexpr int kBlockQuantBytes = 8 * kSliceBytes;        // 512
// Streaming distance ahead of the current block, per group, when streaming
// interleaved (tuning.h): measured on smollm2-135m batch-1 decode on a Xeon,
// 4 KiB gives ~10% over none.
constexpr int kPrefetchBytes = 4096;
constexpr int kMaxCols = 4;                              // activation rows per tile
// Groups per tile: with few activation rows more groups keep enough
// independent vpdpbusd chains in flight (latency 5, two per cycle).
constexpr int MaxGroups(int cols) { return cols <= 2 ? 4 : 2; }

// One quantized activation row.
struct ActivationRow {
  const int8_t* q;       // K values
  const float* d;        // a scale per block
  const int32_t* corr;   // -128 * sum(q) per block
};

inline int32_t Load4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// G groups (16 G weight rows) times C activation rows, all blocks.
// `w` is the first group; `mask[g]` the lanes of group g to write.
// Streaming tiles prefetch each group's lines `l1_prefetch` bytes ahead into L1
// and `l2_prefetch` into L2 (0: not).
template <int G, int C>
void Tile(const std::byte* w, size_t stride, int64_t blocks, const ActivationRow* x, float* y, int64_t ldy,
          const __mmask16* mask, bool accumulate, int64_t l1_prefetch, int64_t l2_prefetch) {
  __m512 acc[G][C];
#pragma GCC unroll 16
  for (int g = 0; g < G; ++g) {
#pragma GCC unroll 16
    for (int c = 0; c < C; ++c) acc[g][c] = _mm512_setzero_ps();
  }
  const std::byte* scales = w + static_cast<size_t>(blocks) * kBlockQuantBytes;
  for (int64_t b = 0; b < blocks; ++b) {
    __m512i dot[G][C];
#pragma GCC unroll 16
    for (int c = 0; c < C; ++c) {
      const __m512i init = _mm512_set1_epi32(x[c].corr[b]);
#pragma GCC unroll 16
      for (int g = 0; g < G; ++g) dot[g][c] = init;
    }
    const std::byte* quants = w + b * kBlockQuantBytes;
    if (l1_prefetch > 0 || l2_prefetch > 0) {
      // Streaming (each weight used once or twice): run ahead of the hardware
      // prefetcher, a block's eight lines per group.
#pragma GCC unroll 16
      for (int g = 0; g < G; ++g) {
        const char* block = reinterpret_cast<const char*>(quants + g * stride);
#pragma GCC unroll 8
        for (int s = 0; s < 8; ++s) {
          if (l1_prefetch > 0) _mm_prefetch(block + l1_prefetch + s * kSliceBytes, _MM_HINT_T0);
          if (l2_prefetch > 0) _mm_prefetch(block + l2_prefetch + s * kSliceBytes, _MM_HINT_T1);
        }
      }
    }
#pragma GCC unroll 8
    for (int s = 0; s < 8; ++s) {
      __m512i wq[G];
#pragma GCC unroll 16
      for (int g = 0; g < G; ++g) wq[g] = _mm512_load_si512(quants + g * stride + s * kSliceBytes);
#pragma GCC unroll 16
      for (int c = 0; c < C; ++c) {
        const __m512i xb = _mm512_set1_epi32(Load4(x[c].q + 32 * b + 4 * s));
#pragma GCC unroll 16
        for (int g = 0; g < G; ++g) dot[g][c] = _mm512_dpbusd_epi32(dot[g][c], wq[g], xb);
      }
    }
#pragma GCC unroll 16
    for (int g = 0; g < G; ++g) {
      const __m512 dw = _mm512_cvtph_ps(
          _mm256_load_si256(reinterpret_cast<const __m256i*>(scales + g * stride + b * 2 * kQ8GroupRows)));
#pragma GCC unroll 16
      for (int c = 0; c < C; ++c) {
        const __m512 scale = _mm512_mul_ps(dw, _mm512_set1_ps(x[c].d[b]));
        acc[g][c] = _mm512_add_ps(acc[g][c], _mm512_mul_ps(_mm512_cvtepi32_ps(dot[g][c]), scale));
      }
    }
  }
#pragma GCC unroll 16
  for (int g = 0; g < G; ++g) {
#pragma GCC unroll 16
    for (int c = 0; c < C; ++c) {
      float* out = y + c * ldy + g * kQ8GroupRows;
      __m512 v = acc[g][c];
      if (accumulate) v = _mm512_add_ps(_mm512_maskz_loadu_ps(mask[g], out), v);
      _mm512_mask_storeu_ps(out, mask[g], v);
    }
  }
}

template <int C, int G = MaxGroups(C)>
void TileGroups(int groups, const std::byte* w, size_t stride, int64_t blocks, const ActivationRow* x, float* y,
                int64_t ldy, const __mmask16* mask, bool accumulate, int64_t l1_prefetch, int64_t l2_prefetch) {
  if constexpr (G >= 1) {
    if (groups == G) return Tile<G, C>(w, stride, blocks, x, y, ldy, mask, accumulate, l1_prefetch, l2_prefetch);
    return TileGroups<C, G - 1>(groups, w, stride, blocks, x, y, ldy, mask, accumulate, l1_prefetch, l2_prefetch);
  }
}

template <int C = kMaxCols>
void TileAny(int groups, int cols, const std::byte* w, size_t stride, int64_t blocks, const ActivationRow* x,
             float* y, int64_t ldy, const __mmask16* mask, bool accumulate, int64_t l1_prefetch, int64_t l2_prefetch) {
  if constexpr (C >= 1) {
    if (cols == C) return TileGroups<C>(groups, w, stride, blocks, x, y, ldy, mask, accumulate, l1_prefetch, l2_prefetch);
    return TileAny<C - 1>(groups, cols, w, stride, blocks, x, y, ldy, mask, accumulate, l1_prefetch, l2_prefetch);
  }
}

// Per-thread scratch: quantized activation rows, and packed weights when the
// caller passed none.
struct Scratch {
  std::vector<int8_t> q;
  std::vector<float> d;
  std::vector<int32_t> corr;
  std::vector<ActivationRow> rows;
  PackedMatrix packed;
};

void QuantizeActivations(const MatmulArgs& a, Scratch* s) {
  const int64_t K = a.w.cols, blocks = K / 32;
  const size_t n = static_cast<size_t>(a.n_rows);
  if (s->q.size() < n * K) s->q.resize(n * K);
  if (s->d.size() < n * blocks) s->d.resize(n * blocks);
  if (s->corr.size() < n * blocks) s->corr.resize(n * blocks);
  s->rows.resize(n);
  for (size_t i = 0; i < n; ++i) {
    int8_t* q = s->q.data() + i * K;
    float* d = s->d.data() + i * blocks;
    int32_t* corr = s->corr.data() + i * blocks;
    QuantizeRowQ8Avx2(a.x + i * a.ldx, K, q, d);
    for (int64_t b = 0; b < blocks; ++b) {
      int32_t sum = 0;
      for (int k = 0; k < 32; ++k) sum += q[32 * b + k];
      corr[b] = -128 * sum;
    }
    s->rows[i] = ActivationRow{q, d, corr};
  }
}

// The lanes of group g that fall in [row_begin, row_end).
__mmask16 GroupMask(int64_t g, int64_t row_begin, int64_t row_end) {
  const int64_t lo = std::max<int64_t>(row_begin - g * kQ8GroupRows, 0);
  const int64_t hi = std::min<int64_t>(row_end - g * kQ8GroupRows, kQ8GroupRows);
  return static_cast<__mmask16>(((1u << hi) - 1) & ~((1u << lo) - 1));
}

}  // namespace

void MatmulQ8Avx512Vnni(const MatmulArgs& a) {
  if (a.row_end <= a.row_begin || a.n_rows <= 0) return;
  thread_local Scratch s;
  QuantizeActivations(a, &s);
  const int64_t blocks = a.w.cols / 32;
  const size_t stride = PackedQ8GroupStride(a.w.cols);
  const int64_t g0 = a.row_begin / kQ8GroupRows;
  const int64_t g1 = PackedQ8Groups(a.row_end);
  const std::byte* groups = nullptr;  // group g0
  if (a.packed != nullptr) {
    groups = a.packed + static_cast<size_t>(g0) * stride;
  } else {
    const size_t bytes = static_cast<size_t>(g1 - g0) * stride;
    if (s.packed.size() < bytes) s.packed = PackedMatrix(bytes);
    PackQ8Groups(a.w, g0, g1, s.packed.data());
    groups = s.packed.data();
  }
  // Activation rows in blocks that stay in L2 (about 1.25 bytes a value)
  // while the weight groups pass.
  const int64_t row_bytes = a.w.cols + 8 * blocks;
  const int block_rows = std::max<int>(
      kMaxCols, static_cast<int>(HostMatmulTuning().l2_bytes / 4 / row_bytes) / kMaxCols * kMaxCols);
  const bool sequential = HostMatmulTuning().streaming == Streaming::kSequential;
  const int n = a.n_rows;
  for (int n0 = 0; n0 < n; n0 += block_rows) {
    const int nb = std::min(block_rows, n - n0);
    const int cols = std::min(kMaxCols, nb);
    // One or two activation rows stream the weights (tuning.h): one group at
    // a time, or several side by side with a software prefetch.
    const bool stream = cols <= 2;
    const int64_t tile_groups = stream && sequential ? 1 : MaxGroups(cols);
    const int64_t l1_prefetch = stream && !sequential ? kPrefetchBytes : 0;
    const int64_t l2_prefetch = stream && sequential ? HostMatmulTuning().l2_prefetch_bytes : 0;
    for (int64_t g = g0; g < g1; g += tile_groups) {
      const int gg = static_cast<int>(std::min(tile_groups, g1 - g));
      __mmask16 mask[4];
      for (int i = 0; i < gg; ++i) mask[i] = GroupMask(g + i, a.row_begin, a.row_end);
      const std::byte* w = groups + static_cast<size_t>(g - g0) * stride;
      for (int c = 0; c < nb; c += cols) {
        const int cc = std::min(cols, nb - c);
        TileAny(gg, cc, w, stride, blocks, s.rows.data() + n0 + c, a.y + (n0 + c) * a.ldy + g * kQ8GroupRows,
                a.ldy, mask, a.accumulate, l1_prefetch, l2_prefetch);
      }
    }
  }
}

}  // namespace doomscope::engine::kernels
