#include "engine/gated_delta_rule.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace doomscope::engine {
namespace {

// Tokens whose normalized q and k a head task keeps at once.
constexpr int kTokenBlock = kernels::kDeltaRuleChunk;

float Silu(float x) { return x * (1.0f / (1.0f + std::exp(-x))); }

// PyTorch's softplus (beta 1, threshold 20): x itself above 20.
float Softplus(float x) { return x > 20.0f ? x : std::log1p(std::exp(x)); }

// out = x / |x| (F7, in the layer's style) times `scale`; the sum of squares
// in float64, in increasing index.
void L2Normalize(const float* x, int n, const GatedDeltaLayer& layer, float scale, float* out) {
  double ss = 0.0;
  for (int i = 0; i < n; ++i) ss += static_cast<double>(x[i]) * x[i];
  const double norm = layer.l2_style == L2NormStyle::kRsqrtOfSumPlusEps ? std::sqrt(ss + layer.l2_eps)
                                                                         : std::max(std::sqrt(ss), double{layer.l2_eps});
  const float inv = static_cast<float>(1.0 / norm);
  for (int i = 0; i < n; ++i) out[i] = (x[i] * inv) * scale;
}

// In place: o = w * (o / sqrt(mean(o^2) + eps)) * silu(z) (F14), the mean as
// the engine's RMSNorm forms it (float, increasing index).
void GatedRmsNorm(float* o, const float* z, const float* w, int n, float eps) {
  float ss = 0.0f;
  for (int j = 0; j < n; ++j) ss += o[j] * o[j];
  ss /= static_cast<float>(n);
  ss += eps;
  const float r = 1.0f / std::sqrt(ss);
  for (int j = 0; j < n; ++j) o[j] = (w[j] * (o[j] * r)) * Silu(z[j]);
}

}  // namespace

absl::Status ValidateGatedDeltaShape(const GatedDeltaShape& s) {
  const struct {
    const char* name;
    int value;
  } sizes[] = {{"num_k_heads", s.num_k_heads}, {"num_v_heads", s.num_v_heads}, {"head_k_dim", s.head_k_dim},
               {"head_v_dim", s.head_v_dim},   {"conv_kernel", s.conv_kernel}};
  for (const auto& size : sizes) {
    if (size.value <= 0) return absl::InvalidArgumentError(absl::StrCat("gated delta net: ", size.name, " = ", size.value, ", must be positive"));
  }
  if (s.num_v_heads % s.num_k_heads != 0) {
    return absl::InvalidArgumentError(absl::StrCat("gated delta net: num_v_heads = ", s.num_v_heads,
                                                   " is not a multiple of num_k_heads = ", s.num_k_heads));
  }
  if (s.conv_kernel > kMaxGatedDeltaConvKernel) {
    return absl::InvalidArgumentError(absl::StrCat("gated delta net: conv_kernel = ", s.conv_kernel,
                                                   ", at most ", kMaxGatedDeltaConvKernel, " supported"));
  }
  return absl::OkStatus();
}

void CopyGatedDeltaState(const GatedDeltaShape& shape, const GatedDeltaState& from, const GatedDeltaState& to) {
  std::memcpy(to.conv, from.conv, shape.conv_state_floats() * sizeof(float));
  std::memcpy(to.matrix, from.matrix, shape.matrix_state_floats() * sizeof(float));
}

void GatedDeltaConv(const GatedDeltaShape& shape, const GatedDeltaLayer& layer, const float* qkv, int64_t ld_qkv,
                    int n, float* conv_window, int c_begin, int c_end, float* conv_out) {
  const int taps = shape.conv_kernel;
  const int64_t channels = shape.conv_channels();
  const float* w = layer.conv_weight;
  // Input row r of the sequence (r < 0: from the window).
  auto input = [&](int r) { return r < 0 ? conv_window + (r + taps - 1) * channels : qkv + r * ld_qkv; };
  for (int t = 0; t < n; ++t) {
    const float* x[kMaxGatedDeltaConvKernel];
    for (int j = 0; j < taps; ++j) x[j] = input(t - taps + 1 + j);
    float* o = conv_out + t * channels;
    for (int c = c_begin; c < c_end; ++c) {
      const float* wc = w + static_cast<int64_t>(c) * taps;
      float sum = 0.0f;
      for (int j = 0; j < taps; ++j) sum += wc[j] * x[j][c];
      o[c] = Silu(sum);
    }
  }
  // The window keeps the last taps - 1 inputs. In increasing r, row r + n is
  // read before it is overwritten.
  const size_t bytes = sizeof(float) * static_cast<size_t>(c_end - c_begin);
  for (int r = 0; r < taps - 1; ++r) {
    std::memmove(conv_window + r * channels + c_begin, input(r + n - (taps - 1)) + c_begin, bytes);
  }
}

