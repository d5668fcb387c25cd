#include "engine/kernels/gated_delta.h"

namespace doomscope::engine::kernels {

size_t DeltaRuleStateFloats(int dk, int dv) {
  const size_t pending = static_cast<size_t>(dv) + static_cast<size_t>(dk) + 1;
  return static_cast<size_t>(dk) * static_cast<size_t>(dv) + (pending + 15) / 16 * 16;
}

size_t DeltaRuleScratchFloats(int dk, int dv, DeltaRuleAlgorithm algorithm) {
  const size_t k = static_cast<size_t>(dk), v = static_cast<size_t>(dv), c = kDeltaRuleChunk;
  switch (algorithm) {
    case DeltaRuleAlgorithm::kRecurrent:
      return 2 * v;
    case DeltaRuleAlgorithm::kChunked:
      return k * c + 2 * c * c + 2 * c * v;
  }
  return 0;
}

const GatedDeltaKernels& GatedDeltaKernelsFor(Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      return GatedDeltaKernelsAvx512();
    case Isa::kAvx2:
      return GatedDeltaKernelsAvx2();
    case Isa::kScalar:
      break;
  }
  return GatedDeltaKernelsScalar();
}

}  // namespace doomscope::engine::kernels
