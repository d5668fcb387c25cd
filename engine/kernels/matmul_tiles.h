// The SIMD matrix-multiply body shared by the AVX2 and AVX-512 kernel files.
// Include it only from an ISA translation unit, after defining a traits class
// (see kernels_avx2.cc) and inside that file's own namespace, so the two
// instantiations (compiled with different -m flags) never share a symbol.
//
// Shape: y[n][r] = sum_k x[n][k] * w[r][k]. The work is cut into tiles of R
// weight rows by C input rows that keep R*C vector accumulators in registers
// and stream along K. Every output is one dot product in the canonical order
// described in kernels.h, whatever the tile shape, so results do not depend on
// batch size or on how the rows were split.
//
// Two paths: weights converted in registers inside the tile (used for f32
// always, and for small batches, where each weight is used once or twice), and
// a panel path for larger batches that converts a block of rows to f32 once
// and reuses it for every input row. Both produce bit-identical results
// because every conversion to f32 (fp16, bf16) is exact.
//
// Expects, in the enclosing namespace, a traits class T with: type V; kLanes;
// kRegisters; Zero(); Load(const float*); Store(float*, V); Fma(a, b, c) =
// a*b+c; float Hsum(V); Hsum8Many(const V*, float*) (eight Hsums); LoadF16(const std::byte*); LoadBF16(const std::byte*);
// float HalfToFloat(uint16_t); float FmaScalar(a, b, c). The includer must already include <algorithm>,
// <bit>, <cstring>, <type_traits>, <vector> and engine/kernels/tuning.h (this file sits inside a
// namespace, where standard headers must not be included).

// Weight-row readers for the float types (Q8_0 has its own integer path,
// matmul_q8.h). kStep is how many K elements one step covers; Load(k, v)
// returns vector v of the step at k.
template <class T>
struct F32Row {
  static constexpr int kStep = T::kLanes;
  static constexpr int kBytes = 4;  // per element
  const std::byte* p;
  typename T::V Load(int64_t k, int v) const {
    return T::Load(reinterpret_cast<const float*>(p) + k + v * T::kLanes);
  }
  float At(int64_t k) const {
    float f;
    std::memcpy(&f, p + 4 * k, 4);
    return f;
  }
};

template <class T>
struct F16Row {
  static constexpr int kStep = T::kLanes;
  static constexpr int kBytes = 2;
  const std::byte* p;
  typename T::V Load(int64_t k, int v) const { return T::LoadF16(p + 2 * (k + v * T::kLanes)); }
  float At(int64_t k) const {
    uint16_t h;
    std::memcpy(&h, p + 2 * k, 2);
    return T::HalfToFloat(h);
  }
};

template <class T>
struct BF16Row {
  static constexpr int kStep = T::kLanes;
  static constexpr int kBytes = 2;
  const std::byte* p;
  typename T::V Load(int64_t k, int v) const { return T::LoadBF16(p + 2 * (k + v * T::kLanes)); }
  float At(int64_t k) const {
    uint16_t h;
    std::memcpy(&h, p + 2 * k, 2);
    return std::bit_cast<float>(static_cast<uint32_t>(h) << 16);
  }
};

