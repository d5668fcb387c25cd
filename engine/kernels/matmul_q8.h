// Q8_0 weights times float activations, computed as llama.cpp does on CPUs:
// each activation row is quantized per block of 32 values (scale
// d = max|x| / 127, q = x * 127 / max|x| rounded half to even), each weight
// block meets its activation block in an exact integer dot product, and the
// float sum over blocks is d_w * d_x * dot. On AVX2 that is about a third of
// the instructions of converting every weight to float, which is what lets
// batch-1 decode keep up with memory bandwidth.
//
// The activation quantization is part of the numerics, so the scalar and the
// SIMD versions quantize to the same bits (tests check it), and the integer
// dots are exact: AVX2 differs from scalar only in the order the block terms
// are added; AVX-512 VNNI adds them in scalar order and gives its bits.
// A row's result still depends only on that row (kernels.h's invariant).
#ifndef DOOMSCOPE_ENGINE_KERNELS_MATMUL_Q8_H_
#define DOOMSCOPE_ENGINE_KERNELS_MATMUL_Q8_H_

#include <cstdint>

#include "engine/kernels/kernels.h"

namespace doomscope::engine::kernels {

// Quantizes k values (k % 32 == 0) into k int8 and k / 32 scales.
void QuantizeRowQ8Scalar(const float* x, int64_t k, int8_t* q, float* d);
void QuantizeRowQ8Avx2(const float* x, int64_t k, int8_t* q, float* d);

// MatmulArgs with a Q8_0 weight (cols % 32 == 0).
void MatmulQ8Scalar(const MatmulArgs& a);
void MatmulQ8Avx2(const MatmulArgs& a);
// AVX-512 with VNNI (vpdpbusd): only where HostCpuFeatures().avx512vnni.
// Reads a.packed (PackQ8ForVnni) when set, else packs the rows it needs.
// Gives MatmulQ8Scalar's bits exactly (same block order, same roundings).
void MatmulQ8Avx512Vnni(const MatmulArgs& a);

// The VNNI kernel's layout of a Q8_0 matrix. Rows are taken 16 at a time (a
// group; the last one padded with zero rows), so one 512-bit register holds
// four bytes of each of 16 rows: vpdpbusd against four activation bytes
// broadcast advances 16 row dot products at once, and a block's 16 sums end
// in the lanes of one register, scaled and added with one instruction each.
// A group is, per block b of 32 columns, 8 slices (bytes 4s..4s+3 of each of
// the 16 rows, row-major, as unsigned w + 128), then the blocks' fp16 scales
// (16 a block); groups are PackedQ8GroupStride bytes apart.
constexpr int kQ8GroupRows = 16;
size_t PackedQ8GroupStride(int64_t cols);
int64_t PackedQ8Groups(int64_t rows);
// Writes groups [g0, g1) of w to out (g1 - g0 strides).
void PackQ8Groups(const TensorView& w, int64_t g0, int64_t g1, std::byte* out);
PackedMatrix PackQ8ForVnni(const TensorView& w);

}  // namespace doomscope::engine::kernels

#endif  // DOOMSCOPE_ENGINE_KERNELS_MATMUL_Q8_H_
