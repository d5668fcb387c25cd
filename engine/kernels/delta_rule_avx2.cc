// The gated delta rule kernels (delta_rule.h) for AVX2: two 16-float vectors per block (four ymm registers).
#define DOOMSCOPE_DELTA_RULE_VECS 2
#include "engine/kernels/delta_rule_impl.h"

namespace doomscope::engine::kernels {

const DeltaRuleKernels& DeltaRuleKernelsAvx2() {
  static const DeltaRuleKernels table = {.isa = Isa::kAvx2, .recurrent = Recurrent, .chunked = Chunked};
  return table;
}

}  // namespace doomscope::engine::kernels
