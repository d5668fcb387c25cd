// AVX-512 kernels (16 float lanes, 32 vector registers) for the matrix
// multiply, attention (attention_avx512.cc) and the bench loops; the vector
// helpers whose work is only a hidden row wide (RMSNorm, SwiGLU) reuse the
// AVX2 ones, which every AVX-512 CPU runs. Compiled with the AVX-512 flags of
// engine/CMakeLists.txt and only called when CPUID reports AVX-512 F/BW/VL/DQ.
//
// BF16 weights use the dot-product instruction where the CPU has AVX512_BF16
// (matmul_bf16_avx512.cc), else the AVX2 emulation of the same arithmetic.
// Q8_0 uses the VNNI integer kernel (matmul_q8_avx512.cc, weights packed once
// per model) where the CPU has VNNI, else the AVX2 one.

// GCC 12's AVX-512 intrinsics make their "undefined" pass-through registers by
// self-initialization, and -Wuninitialized reports every inlined use (GCC bug
// 105593). Those values are never read (full masks), so the warning is noise here.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "engine/kernels/attention.h"
#include "engine/kernels/kernels.h"
#include "engine/kernels/matmul_bf16.h"
#include "engine/kernels/matmul_q8.h"
#include "engine/kernels/tuning.h"
#include "engine/kernels/vec_avx2.h"

