// Grouped-query attention of one layer: Q, K and V products, the optional
// per-head RMSNorm of queries and keys (Qwen3, LFM2, Qwen3.5) before RoPE, the
// keys and values written to the KV cache, attention over each row's past,
// optionally gated per element by sigmoid of a second half of Q's product
// (Qwen3.5's attention_output_gate), and the output product added to the
// residual stream.
#ifndef DOOMSCOPE_ENGINE_FORWARD_ATTENTION_H_
#define DOOMSCOPE_ENGINE_FORWARD_ATTENTION_H_

#include <vector>

#include "engine/forward_mixer.h"
#include "engine/forward_rope.h"

namespace doomscope::engine {

class AttentionMixer : public LayerMixer {
 public:
  // `layer` indexes the model's layers (the KV cache maps it to its storage);
  // `weights` and `rope` must outlive the mixer.
  AttentionMixer(const ModelConfig& config, const kernels::KernelTable& k, int layer, const LayerWeights& weights,
                 const RopeTable& rope);

  void Run(const StepContext& s, const float* xb, int tid, int nthreads) const override;
  size_t MatrixBytes() const override;
  int64_t MatrixMacsPerToken() const override;
  int64_t PositionMacs(int pos) const override;

 private:
  // Q, K and V heads of this thread's share: products, norms, RoPE, cache writes.
  void ProjectHeads(const StepContext& s, const float* xb, int tid, int nthreads) const;
  void Attend(const StepContext& s, int tid, int nthreads) const;

  const ModelConfig& config_;
  int layer_;
  const LayerWeights& w_;
  const RopeTable& rope_;
  int q_dim_, kv_dim_;
  kernels::PackedMatrix wq_, wk_, wv_, wo_;
  std::vector<float> q_norm_, k_norm_;  // empty without Q/K norms
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_FORWARD_ATTENTION_H_