// R weight rows (w, w + row_bytes, ...) times C input rows (x, x + ldx, ...),
// written to y[c * ldy + r]. The loops over r, c and v are unrolled completely
// so the accumulator array lives in registers (GCC keeps arrays indexed by a
// rolled loop in memory). Streaming tiles prefetch each row's line
// pf.l1_prefetch_bytes ahead into L1 and pf.l2_prefetch_bytes into L2 (0: not),
// once per 64 bytes.
template <class T, class Row, int R, int C>
void Tile(const std::byte* w, size_t row_bytes, const float* x, int64_t ldx, int64_t K, float* y,
          int64_t ldy, bool accumulate, const StreamTiling& pf) {
  using V = typename T::V;
  constexpr int kLanes = T::kLanes;
  constexpr int kVectors = Row::kStep / kLanes;
  Row rows[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) rows[r] = Row{w + r * row_bytes};
  V acc[R][C];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 16
    for (int c = 0; c < C; ++c) acc[r][c] = T::Zero();
  }
  auto step = [&](int64_t k) __attribute__((always_inline)) {
#pragma GCC unroll 16
    for (int v = 0; v < kVectors; ++v) {
      V xv[C];
#pragma GCC unroll 16
      for (int c = 0; c < C; ++c) xv[c] = T::Load(x + c * ldx + k + v * kLanes);
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) {
        const V wv = rows[r].Load(k, v);
#pragma GCC unroll 16
        for (int c = 0; c < C; ++c) acc[r][c] = T::Fma(wv, xv[c], acc[r][c]);
      }
    }
  };
  const int64_t k_main = K - K % Row::kStep;
  // Steps in 64-byte lines of weights (one prefetch per row and line), then the steps left.
  constexpr int kStepsPerLine = std::max(1, 64 / (Row::kStep * Row::kBytes));
  constexpr int64_t kLine = int64_t{kStepsPerLine} * Row::kStep;
  const int64_t k_lines = k_main - k_main % kLine;
  int64_t k = 0;
  if (pf.l1_prefetch_bytes > 0 || pf.l2_prefetch_bytes > 0) {
    for (; k < k_lines; k += kLine) {
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) {
        const char* line = reinterpret_cast<const char*>(rows[r].p + k * Row::kBytes);
        if (pf.l1_prefetch_bytes > 0) _mm_prefetch(line + pf.l1_prefetch_bytes, _MM_HINT_T0);
        if (pf.l2_prefetch_bytes > 0) _mm_prefetch(line + pf.l2_prefetch_bytes, _MM_HINT_T1);
      }
#pragma GCC unroll 8
      for (int s = 0; s < kStepsPerLine; ++s) step(k + s * Row::kStep);
    }
  }
  for (; k < k_main; k += Row::kStep) step(k);
  // Lane sums eight accumulators at a time where possible (same bits as one by one).
  float sums[R * C];
  int i = 0;
  for (; i + 8 <= R * C; i += 8) T::Hsum8Many(&acc[0][0] + i, sums + i);
  for (; i < R * C; ++i) sums[i] = T::Hsum((&acc[0][0])[i]);
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 16
    for (int c = 0; c < C; ++c) {
      float s = sums[r * C + c];
      for (int64_t kk = k_main; kk < K; ++kk) s = T::FmaScalar(rows[r].At(kk), x[c * ldx + kk], s);
      float& out = y[c * ldy + r];
      out = accumulate ? out + s : s;
    }
  }
}

// The most weight rows a tile of C input rows holds: R*C accumulators and the
// C input vectors fit the register file.
template <class T, class Row>
constexpr int MaxTileRows(int C) {
  if constexpr (T::kRegisters >= 32) return C == 1 ? 12 : C == 2 ? 10 : C == 3 ? 7 : 5;
  return C == 1 ? 8 : C == 2 ? 6 : 4;
}

template <class T>
constexpr int MainTileCols() {
  return T::kRegisters >= 32 ? 4 : 3;
}

template <class T, class Row, int C, int R = MaxTileRows<T, Row>(C)>
void TileRows(int rows, const std::byte* w, size_t row_bytes, const float* x, int64_t ldx, int64_t K,
              float* y, int64_t ldy, bool accumulate, const StreamTiling& pf) {
  if constexpr (R >= 1) {
    if (rows == R) return Tile<T, Row, R, C>(w, row_bytes, x, ldx, K, y, ldy, accumulate, pf);
    return TileRows<T, Row, C, R - 1>(rows, w, row_bytes, x, ldx, K, y, ldy, accumulate, pf);
  }
}

template <class T, class Row, int C = MainTileCols<T>()>
void TileAny(int rows, int cols, const std::byte* w, size_t row_bytes, const float* x, int64_t ldx,
             int64_t K, float* y, int64_t ldy, bool accumulate, const StreamTiling& pf) {
  if constexpr (C >= 1) {
    if (cols == C) return TileRows<T, Row, C>(rows, w, row_bytes, x, ldx, K, y, ldy, accumulate, pf);
    return TileAny<T, Row, C - 1>(rows, cols, w, row_bytes, x, ldx, K, y, ldy, accumulate, pf);
  }
}

// Input rows per block: a block of x (kept in L2) is reused by every weight row
// before the next block is read.
inline int InputBlockRows(int64_t K, int main_cols) {
  const int64_t l2_share = HostMatmulTuning().l2_bytes / 6;
  const int64_t rows = std::max<int64_t>(main_cols, l2_share / (4 * std::max<int64_t>(K, 1)));
  return static_cast<int>(rows - rows % main_cols);
}