namespace doomscope::engine::kernels {
namespace avx512_impl {
namespace {

using avx2_detail::Hsum8;
using avx2_detail::Hsum8x8;

struct Avx512 {
  using V = __m512;
  static constexpr int kLanes = 16;
  static constexpr int kRegisters = 32;
  static V Zero() { return _mm512_setzero_ps(); }
  static V Load(const float* p) { return _mm512_loadu_ps(p); }
  static void Store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static V Fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  // The 256-bit halves added first, then the AVX2 tree.
  static __m256 Halves(V v) {
    return _mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  }
  static float Hsum(V v) { return Hsum8(Halves(v)); }
  // out[i] = Hsum(a[i]) for i < 8, bit for bit.
  static void Hsum8Many(const V* a, float* out) {
    __m256 h[8];
    for (int i = 0; i < 8; ++i) h[i] = Halves(a[i]);
    _mm256_storeu_ps(out, Hsum8x8(h));
  }
  static V LoadF16(const std::byte* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  static V LoadBF16(const std::byte* p) {
    const __m512i wide = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
  }
  static float HalfToFloat(uint16_t h) { return _cvtsh_ss(h); }
  static float FmaScalar(float a, float b, float c) {
    return _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(a), _mm_set_ss(b), _mm_set_ss(c)));
  }
};

#include "engine/kernels/matmul_tiles.h"

void Matmul(const MatmulArgs& a) {
  static const bool vnni = HostCpuFeatures().avx512vnni;
  static const bool bf16 = HostCpuFeatures().avx512bf16;
  if (a.w.dtype == DType::kQ8_0) return vnni ? MatmulQ8Avx512Vnni(a) : MatmulQ8Avx2(a);
  if (a.w.dtype == DType::kBF16 && !a.bf16_f32_activations) return bf16 ? MatmulBf16Avx512Dot(a) : MatmulBf16Avx2(a);
  MatmulAny<Avx512>(a);
}

constexpr int kFmaAccumulators = 24;

// The bench's peak loops: kChains independent chains acc[j] = step(acc[j]),
// more than the instruction's latency x throughput, unrolled so every
// accumulator stays in a register, then combined (the compiler cannot fold
// a float recurrence away without fast-math, nor an integer one it cannot see
// the end of).
template <class V, int kChains, class Init, class Step, class Combine>
V RunChains(int64_t iterations, Init init, Step step, Combine combine) {
  V acc[kChains];
#pragma GCC unroll 32
  for (int j = 0; j < kChains; ++j) acc[j] = init(j);
  for (int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 32
    for (int j = 0; j < kChains; ++j) acc[j] = step(acc[j]);
  }
  V s = acc[0];
#pragma GCC unroll 32
  for (int j = 1; j < kChains; ++j) s = combine(s, acc[j]);
  return s;
}

__m512 DistinctFloats(int j) { return _mm512_set1_ps(0.001f * static_cast<float>(j + 1)); }

// The chains' combining step. Lambdas, not the intrinsics themselves: an
// intrinsic is an always-inline function with no out-of-line body, so passing
// its address links only where the optimizer inlines the call (not at -O1).
constexpr auto AddPs = [](__m512 p, __m512 q) { return _mm512_add_ps(p, q); };
constexpr auto AddEpi32 = [](__m512i p, __m512i q) { return _mm512_add_epi32(p, q); };

float FmaLoop(int64_t iterations) {
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  return Avx512::Hsum(RunChains<__m512, kFmaAccumulators>(
      iterations, DistinctFloats, [&](__m512 acc) { return _mm512_fmadd_ps(acc, a, b); }, AddPs));
}

// vpdpbusd (64 int8 multiply-adds into 16 int32 lanes) and vdpbf16ps (32
// bf16 multiply-adds into 16 f32 lanes).
constexpr int kDotAccumulators = 12;

float VnniLoop(int64_t iterations) {
  const __m512i w = _mm512_set1_epi8(3), x = _mm512_set1_epi8(-1);
  return static_cast<float>(_mm512_reduce_add_epi32(RunChains<__m512i, kDotAccumulators>(
      iterations, [](int j) { return _mm512_set1_epi32(j); },
      [&](__m512i acc) { return _mm512_dpbusd_epi32(acc, w, x); }, AddEpi32)));
}

float Bf16DotLoop(int64_t iterations) {
  const __m512bh w = reinterpret_cast<__m512bh>(_mm512_set1_epi16(0x3F80));  // 1.0
  const __m512bh x = reinterpret_cast<__m512bh>(_mm512_set1_epi16(0x3380));  // 2^-24
  return Avx512::Hsum(RunChains<__m512, kDotAccumulators>(
      iterations, DistinctFloats, [&](__m512 acc) { return _mm512_dpbf16_ps(acc, w, x); }, AddPs));
}

PeakLoop Peak(DType dtype) {
  const CpuFeatures& f = HostCpuFeatures();
  if (dtype == DType::kQ8_0 && f.avx512vnni) return PeakLoop{"int8 VNNI", VnniLoop, 2 * 64 * kDotAccumulators};
  if (dtype == DType::kBF16 && f.avx512bf16) return PeakLoop{"bf16 dot", Bf16DotLoop, 2 * 32 * kDotAccumulators};
  if (dtype == DType::kQ8_0 || dtype == DType::kBF16) return Avx2Kernels().peak_loop(dtype);  // the AVX2 kernels run them
  return PeakLoop{"fp32 FMA", FmaLoop, 2 * 16 * kFmaAccumulators};
}

float SumFloats(const float* x, size_t n) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    a0 = _mm512_add_ps(a0, _mm512_loadu_ps(x + i));
    a1 = _mm512_add_ps(a1, _mm512_loadu_ps(x + i + 16));
    a2 = _mm512_add_ps(a2, _mm512_loadu_ps(x + i + 32));
    a3 = _mm512_add_ps(a3, _mm512_loadu_ps(x + i + 48));
  }
  float s = Avx512::Hsum(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
  for (; i < n; ++i) s += x[i];
  return s;
}

}  // namespace
}  // namespace avx512_impl

const KernelTable& Avx512Kernels() {
  static const KernelTable table = [] {
    KernelTable t = Avx2Kernels();
    t.isa = Isa::kAvx512;
    t.matmul = avx512_impl::Matmul;
    t.attention_head = AttentionHeadAvx512;
    t.attention_queries = AttentionQueriesAvx512;
    t.pack = HostCpuFeatures().avx512vnni ? PackQ8ForVnni : NoPacking;
    t.fma_loop = avx512_impl::FmaLoop;
    t.fma_flops_per_iteration = 2 * 16 * avx512_impl::kFmaAccumulators;
    t.peak_loop = avx512_impl::Peak;
    t.sum_floats = avx512_impl::SumFloats;
    return t;
  }();
  return table;
}

}  // namespace doomscope::engine::kernels
