// The SSE/AVX floating-point mode for a stretch of kernel code: denormal
// inputs read as zero (DAZ), denormal results flushed to zero (FTZ), round to
// nearest even; the caller's mode comes back at the end of the scope. The BF16
// arithmetic (matmul_bf16.h) runs under it so plain f32 instructions compute
// what the BF16 dot-product instruction computes. Keep the arithmetic that
// needs the mode in a function the compiler cannot inline into the scope's
// owner (the mode is invisible to the optimizer).
#ifndef DOOMSCOPE_ENGINE_KERNELS_MXCSR_H_
#define DOOMSCOPE_ENGINE_KERNELS_MXCSR_H_

#include <immintrin.h>

namespace doomscope::engine::kernels {

class ScopedFtzDaz {
 public:
  ScopedFtzDaz() : saved_(_mm_getcsr()) { _mm_setcsr((saved_ & ~kRoundingBits) | kFtz | kDaz); }
  ~ScopedFtzDaz() { _mm_setcsr(saved_); }
  ScopedFtzDaz(const ScopedFtzDaz&) = delete;
  ScopedFtzDaz& operator=(const ScopedFtzDaz&) = delete;

 private:
  static constexpr unsigned kFtz = 0x8000, kDaz = 0x0040, kRoundingBits = 0x6000;
  unsigned saved_;
};

}  // namespace doomscope::engine::kernels

#endif  // DOOMSCOPE_ENGINE_KERNELS_MXCSR_H_