// All of rows [0, n_w) of w (row r at w + r * row_bytes) times x rows [0, n).
// `prefetch_when_streaming`: false where w is already in cache (an f32 panel).
template <class T, class Row>
void Direct(const std::byte* w, size_t row_bytes, int64_t n_w, const float* x, int64_t ldx, int n,
            int64_t K, float* y, int64_t ldy, bool accumulate, bool prefetch_when_streaming) {
  constexpr int kMainCols = MainTileCols<T>();
  const int block = InputBlockRows(K, kMainCols);
  for (int n0 = 0; n0 < n; n0 += block) {
    const int nb = std::min(block, n - n0);
    const int cols = std::min(kMainCols, nb);
    // One or two input rows use each weight once or twice: the product streams
    // the weights from memory, in tiles sized for the prefetch (tuning.h).
    const bool stream = cols <= 2 && prefetch_when_streaming;
    const StreamTiling streaming =
        ChooseStreamTiling(row_bytes, MaxTileRows<T, Row>(cols), Row::kBytes == 2, Row::kBytes == 4);
    const int64_t tile_rows = stream ? streaming.rows : MaxTileRows<T, Row>(cols);
    const StreamTiling pf = stream ? streaming : StreamTiling{};
    for (int64_t r = 0; r < n_w; r += tile_rows) {
      const int rr = static_cast<int>(std::min(tile_rows, n_w - r));
      for (int c = 0; c < nb; c += cols) {
        const int cc = std::min(cols, nb - c);
        TileAny<T, Row>(rr, cc, w + r * row_bytes, row_bytes, x + (n0 + c) * ldx, ldx, K,
                        y + (n0 + c) * ldy + r, ldy, accumulate, pf);
      }
    }
  }
}

// Converts one weight row to float32 (exactly).
template <class T, class Row>
void RowToF32(const std::byte* row, int64_t K, float* out) {
  constexpr int kVectors = Row::kStep / T::kLanes;
  const Row reader{row};
  const int64_t k_main = K - K % Row::kStep;
  for (int64_t k = 0; k < k_main; k += Row::kStep) {
    for (int v = 0; v < kVectors; ++v) T::Store(out + k + v * T::kLanes, reader.Load(k, v));
  }
  for (int64_t k = k_main; k < K; ++k) out[k] = reader.At(k);
}

// Batches at least this large convert weights to an f32 panel first.
inline constexpr int kPanelMinRows = 3;

template <class T, class Row>
void MatmulRows(const kernels::MatmulArgs& a) {
  const int64_t K = a.w.cols;
  const size_t row_bytes = DTypeBytes(a.w.dtype, static_cast<size_t>(K));
  const std::byte* w = a.w.data + static_cast<size_t>(a.row_begin) * row_bytes;
  float* y = a.y + a.row_begin;
  const int64_t n_w = a.row_end - a.row_begin;
  if (n_w <= 0 || a.n_rows <= 0) return;
  if (std::is_same_v<Row, F32Row<T>> || a.n_rows < kPanelMinRows) {
    Direct<T, Row>(w, row_bytes, n_w, a.x, a.ldx, a.n_rows, K, y, a.ldy, a.accumulate, true);
    return;
  }
  const int64_t panel_rows = std::max<int64_t>(8, HostMatmulTuning().l2_bytes / 10 / (4 * K));
  thread_local std::vector<float> panel;
  if (panel.size() < static_cast<size_t>(panel_rows * K)) panel.resize(static_cast<size_t>(panel_rows * K));
  for (int64_t p0 = 0; p0 < n_w; p0 += panel_rows) {
    const int64_t pr = std::min(panel_rows, n_w - p0);
    for (int64_t r = 0; r < pr; ++r) RowToF32<T, Row>(w + (p0 + r) * row_bytes, K, panel.data() + r * K);
    Direct<T, F32Row<T>>(reinterpret_cast<const std::byte*>(panel.data()), static_cast<size_t>(4 * K), pr,
                         a.x, a.ldx, a.n_rows, K, y + p0, a.ldy, a.accumulate, false);
  }
}

template <class T>
void MatmulAny(const kernels::MatmulArgs& a) {
  switch (a.w.dtype) {
    case DType::kF32: return MatmulRows<T, F32Row<T>>(a);
    case DType::kF16: return MatmulRows<T, F16Row<T>>(a);
    case DType::kBF16: return MatmulRows<T, BF16Row<T>>(a);
    case DType::kQ8_0: break;  // integer path: matmul_q8.h
  }
}
