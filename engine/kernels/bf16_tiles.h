// The BF16 dot-product matmul body shared by the AVX2 and AVX-512 BF16 files
// (matmul_bf16.h defines the arithmetic). Include it only from an ISA
// translation unit, inside that file's own anonymous namespace, after
// defining a traits class B with:
//   Acc, Acc Zero()                          one output's 16 lanes
//   X, X LoadX(const uint16_t* x)            32 bf16 activations
//   void Step(Acc&, const std::byte* w, const X&)   32 bf16 weights: steps 2 of the arithmetic
//   void Sum8(const Acc* a, float* out)      out[i] = lane tree of a[i], i < 8
//   float Sum1(const Acc&)                   the same for one
//   kMaxCols, MaxRows(cols)                  the largest tile the registers hold
// The includer includes <algorithm>, <cstring>, <vector> and
// engine/kernels/tuning.h, and runs the whole product under MXCSR FTZ|DAZ.
//
// Shape: y[n][r] = dot(w[r], x[n]). Tiles of R weight rows by C activation
// rows keep R*C accumulators in registers and walk K in chunks of 32; each
// accumulator follows the one chain of the arithmetic, so the tile shape,
// the batch and the row split never change a bit.

// R weight rows from `w` (row_bytes apart) times C activation rows from `x`
// (ldx apart, bf16, zero-padded to whole chunks), written to y[c * ldy + r].
// Streaming tiles prefetch each row pf.l1_prefetch_bytes ahead into L1 and
// pf.l2_prefetch_bytes into L2 (0: not), once per 64-byte chunk.
template <class B, int R, int C>
void Bf16Tile(const std::byte* w, size_t row_bytes, const uint16_t* x, int64_t ldx, int64_t K, float* y,
              int64_t ldy, bool accumulate, const StreamTiling& pf) {
  using Acc = typename B::Acc;
  using X = typename B::X;
  Acc acc[R][C];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 16
    for (int c = 0; c < C; ++c) acc[r][c] = B::Zero();
  }
  const int64_t full = K / kBf16ChunkElements;
  for (int64_t ch = 0; ch < full; ++ch) {
    const std::byte* wc = w + ch * 2 * kBf16ChunkElements;
    if (pf.l1_prefetch_bytes > 0 || pf.l2_prefetch_bytes > 0) {
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) {
        const char* line = reinterpret_cast<const char*>(wc + r * row_bytes);
        if (pf.l1_prefetch_bytes > 0) _mm_prefetch(line + pf.l1_prefetch_bytes, _MM_HINT_T0);
        if (pf.l2_prefetch_bytes > 0) _mm_prefetch(line + pf.l2_prefetch_bytes, _MM_HINT_T1);
      }
    }
    X xv[C];
#pragma GCC unroll 16
    for (int c = 0; c < C; ++c) xv[c] = B::LoadX(x + c * ldx + ch * kBf16ChunkElements);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
#pragma GCC unroll 16
      for (int c = 0; c < C; ++c) B::Step(acc[r][c], wc + r * row_bytes, xv[c]);
    }
  }
  if (const int64_t rest = K - full * kBf16ChunkElements; rest > 0) {
    // The last chunk, zero-padded (the activations are padded already).
    X xv[C];
#pragma GCC unroll 16
    for (int c = 0; c < C; ++c) xv[c] = B::LoadX(x + c * ldx + full * kBf16ChunkElements);
    alignas(64) std::byte tail[2 * kBf16ChunkElements];
    for (int r = 0; r < R; ++r) {
      std::memset(tail, 0, sizeof(tail));
      std::memcpy(tail, w + r * row_bytes + full * 2 * kBf16ChunkElements, static_cast<size_t>(2 * rest));
#pragma GCC unroll 16
      for (int c = 0; c < C; ++c) B::Step(acc[r][c], tail, xv[c]);
    }
  }
  float sums[R * C];
  int i = 0;
  for (; i + 8 <= R * C; i += 8) B::Sum8(&acc[0][0] + i, sums + i);
  for (; i < R * C; ++i) sums[i] = B::Sum1((&acc[0][0])[i]);
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 16
    for (int c = 0; c < C; ++c) {
      float& out = y[c * ldy + r];
      out = accumulate ? out + sums[r * C + c] : sums[r * C + c];
    }
  }
}

