// The gated delta rule kernels (delta_rule.h) for AVX-512: four 16-float vectors per block (four zmm registers).
#define DOOMSCOPE_DELTA_RULE_VECS 4
#include "engine/kernels/delta_rule_impl.h"

namespace doomscope::engine::kernels {

const DeltaRuleKernels& DeltaRuleKernelsAvx512() {
  static const DeltaRuleKernels table = {.isa = Isa::kAvx512, .recurrent = Recurrent, .chunked = Chunked};
  return table;
}

}  // namespace doomscope::engine::kernels
