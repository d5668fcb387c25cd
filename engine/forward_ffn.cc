#include "engine/forward_ffn.h"

namespace doomscope::engine {

FeedForward::FeedForward(const ModelConfig& config, const kernels::KernelTable& k, const LayerWeights& weights)
    : w_(weights),
      hidden_(config.hidden_dim),
      gate_(k.pack(weights.w_gate)),
      up_(k.pack(weights.w_up)),
      down_(k.pack(weights.w_down)),
      norm_(TensorToFloats(weights.ffn_norm)) {}

void FeedForward::Run(const StepContext& s, int tid, int nthreads) const {
  const int n = s.n();
  StepBuffers& b = *s.buffers;
  const float* xb = s.NormalizeRows(norm_, tid);
  // Gate and up over the same share of hidden features, so SwiGLU needs no barrier.
  s.Matmul(w_.w_gate, gate_, xb, n, b.hb.data(), tid, nthreads);
  s.Matmul(w_.w_up, up_, xb, n, b.hb2.data(), tid, nthreads);
  int64_t f0, f1;
  FeatureShare(hidden_, tid, nthreads, &f0, &f1);
  for (int i = 0; i < n && f0 < f1; ++i) {
    float* g = b.hb.data() + static_cast<size_t>(i) * hidden_ + f0;
    s.kernels->swiglu(g, b.hb2.data() + static_cast<size_t>(i) * hidden_ + f0, static_cast<int>(f1 - f0), g);
  }
  s.Barrier();
  s.Matmul(w_.w_down, down_, b.hb.data(), n, b.x.data(), tid, nthreads, /*accumulate=*/true);
  s.Barrier();
}

size_t FeedForward::MatrixBytes() const { return w_.w_gate.bytes() + w_.w_up.bytes() + w_.w_down.bytes(); }

int64_t FeedForward::MatrixMacsPerToken() const { return static_cast<int64_t>(3) * w_.w_gate.cols * hidden_; }

}  // namespace doomscope::engine
