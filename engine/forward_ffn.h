// The feed-forward block of one layer: x += W_down(silu(W_gate h) * W_up h)
// with h = RMSNorm(x) * ffn_norm (SwiGLU, as Llama, Qwen3 and LFM2 use).
#ifndef DOOMSCOPE_ENGINE_FORWARD_FFN_H_
#define DOOMSCOPE_ENGINE_FORWARD_FFN_H_

#include <cstdint>
#include <vector>

#include "engine/forward_step.h"

namespace doomscope::engine {

class FeedForward {
 public:
  // `weights` must outlive the block.
  FeedForward(const ModelConfig& config, const kernels::KernelTable& k, const LayerWeights& weights);

  // Every thread of the step calls it; all of them have crossed a barrier when it returns.
  void Run(const StepContext& s, int tid, int nthreads) const;
  size_t MatrixBytes() const;
  int64_t MatrixMacsPerToken() const;

 private:
  const LayerWeights& w_;
  int hidden_;
  kernels::PackedMatrix gate_, up_, down_;
  std::vector<float> norm_;
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_FORWARD_FFN_H_
