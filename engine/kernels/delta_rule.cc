#include "engine/kernels/delta_rule.h"

namespace doomscope::engine::kernels {

size_t DeltaRuleScratchFloats(int dk, int dv, DeltaRuleAlgorithm algorithm) {
  const size_t k = static_cast<size_t>(dk), v = static_cast<size_t>(dv), c = kDeltaRuleChunk;
  switch (algorithm) {
    case DeltaRuleAlgorithm::kRecurrent: return 2 * v;
    case DeltaRuleAlgorithm::kChunked: return k * c + 2 * c * c + 2 * c * v;
  }
  return 0;
}

const DeltaRuleKernels& DeltaRuleKernelsFor(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return DeltaRuleKernelsAvx512();
    case Isa::kAvx2: return DeltaRuleKernelsAvx2();
    case Isa::kScalar: break;
  }
  return DeltaRuleKernelsScalar();
}

}  // namespace doomscope::engine::kernels
