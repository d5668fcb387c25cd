// LFM2's gated short convolution ("LIV" block) of one layer, for each row of
// the normalized input h (transformers' Lfm2ShortConv, llama.cpp's
// build_shortconv_block):
//
//   [B; C; x] = W_in h            (three slices of dim rows, in that order)
//   u_t       = B_t * x_t
//   z_t[c]    = sum_k w[c][k] u_{t-L+1+k}[c]   (causal depthwise, width L, u before the sequence = 0)
//   out       = W_out (C_t * z_t)               added to the residual stream
//
// The last L-1 values of u of each sequence live in the KvCache's conv state,
// so a step may continue a sequence from any earlier step; a row at position
// 0 starts from zeros. Rows of one sequence within a step must be in order.
#ifndef DOOMSCOPE_ENGINE_FORWARD_SHORTCONV_H_
#define DOOMSCOPE_ENGINE_FORWARD_SHORTCONV_H_

#include <vector>

#include "engine/forward_mixer.h"

namespace doomscope::engine {

class ShortConvMixer : public LayerMixer {
 public:
  // `layer` indexes the model's layers; `weights` must outlive the mixer.
  ShortConvMixer(const ModelConfig& config, const kernels::KernelTable& k, int layer, const LayerWeights& weights);

  void Run(const StepContext& s, const float* xb, int tid, int nthreads) const override;
  size_t MatrixBytes() const override;
  int64_t MatrixMacsPerToken() const override;
  int64_t PositionMacs(int) const override { return 0; }

 private:
  // Channels [c0, c1) of every row: gate, convolve, gate again, advance the state.
  void Convolve(const StepContext& s, int64_t c0, int64_t c1) const;

  int dim_;
  int width_;  // L
  int layer_;
  const LayerWeights& w_;
  kernels::PackedMatrix in_, out_;
  std::vector<float> kernel_;  // [L][dim]: tap k of every channel together
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_FORWARD_SHORTCONV_H_