template <class B, int C, int R = B::MaxRows(C)>
void Bf16TileRows(int rows, const std::byte* w, size_t row_bytes, const uint16_t* x, int64_t ldx, int64_t K,
                  float* y, int64_t ldy, bool accumulate, const StreamTiling& pf) {
  if constexpr (R >= 1) {
    if (rows == R) return Bf16Tile<B, R, C>(w, row_bytes, x, ldx, K, y, ldy, accumulate, pf);
    return Bf16TileRows<B, C, R - 1>(rows, w, row_bytes, x, ldx, K, y, ldy, accumulate, pf);
  }
}

template <class B, int C = B::kMaxCols>
void Bf16TileAny(int rows, int cols, const std::byte* w, size_t row_bytes, const uint16_t* x, int64_t ldx,
                 int64_t K, float* y, int64_t ldy, bool accumulate, const StreamTiling& pf) {
  if constexpr (C >= 1) {
    if (cols == C) return Bf16TileRows<B, C>(rows, w, row_bytes, x, ldx, K, y, ldy, accumulate, pf);
    return Bf16TileAny<B, C - 1>(rows, cols, w, row_bytes, x, ldx, K, y, ldy, accumulate, pf);
  }
}

// The whole product of MatmulArgs `a` (BF16 weights), activations already
// rounded into `xb` (n_rows rows of `ldx` bf16 values).
template <class B>
void Bf16MatmulRounded(const MatmulArgs& a, const uint16_t* xb, int64_t ldx) {
  const int64_t K = a.w.cols;
  const size_t row_bytes = static_cast<size_t>(2 * K);
  const std::byte* w = a.w.data + static_cast<size_t>(a.row_begin) * row_bytes;
  float* y = a.y + a.row_begin;
  const int64_t n_w = a.row_end - a.row_begin;
  const StreamTiling streaming = ChooseStreamTiling(row_bytes, B::MaxRows(1), true, false);
  // Activation rows in blocks that stay in L2 while every weight row passes.
  const int block = std::max<int>(B::kMaxCols, static_cast<int>(HostMatmulTuning().l2_bytes / 4 / (2 * ldx)) /
                                                    B::kMaxCols * B::kMaxCols);
  for (int n0 = 0; n0 < a.n_rows; n0 += block) {
    const int nb = std::min(block, a.n_rows - n0);
    const int cols = std::min(B::kMaxCols, nb);
    // One or two activation rows use each weight once or twice: the product
    // streams the weights from memory, in tiles sized for the prefetch.
    const bool stream = cols <= 2;
    const int64_t tile_rows = stream ? std::min(streaming.rows, B::MaxRows(cols)) : B::MaxRows(cols);
    const StreamTiling pf = stream ? streaming : StreamTiling{};
    for (int64_t r = 0; r < n_w; r += tile_rows) {
      const int rr = static_cast<int>(std::min(tile_rows, n_w - r));
      for (int c = 0; c < nb; c += cols) {
        const int cc = std::min(cols, nb - c);
        Bf16TileAny<B>(rr, cc, w + r * row_bytes, row_bytes, xb + (n0 + c) * ldx, ldx, K, y + (n0 + c) * a.ldy + r,
                       a.ldy, a.accumulate, pf);
      }
    }
  }
}

// The whole product of MatmulArgs `a`: the activations rounded by `round`
// (an ActivationsToBf16* of matmul_bf16.h) into per-thread scratch, then the
// tiles. Run it under MXCSR FTZ|DAZ from a function it is not inlined into.
template <class B>
__attribute__((noinline)) void Bf16Matmul(const MatmulArgs& a, void (*round)(const float*, int64_t, uint16_t*)) {
  const int64_t ldx = Bf16PaddedLength(a.w.cols);
  thread_local std::vector<uint16_t> xb;
  if (xb.size() < static_cast<size_t>(a.n_rows * ldx)) xb.resize(static_cast<size_t>(a.n_rows * ldx));
  for (int n = 0; n < a.n_rows; ++n) round(a.x + n * a.ldx, a.w.cols, xb.data() + n * ldx);
  Bf16MatmulRounded<B>(a, xb.data(), ldx);
}
