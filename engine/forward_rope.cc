#include "engine/forward_rope.h"

#include <algorithm>
#include <cmath>

namespace doomscope::engine {

std::vector<float> Llama3RopeFactors(float theta, int head_dim, float factor, float low_freq_factor,
                                     float high_freq_factor, int original_context) {
  const float low_freq_wavelen = static_cast<float>(original_context) / low_freq_factor;
  const float high_freq_wavelen = static_cast<float>(original_context) / high_freq_factor;
  std::vector<float> factors;
  for (int i = 0; i < head_dim; i += 2) {
    const float freq = 1.0f / std::pow(theta, static_cast<float>(i) / static_cast<float>(head_dim));
    const float wavelen = 2.0f * static_cast<float>(M_PI) / freq;
    if (wavelen < high_freq_wavelen) {
      factors.push_back(1.0f);
    } else if (wavelen > low_freq_wavelen) {
      factors.push_back(factor);
    } else {
      const float smooth = (static_cast<float>(original_context) / wavelen - low_freq_factor) /
                           (high_freq_factor - low_freq_factor);
      factors.push_back(1.0f / ((1.0f - smooth) / factor + smooth));
    }
  }
  return factors;
}

RopeTable::RopeTable(const ModelConfig& config)
    : head_dim_(config.rope_dims > 0 ? config.rope_dims : config.head_dim),
      theta_(config.rope_theta),
      layout_(config.rope_layout),
      freq_factors_(config.rope_freq_factors) {}

void RopeTable::Ensure(int max_pos) {
  if (max_pos < positions_) return;
  const int half = head_dim_ / 2;
  const int n = std::max(max_pos + 1, 2 * positions_);
  cos_.resize(static_cast<size_t>(n) * half);
  sin_.resize(static_cast<size_t>(n) * half);
  const float hd = static_cast<float>(head_dim_);
  for (int pos = positions_; pos < n; ++pos) {
    for (int j = 0; j < half; ++j) {
      // run.c: freq = 1 / theta^(head_dim_index / head_size), val = pos * freq.
      float freq = 1.0f / std::pow(theta_, static_cast<float>(2 * j) / hd);
      if (!freq_factors_.empty()) freq /= freq_factors_[j];
      const float val = static_cast<float>(pos) * freq;
      cos_[static_cast<size_t>(pos) * half + j] = std::cos(val);
      sin_[static_cast<size_t>(pos) * half + j] = std::sin(val);
    }
  }
  positions_ = n;
}

void RopeTable::Apply(float* head, int pos) const {
  const int half = head_dim_ / 2;
  const float* fcr = cos_.data() + static_cast<size_t>(pos) * half;
  const float* fci = sin_.data() + static_cast<size_t>(pos) * half;
  const bool adjacent = layout_ == RopeLayout::kAdjacentPairs;
  for (int j = 0; j < half; ++j) {
    const int a = adjacent ? 2 * j : j;
    const int b = adjacent ? 2 * j + 1 : j + half;
    const float v0 = head[a], v1 = head[b];
    head[a] = v0 * fcr[j] - v1 * fci[j];
    head[b] = v0 * fci[j] + v1 * fcr[j];
  }
}

}  // namespace doomscope::engine
