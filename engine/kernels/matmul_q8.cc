// Scalar reference for Q8_0 x float (see matmul_q8.h).
#include <cmath>
#include <cstring>
#include <vector>

#include "engine/kernels/matmul_q8.h"
#include "engine/quantize.h"

namespace doomscope::engine::kernels {

void QuantizeRowQ8Scalar(const float* x, int64_t k, int8_t* q, float* d) {
  for (int64_t b = 0; b < k / 32; ++b) {
    const float* xb = x + 32 * b;
    float amax = 0.0f;
    for (int i = 0; i < 32; ++i) amax = std::fmax(amax, std::fabs(xb[i]));
    d[b] = amax / 127.0f;
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    for (int i = 0; i < 32; ++i) {
      const float r = std::nearbyint(xb[i] * id);
      // Only NaN or infinite inputs reach the clamps.
      q[32 * b + i] = static_cast<int8_t>(r >= 127.0f ? 127 : r <= -128.0f ? -128 : r == r ? static_cast<int>(r) : -128);
    }
  }
}

void MatmulQ8Scalar(const MatmulArgs& a) {
  const int64_t K = a.w.cols;
  const int64_t blocks = K / 32;
  const size_t row_bytes = DTypeBytes(DType::kQ8_0, static_cast<size_t>(K));
  std::vector<int8_t> xq(static_cast<size_t>(a.n_rows * K));
  std::vector<float> xd(static_cast<size_t>(a.n_rows * blocks));
  for (int n = 0; n < a.n_rows; ++n) QuantizeRowQ8Scalar(a.x + n * a.ldx, K, xq.data() + n * K, xd.data() + n * blocks);
  for (int64_t r = a.row_begin; r < a.row_end; ++r) {
    const std::byte* row = a.w.data + static_cast<size_t>(r) * row_bytes;
    for (int n = 0; n < a.n_rows; ++n) {
      float val = 0.0f;
      for (int64_t b = 0; b < blocks; ++b) {
        const std::byte* block = row + b * kQ8_0BlockBytes;
        uint16_t h;
        std::memcpy(&h, block, 2);
        int32_t dot = 0;
        for (int i = 0; i < 32; ++i) {
          dot += static_cast<int32_t>(static_cast<int8_t>(block[2 + i])) * xq[n * K + 32 * b + i];
        }
        val += static_cast<float>(dot) * (HalfToFloat(h) * xd[n * blocks + b]);
      }
      float& out = a.y[n * a.ldy + r];
      out = a.accumulate ? out + val : val;
    }
  }
}

size_t PackedQ8GroupStride(int64_t cols) {
  const size_t bytes = static_cast<size_t>(cols / 32) * (32 * kQ8GroupRows + 2 * kQ8GroupRows);
  return (bytes + 63) / 64 * 64;  // each group starts on a cache line
}

int64_t PackedQ8Groups(int64_t rows) { return (rows + kQ8GroupRows - 1) / kQ8GroupRows; }

void PackQ8Groups(const TensorView& w, int64_t g0, int64_t g1, std::byte* out) {
  const int64_t blocks = w.cols / 32;
  const size_t row_bytes = static_cast<size_t>(blocks) * kQ8_0BlockBytes;
  const size_t stride = PackedQ8GroupStride(w.cols);
  for (int64_t g = g0; g < g1; ++g) {
    std::byte* group = out + static_cast<size_t>(g - g0) * stride;
    std::byte* scales = group + static_cast<size_t>(blocks) * 32 * kQ8GroupRows;
    for (int i = 0; i < kQ8GroupRows; ++i) {
      const int64_t r = g * kQ8GroupRows + i;
      const std::byte* row = r < w.rows ? w.data + static_cast<size_t>(r) * row_bytes : nullptr;
      for (int64_t b = 0; b < blocks; ++b) {
        const std::byte* block = row != nullptr ? row + b * kQ8_0BlockBytes : nullptr;
        std::byte* quants = group + static_cast<size_t>(b) * 32 * kQ8GroupRows;
        for (int k = 0; k < 32; ++k) {
          // Padding rows hold w = 0 with scale 0.
          const std::byte q = block != nullptr ? block[2 + k] : std::byte{0};
          quants[(k / 4) * 4 * kQ8GroupRows + 4 * i + k % 4] = q ^ std::byte{0x80};
        }
        std::byte* scale = scales + (static_cast<size_t>(b) * kQ8GroupRows + i) * 2;
        scale[0] = block != nullptr ? block[0] : std::byte{0};
        scale[1] = block != nullptr ? block[1] : std::byte{0};
      }
    }
  }
}

PackedMatrix PackQ8ForVnni(const TensorView& w) {
  if (w.dtype != DType::kQ8_0) return {};
  const int64_t groups = PackedQ8Groups(w.rows);
  PackedMatrix packed(static_cast<size_t>(groups) * PackedQ8GroupStride(w.cols));
  // Groups are independent: large matrices pack on all cores.
#pragma omp parallel for schedule(static) if (groups > 256)
  for (int64_t g = 0; g < groups; ++g) {
    PackQ8Groups(w, g, g + 1, packed.data() + static_cast<size_t>(g) * PackedQ8GroupStride(w.cols));
  }
  return packed;
}

}  // namespace doomscope::engine::kernels
