// BF16 weights times float activations, with the arithmetic of AVX-512 BF16's
// dot-product instruction (vdpbf16ps), which does 32 multiply-adds where an
// f32 FMA does 16. llama.cpp computes BF16 products the same way (activations
// rounded to bf16, then bf16 dot products), and so does a trainer's bf16 matmul.
//
// The arithmetic, which every path (scalar, AVX2, AVX-512 BF16) gives to the bit:
//  1. Each activation row is rounded to bf16 once per product
//     (ActivationToBf16: round to nearest even; zero and denormal inputs become
//     a zero of their sign; a NaN stays a quiet NaN). This is vcvtneps2bf16's
//     conversion, checked against the instruction on all 2^32 inputs.
//  2. A row's dot product runs in 16 lanes. K is taken 32 elements at a time
//     (chunk c; the last chunk zero-padded, weights and activations alike);
//     lane j adds w[32c+2j+1] * x[32c+2j+1], then w[32c+2j] * x[32c+2j], each as
//     one fused multiply-add that reads denormal inputs as zero and flushes a
//     denormal result to zero (vdpbf16ps's "DAZ in, FTZ out, RNE"; the odd
//     element goes first). The product of two bf16 is exact in f32, so on
//     CPUs without the instruction an f32 FMA under MXCSR FTZ|DAZ is the same.
//  3. The 16 lanes are added by one tree: h_i = l_i + l_(i+8) for i < 8, then
//     ((h0 + h1) + (h2 + h3)) + ((h4 + h5) + (h6 + h7)); with `accumulate`,
//     y = y + sum. These adds also read denormals as zero and flush denormal
//     results (the SIMD paths run under FTZ|DAZ from start to end), so no
//     step depends on the MXCSR of the caller.
// An output depends only on its weight row and its activation row (kernels.h's
// invariant), never on the batch, the tile, the row split or the CPU. (A NaN
// result is a NaN on every path; its sign and payload are not specified.)
//
// MatmulArgs::bf16_f32_activations selects the older arithmetic instead:
// bf16 weights converted exactly to f32 against the f32 activations
// (matmul_tiles.h), twice the instructions and no bf16 rounding of x.
#ifndef DOOMSCOPE_ENGINE_KERNELS_MATMUL_BF16_H_
#define DOOMSCOPE_ENGINE_KERNELS_MATMUL_BF16_H_

#include <cstdint>

#include "engine/kernels/kernels.h"

namespace doomscope::engine::kernels {

inline constexpr int kBf16ChunkElements = 32;
inline constexpr int kBf16Lanes = 16;

// Step 1 above, for one value.
uint16_t ActivationToBf16(float x);
// k values into bf16, zero-padded up to a multiple of 32 (out holds
// Bf16PaddedLength(k) values).
int64_t Bf16PaddedLength(int64_t k);
void ActivationsToBf16Scalar(const float* x, int64_t k, uint16_t* out);
void ActivationsToBf16Avx2(const float* x, int64_t k, uint16_t* out);
void ActivationsToBf16Avx512(const float* x, int64_t k, uint16_t* out);  // needs avx512bf16

// One output of the arithmetic above: row `w` (K bf16 values) against `x`
// (bf16, padded as ActivationsToBf16Scalar writes it), as a plain C++
// emulation of every rounding. The reference the SIMD paths are tested against.
float DotBf16Scalar(const std::byte* w, const uint16_t* x, int64_t K);

// MatmulArgs with BF16 weights (any K), the arithmetic above.
void MatmulBf16Scalar(const MatmulArgs& a);
// AVX2 + FMA: f32 FMAs of the odd and even halves of each bf16 pair under
// MXCSR FTZ|DAZ (restored on return).
void MatmulBf16Avx2(const MatmulArgs& a);
// vdpbf16ps: only where HostCpuFeatures().avx512bf16.
void MatmulBf16Avx512Dot(const MatmulArgs& a);

}  // namespace doomscope::engine::kernels

#endif  // DOOMSCOPE_ENGINE_KERNELS_MATMUL_BF16_H_
