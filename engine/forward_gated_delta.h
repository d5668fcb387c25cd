// Qwen3.5's Gated DeltaNet ("linear attention") layer as a LayerMixer
// (docs/qwen35.md F3-F15), for every row of a step:
//
//   qkv, z, a, b = W_qkv h, W_z h, W_a h, W_b h   (four products, all rows at once)
//   y            = the per-sequence part (engine/gated_delta_rule.h): causal
//                  conv1d + SiLU over q|k|v with the sequence's window, L2
//                  norms, decay and write strength, the gated delta rule on
//                  the per-head state, the gated RMSNorm with z
//   out          = W_out y, added to the residual stream
//
// The state of a sequence lives in its KvCache slot (KvCache::ConvState:
// the conv window, then one block per value head), so prefix reuse and forked
// rollouts copy it with the rest of the slot's recurrent state. A step's rows
// are taken as runs of consecutive positions of one slot; a run starting at
// position 0 starts from zeros. The delta rule runs token by token
// (DeltaRuleAlgorithm::kRecurrent) in prefill as in decode: same bits however
// a prompt is split into steps, whatever else the step holds, on any number
// of threads (docs/qwen35.md section 7 says why not the chunked form).
#ifndef DOOMSCOPE_ENGINE_FORWARD_GATED_DELTA_H_
#define DOOMSCOPE_ENGINE_FORWARD_GATED_DELTA_H_

#include <vector>

#include "engine/forward_mixer.h"
#include "engine/gated_delta_rule.h"
#include "engine/gated_delta_shape.h"

namespace doomscope::engine {

class GatedDeltaMixer : public LayerMixer {
 public:
  // `layer` indexes the model's layers; `weights` must outlive the mixer.
  GatedDeltaMixer(const ModelConfig& config, const kernels::KernelTable& k, int layer, const LayerWeights& weights);

  void Run(const StepContext& s, const float* xb, int tid, int nthreads) const override;
  size_t MatrixBytes() const override;
  int64_t MatrixMacsPerToken() const override;
  int64_t PositionMacs(int) const override { return 0; }

  // Floats of StepBuffers::gated_delta_scratch one thread needs.
  static size_t ScratchFloats(const ModelConfig& config);

 private:
  int dim_;
  int layer_;
  GatedDeltaShape shape_;
  const LayerWeights& w_;
  const GatedDeltaKernels& dk_;
  kernels::PackedMatrix qkv_, z_, a_, b_, out_;
  // Parameters converted to float32 once (GatedDeltaLayer points into them).
  std::vector<float> conv_weight_, decay_scale_, dt_bias_, norm_weight_;
  GatedDeltaLayer params_;
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_FORWARD_GATED_DELTA_H_
