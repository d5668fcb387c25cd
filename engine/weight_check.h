// Refusing weights a model cannot run on: a NaN or infinity anywhere in a
// tensor makes every logit NaN, which samples as token 0 (often <unk>) with
// nothing to tell the user why. Loaders call this on each tensor as they map
// it, so the error names the file's tensor.
//
// Cost: one read of every weight byte, in parallel and vectorized (an OR of
// exponent tests per block, no branch per element); checked against the
// load in the loaders' tests and reported in the engine-v2 notes.
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
