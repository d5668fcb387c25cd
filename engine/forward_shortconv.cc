#include "engine/forward_shortconv.h"

#include <algorithm>

namespace doomscope::engine {

ShortConvMixer::ShortConvMixer(const ModelConfig& config, const kernels::KernelTable& k, int layer,
                               const LayerWeights& weights)
    : dim_(config.dim),
      width_(config.conv_kernel),
      layer_(layer),
      w_(weights),
      in_(k.pack(weights.conv_in)),
      out_(k.pack(weights.conv_out)) {
  // Stored [dim][L] (one channel's taps together); the sweep wants each tap's
  // channels contiguous.
  const std::vector<float> stored = TensorToFloats(weights.conv_kernel);
  kernel_.resize(stored.size());
  for (int c = 0; c < dim_; ++c) {
    for (int t = 0; t < width_; ++t) {
      kernel_[static_cast<size_t>(t) * dim_ + c] = stored[static_cast<size_t>(c) * width_ + t];
    }
  }
}

void ShortConvMixer::Run(const StepContext& s, const float* xb, int tid, int nthreads) const {
  StepBuffers& b = *s.buffers;
  s.Matmul(w_.conv_in, in_, xb, s.n(), b.bcx.data(), tid, nthreads);
  s.Barrier();
  int64_t c0, c1;
  FeatureShare(dim_, tid, nthreads, &c0, &c1);
  if (c0 < c1) Convolve(s, c0, c1);
  s.Barrier();
  s.Matmul(w_.conv_out, out_, b.conv_y.data(), s.n(), b.x.data(), tid, nthreads, /*accumulate=*/true);
  s.Barrier();
}

void ShortConvMixer::Convolve(const StepContext& s, int64_t c0, int64_t c1) const {
  const size_t dim = static_cast<size_t>(dim_);
  const int history = width_ - 1;
  for (int i = 0; i < s.n(); ++i) {
    const StepRow& row = s.rows[i];
    float* state = s.cache->ConvState(row.slot, layer_);  // [history][dim], oldest first
    if (row.pos == 0) {
      for (int t = 0; t < history; ++t) std::fill(state + t * dim + c0, state + t * dim + c1, 0.0f);
    }
    const float* bg = s.buffers->bcx.data() + static_cast<size_t>(i) * 3 * dim;
    const float* cg = bg + dim;
    const float* xv = bg + 2 * dim;
    float* y = s.buffers->conv_y.data() + static_cast<size_t>(i) * dim;
    // Taps summed oldest first, each channel on its own (vectorized across channels).
    for (int64_t c = c0; c < c1; ++c) y[c] = kernel_[c] * state[c];
    for (int t = 1; t < history; ++t) {
      const float* w = kernel_.data() + t * dim;
      const float* st = state + t * dim;
      for (int64_t c = c0; c < c1; ++c) y[c] += w[c] * st[c];
    }
    const float* w_last = kernel_.data() + history * dim;
    float* newest = state + (history - 1) * dim;
    for (int t = 0; t + 1 < history; ++t) {
      std::copy(state + (t + 1) * dim + c0, state + (t + 1) * dim + c1, state + t * dim + c0);
    }
    for (int64_t c = c0; c < c1; ++c) {
      const float u = bg[c] * xv[c];
      y[c] = cg[c] * (y[c] + w_last[c] * u);
      newest[c] = u;
    }
  }
}

size_t ShortConvMixer::MatrixBytes() const { return w_.conv_in.bytes() + w_.conv_out.bytes(); }

int64_t ShortConvMixer::MatrixMacsPerToken() const { return static_cast<int64_t>(4) * dim_ * dim_; }

}  // namespace doomscope::engine
