#include "engine/gated_delta_rule_reference.h"

#include <algorithm>
#include <cmath>

namespace doomscope::engine {
namespace {

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double Silu(double x) { return x * Sigmoid(x); }
double Softplus(double x) { return x > 20.0 ? x : std::log1p(std::exp(x)); }

// F7 (and F8 through `scale`).
std::vector<double> L2Normalized(const double* x, int n, const GatedDeltaLayer& layer, double scale) {
  double ss = 0.0;
  for (int i = 0; i < n; ++i) ss += x[i] * x[i];
  const double norm = layer.l2_style == L2NormStyle::kRsqrtOfSumPlusEps ? std::sqrt(ss + layer.l2_eps)
                                                                        : std::max(std::sqrt(ss), double{layer.l2_eps});
  std::vector<double> out(n);
  for (int i = 0; i < n; ++i) out[i] = x[i] / norm * scale;
  return out;
}

}  // namespace

GatedDeltaReferenceState NewGatedDeltaReferenceState(const GatedDeltaShape& shape) {
  return {std::vector<double>(shape.conv_state_floats(), 0.0),
          std::vector<double>(static_cast<size_t>(shape.num_v_heads) * shape.head_k_dim * shape.head_v_dim, 0.0)};
}

std::vector<double> GatedDeltaReference(const GatedDeltaShape& shape, const GatedDeltaLayer& layer,
                                        const GatedDeltaRows& rows, GatedDeltaReferenceState& state) {
  const int taps = shape.conv_kernel, channels = shape.conv_channels();
  const int hk = shape.num_k_heads, hv = shape.num_v_heads, dk = shape.head_k_dim, dv = shape.head_v_dim;
  const int n = rows.n;
  // The conv's input history: the window, then the new rows.
  std::vector<double> history(static_cast<size_t>(taps - 1 + n) * channels);
  std::copy(state.conv.begin(), state.conv.end(), history.begin());
  for (int t = 0; t < n; ++t) {
    for (int c = 0; c < channels; ++c)
      history[static_cast<size_t>(taps - 1 + t) * channels + c] = rows.qkv[t * rows.ld_qkv + c];
  }
  std::copy(history.end() - static_cast<std::ptrdiff_t>(state.conv.size()), history.end(), state.conv.begin());

  std::vector<double> out(static_cast<size_t>(n) * shape.value_dim());
  std::vector<double> u(channels);
  for (int t = 0; t < n; ++t) {
    // F4, F5: causal depthwise conv (tap-major weights, tap taps-1 on the newest input), SiLU.
    for (int c = 0; c < channels; ++c) {
      double sum = 0.0;
      for (int j = 0; j < taps; ++j)
        sum += layer.conv_weight[j * channels + c] * history[static_cast<size_t>(t + j) * channels + c];
      u[c] = Silu(sum);
    }
    for (int h = 0; h < hv; ++h) {
      // F9: the key head of value head h.
      const int kh = shape.key_head_order == KeyHeadOrder::kGrouped ? h / (hv / hk) : h % hk;
      // F6-F8.
      const std::vector<double> q = L2Normalized(&u[kh * dk], dk, layer, 1.0 / std::sqrt(static_cast<double>(dk)));
      const std::vector<double> k = L2Normalized(&u[shape.key_dim() + kh * dk], dk, layer, 1.0);
      const double* v = &u[2 * shape.key_dim() + h * dv];
      // F10, F11.
      const double g = layer.decay_scale[h] * Softplus(rows.a[t * rows.ld_a + h] + double{layer.dt_bias[h]});
      const double beta = Sigmoid(rows.b[t * rows.ld_b + h]);
      // F12: decay, read at k, correct; F13: read at q.
      double* S = &state.matrix[static_cast<size_t>(h) * dk * dv];
      const double decay = std::exp(g);
      for (int x = 0; x < dk * dv; ++x) S[x] *= decay;
      std::vector<double> delta(dv);
      for (int j = 0; j < dv; ++j) {
        double read = 0.0;
        for (int i = 0; i < dk; ++i) read += S[i * dv + j] * k[i];
        delta[j] = beta * (v[j] - read);
      }
      for (int i = 0; i < dk; ++i) {
        for (int j = 0; j < dv; ++j) S[i * dv + j] += k[i] * delta[j];
      }
      double* o = &out[static_cast<size_t>(t) * shape.value_dim() + h * dv];
      for (int j = 0; j < dv; ++j) {
        double read = 0.0;
        for (int i = 0; i < dk; ++i) read += S[i * dv + j] * q[i];
        o[j] = read;
      }
      // F14: gated RMSNorm.
      double ss = 0.0;
      for (int j = 0; j < dv; ++j) ss += o[j] * o[j];
      const double r = 1.0 / std::sqrt(ss / dv + layer.norm_eps);
      const float* z = rows.z + t * rows.ld_z + h * dv;
      for (int j = 0; j < dv; ++j) o[j] = layer.norm_weight[j] * o[j] * r * Silu(z[j]);
    }
  }
  return out;
}

}  // namespace doomscope::engine
