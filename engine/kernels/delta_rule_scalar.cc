// The gated delta rule kernels (delta_rule.h) for baseline x86-64 (SSE2): one 16-float vector per block (four xmm registers).
#define DOOMSCOPE_DELTA_RULE_VECS 1
#include "engine/kernels/delta_rule_impl.h"

namespace doomscope::engine::kernels {

const DeltaRuleKernels& DeltaRuleKernelsScalar() {
  static const DeltaRuleKernels table = {.isa = Isa::kScalar, .recurrent = Recurrent, .chunked = Chunked};
  return table;
}

}  // namespace doomscope::engine::kernels
