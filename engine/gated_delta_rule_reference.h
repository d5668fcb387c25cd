// A plain float64 statement of the Gated DeltaNet mixer (docs/qwen35.md
// F4-F14), written from the formulas and in transformers' order of operations
// (torch_recurrent_gated_delta_rule: decay the state, read it at k, correct,
// read it at q), sharing nothing with gated_delta_rule.cc: no blocking, no
// vectors, no kernels. It is the oracle the engine's float32 mixer is tested
// against, and the yardstick of its benchmark; slow by design.
#ifndef DOOMSCOPE_ENGINE_GATED_DELTA_RULE_REFERENCE_H_
#define DOOMSCOPE_ENGINE_GATED_DELTA_RULE_REFERENCE_H_

#include <vector>

#include "engine/gated_delta_rule.h"

namespace doomscope::engine {

// The state of one sequence for one layer, in float64.
struct GatedDeltaReferenceState {
  std::vector<double> conv;    // [conv_kernel - 1][conv_channels], as GatedDeltaState::conv
  std::vector<double> matrix;  // [Hv][dk][dv]: S_h[i][j] at (h * dk + i) * dv + j
};

// Zeros: the state of a new sequence.
GatedDeltaReferenceState NewGatedDeltaReferenceState(const GatedDeltaShape& shape);

// Runs rows.n tokens through the mixer from `state` (advanced in place) and
// returns the output rows, [n][value_dim].
std::vector<double> GatedDeltaReference(const GatedDeltaShape& shape, const GatedDeltaLayer& layer,
                                        const GatedDeltaRows& rows, GatedDeltaReferenceState& state);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_GATED_DELTA_RULE_REFERENCE_H_
