// Scalar reference of the BF16 dot-product arithmetic (matmul_bf16.h): every
// rounding written out, nothing left to the floating-point environment, so it
// gives the same bits on any CPU and under any MXCSR. Compiled with
// -ffp-contract=off (engine/CMakeLists.txt) so no add is fused by the compiler.
#include <bit>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "engine/kernels/matmul_bf16.h"

namespace doomscope::engine::kernels {
namespace {

constexpr float kMinNormal = 0x1p-126f;

// A denormal input read as a zero of its sign (DAZ), or a denormal result
// flushed to one (FTZ; exact for sums of two floats, which land on the denormal
// grid unrounded, but not for every fused multiply-add: see DotStep).
inline float FlushDenormal(float v) { return std::fabs(v) < kMinNormal ? std::copysign(0.0f, v) : v; }

inline float Bf16Value(uint16_t h) { return std::bit_cast<float>(static_cast<uint32_t>(h) << 16); }

// One step of the instruction: acc + a * b with one rounding, DAZ in, FTZ out.
float DotStep(float acc, uint16_t a_bits, uint16_t b_bits) {
  float a = FlushDenormal(Bf16Value(a_bits)), b = FlushDenormal(Bf16Value(b_bits));
  acc = FlushDenormal(acc);
  const float r = std::fma(a, b, acc);
  if (std::fabs(r) != kMinNormal) return FlushDenormal(r);
  // x86 calls a result tiny when it rounds below the smallest normal with an
  // unbounded exponent range, which the denormal grid r was rounded to cannot
  // tell when r is that smallest normal (2^-126 - 2^-150 rounds to 2^-126 on
  // the grid, yet is tiny and flushed). Both terms are then below 2^-101, so
  // at a scale of 2^100 (exact: the smaller factor takes it) nothing
  // underflows and the rounding is the unbounded one.
  if (std::fabs(a) > std::fabs(b)) std::swap(a, b);
  const float scaled = std::fma(std::ldexp(a, 100), b, std::ldexp(acc, 100));
  return std::fabs(scaled) < 0x1p-26f ? std::copysign(0.0f, r) : r;
}

// An add of the lane tree or the residual, DAZ in, FTZ out.
inline float Add(float a, float b) { return FlushDenormal(FlushDenormal(a) + FlushDenormal(b)); }

inline uint16_t WeightAt(const std::byte* w, int64_t k) {
  uint16_t h;
  std::memcpy(&h, w + 2 * k, 2);
  return h;
}

}  // namespace

uint16_t ActivationToBf16(float x) {
  const uint32_t u = std::bit_cast<uint32_t>(x);
  if ((u & 0x7F800000u) == 0) return static_cast<uint16_t>((u >> 16) & 0x8000u);         // zero, denormal
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((u >> 16) | 0x40u);   // NaN, made quiet
  return static_cast<uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);                  // nearest even
}

int64_t Bf16PaddedLength(int64_t k) { return (k + kBf16ChunkElements - 1) / kBf16ChunkElements * kBf16ChunkElements; }

void ActivationsToBf16Scalar(const float* x, int64_t k, uint16_t* out) {
  int64_t i = 0;
  for (; i < k; ++i) out[i] = ActivationToBf16(x[i]);
  for (; i < Bf16PaddedLength(k); ++i) out[i] = 0;
}

float DotBf16Scalar(const std::byte* w, const uint16_t* x, int64_t K) {
  float lane[kBf16Lanes] = {};
  for (int64_t c = 0; c < K; c += kBf16ChunkElements) {
    for (int j = 0; j < kBf16Lanes; ++j) {
      const int64_t odd = c + 2 * j + 1, even = c + 2 * j;
      lane[j] = DotStep(lane[j], odd < K ? WeightAt(w, odd) : 0, x[odd]);
      lane[j] = DotStep(lane[j], even < K ? WeightAt(w, even) : 0, x[even]);
    }
  }
  float h[8];
  for (int i = 0; i < 8; ++i) h[i] = Add(lane[i], lane[i + 8]);
  return Add(Add(Add(h[0], h[1]), Add(h[2], h[3])), Add(Add(h[4], h[5]), Add(h[6], h[7])));
}

void MatmulBf16Scalar(const MatmulArgs& a) {
  const int64_t K = a.w.cols;
  const int64_t padded = Bf16PaddedLength(K);
  const size_t row_bytes = static_cast<size_t>(2 * K);
  std::vector<uint16_t> xb(static_cast<size_t>(a.n_rows * padded));
  for (int n = 0; n < a.n_rows; ++n) ActivationsToBf16Scalar(a.x + n * a.ldx, K, xb.data() + n * padded);
  for (int64_t r = a.row_begin; r < a.row_end; ++r) {
    const std::byte* row = a.w.data + static_cast<size_t>(r) * row_bytes;
    for (int n = 0; n < a.n_rows; ++n) {
      const float sum = DotBf16Scalar(row, xb.data() + n * padded, K);
      float& out = a.y[n * a.ldy + r];
      out = a.accumulate ? Add(out, sum) : sum;
    }
  }
}

}  // namespace doomscope::engine::kernels
