// Refusing weights a model cannot run on: a NaN or infinity anywhere in a
// tensor makes every logit NaN, which samples as token 0 (often <unk>) with
// nothing to tell the user why. Loaders call this on each tensor as they map
// it, so the error names the file's tensor.
//
// Cost: one read of every weight byte on one thread, vectorized (an OR of
// exponent tests per 4096-element block, no branch per element; AVX-512 or
// AVX2 where the CPU has them): about 24 GB/s, so 50 ms of CPU for a 1.2 GB
// BF16 model, 16 ms for a 380 MB Q8_0 one (whose scales alone are read),
// against a load plus first decode step that read every byte anyway.
#ifndef DOOMSCOPE_ENGINE_WEIGHT_CHECK_H_
#define DOOMSCOPE_ENGINE_WEIGHT_CHECK_H_

#include <string_view>

#include "absl/status/status.h"
#include "engine/model_weights.h"

namespace doomscope::engine {

// OK when every value of `t` is finite (for Q8_0: every block scale; the int8
// values always are). Otherwise an error naming `name` and the first bad
// element's index.
absl::Status CheckTensorFinite(const TensorView& t, std::string_view name);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_WEIGHT_CHECK_H_