size_t GatedDeltaHeadScratchFloats(const GatedDeltaShape& shape, DeltaRuleAlgorithm algorithm) {
  return static_cast<size_t>(kTokenBlock) * (2 * static_cast<size_t>(shape.head_k_dim) + 2) +
         kernels::DeltaRuleScratchFloats(shape.head_k_dim, shape.head_v_dim, algorithm);
}

void GatedDeltaHead(const GatedDeltaShape& shape, const GatedDeltaLayer& layer,
                    const kernels::DeltaRuleKernels& kernels, DeltaRuleAlgorithm algorithm, const float* conv_out,
                    const GatedDeltaRows& rows, int head, float* matrix_state, float* out, int64_t ld_out,
                    std::span<float> scratch) {
  const int dk = shape.head_k_dim, dv = shape.head_v_dim;
  const int64_t channels = shape.conv_channels();
  const int64_t q_col = static_cast<int64_t>(shape.KeyHeadOf(head)) * dk;
  const int64_t k_col = shape.key_dim() + q_col;
  const int64_t v_col = 2 * static_cast<int64_t>(shape.key_dim()) + static_cast<int64_t>(head) * dv;
  const float q_scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(dk)));  // F8
  float* k = scratch.data();
  float* q = k + kTokenBlock * dk;
  float* g = q + kTokenBlock * dk;
  float* beta = g + kTokenBlock;
  kernels::DeltaRuleArgs args;
  args.state = matrix_state + static_cast<size_t>(head) * dk * dv;
  args.dk = dk;
  args.dv = dv;
  args.k = k;
  args.q = q;
  args.ldv = channels;
  args.g = g;
  args.beta = beta;
  args.ldo = ld_out;
  args.scratch = beta + kTokenBlock;
  const auto rule = algorithm == DeltaRuleAlgorithm::kChunked ? kernels.chunked : kernels.recurrent;
  for (int t0 = 0; t0 < rows.n; t0 += kTokenBlock) {
    const int n = std::min(kTokenBlock, rows.n - t0);
    for (int t = 0; t < n; ++t) {
      const float* row = conv_out + (t0 + t) * channels;
      L2Normalize(row + q_col, dk, layer, q_scale, q + t * dk);
      L2Normalize(row + k_col, dk, layer, 1.0f, k + t * dk);
      // F10, F11.
      g[t] = layer.decay_scale[head] * Softplus(rows.a[(t0 + t) * rows.ld_a + head] + layer.dt_bias[head]);
      beta[t] = 1.0f / (1.0f + std::exp(-rows.b[(t0 + t) * rows.ld_b + head]));
    }
    args.n = n;
    args.v = conv_out + t0 * channels + v_col;
    args.out = out + t0 * ld_out + static_cast<int64_t>(head) * dv;
    rule(args);
    for (int t = 0; t < n; ++t) {
      GatedRmsNorm(args.out + t * ld_out, rows.z + (t0 + t) * rows.ld_z + static_cast<int64_t>(head) * dv,
                   layer.norm_weight, dv, layer.norm_eps);
    }
  }
}

void GatedDeltaSequence(const GatedDeltaShape& shape, const GatedDeltaLayer& layer,
                        const kernels::DeltaRuleKernels& kernels, DeltaRuleAlgorithm algorithm,
                        const GatedDeltaRows& rows, const GatedDeltaState& state, float* out, int64_t ld_out,
                        int threads) {
  if (rows.n <= 0) return;
  const int channels = shape.conv_channels();
  std::vector<float> conv_out(static_cast<size_t>(rows.n) * channels);
  GatedDeltaConv(shape, layer, rows.qkv, rows.ld_qkv, rows.n, state.conv, 0, channels, conv_out.data());
  const size_t scratch_floats = GatedDeltaHeadScratchFloats(shape, algorithm);
  threads = std::max(1, std::min(threads, shape.num_v_heads));
#pragma omp parallel num_threads(threads)
  {
    std::vector<float> scratch(scratch_floats);
#pragma omp for schedule(static)
    for (int h = 0; h < shape.num_v_heads; ++h) {
      GatedDeltaHead(shape, layer, kernels, algorithm, conv_out.data(), rows, h, state.matrix, out, ld_out, scratch);
    }
  }
}

}  // namespace doomscope::engine
