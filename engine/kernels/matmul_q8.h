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
// dots are exact: the two differ only in the order the block terms are added.
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
void MatmulQ8Avx512Vnni(const MatmulArgs& a);

}  // namespace doomscope::engine::kernels

#endif  // DOOMSCOPE_ENGINE_KERNELS_MATMUL_Q8_H_
