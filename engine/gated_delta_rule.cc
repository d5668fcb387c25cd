#include "engine/gated_delta_rule.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace doomscope::engine {
namespace {

// Tokens whose normalized q and k a head task keeps at once.
constexpr int kTokenBlock = kernels::kDeltaRuleChunk;
// Tokens the conv takes at a time.
constexpr int kConvTile = 16;

// PyTorch's softplus (beta 1, threshold 20): x itself above 20.
float Softplus(float x) { return x > 20.0f ? x : std::log1p(std::exp(x)); }

}  // namespace

absl::Status ValidateGatedDeltaShape(const GatedDeltaShape& s) {
  const struct {
    const char* name;
    int value;
  } sizes[] = {{"num_k_heads", s.num_k_heads},
               {"num_v_heads", s.num_v_heads},
               {"head_k_dim", s.head_k_dim},
               {"head_v_dim", s.head_v_dim},
               {"conv_kernel", s.conv_kernel}};
  for (const auto& size : sizes) {
    if (size.value <= 0)
      return absl::InvalidArgumentError(
          absl::StrCat("gated delta net: ", size.name, " = ", size.value, ", must be positive"));
  }
  if (s.num_v_heads % s.num_k_heads != 0) {
    return absl::InvalidArgumentError(absl::StrCat("gated delta net: num_v_heads = ", s.num_v_heads,
                                                   " is not a multiple of num_k_heads = ", s.num_k_heads));
  }
  if (s.conv_kernel > kMaxGatedDeltaConvKernel) {
    return absl::InvalidArgumentError(absl::StrCat("gated delta net: conv_kernel = ", s.conv_kernel, ", at most ",
                                                   kMaxGatedDeltaConvKernel, " supported"));
  }
  return absl::OkStatus();
}

std::vector<float> TapMajorConvWeight(std::span<const float> channel_major, int channels, int taps) {
  std::vector<float> w(channel_major.size());
  for (int c = 0; c < channels; ++c) {
    for (int j = 0; j < taps; ++j)
      w[static_cast<size_t>(j) * channels + c] = channel_major[static_cast<size_t>(c) * taps + j];
  }
  return w;
}

void CopyGatedDeltaState(const GatedDeltaShape& shape, const GatedDeltaState& from, const GatedDeltaState& to) {
  // (A one-tap conv has no window: its pointers may be null.)
  if (shape.conv_state_floats() > 0) std::memcpy(to.conv, from.conv, shape.conv_state_floats() * sizeof(float));
  std::memcpy(to.heads, from.heads, shape.heads_state_floats() * sizeof(float));
}

std::vector<float> GatedDeltaStateMatrix(const GatedDeltaShape& shape, const float* heads, int head) {
  const int dk = shape.head_k_dim, dv = shape.head_v_dim;
  const float* m = heads + static_cast<size_t>(head) * shape.head_state_floats();
  const float* delta = m + static_cast<size_t>(dk) * dv;
  const float* k = delta + dv;
  const float e = k[dk];
  std::vector<float> s(static_cast<size_t>(dk) * dv);
  for (int i = 0; i < dk; ++i) {
    for (int j = 0; j < dv; ++j)
      s[static_cast<size_t>(i) * dv + j] = m[static_cast<size_t>(i) * dv + j] * e + k[i] * delta[j];
  }
  return s;
}

GatedDeltaRows PackedGatedDeltaRows(const GatedDeltaShape& shape, const float* qkv, const float* z, const float* a,
                                    const float* b, int first, int n) {
  GatedDeltaRows r;
  r.n = n;
  r.ld_qkv = shape.conv_channels();
  r.qkv = qkv + static_cast<int64_t>(first) * r.ld_qkv;
  r.ld_z = shape.value_dim();
  r.z = z + static_cast<int64_t>(first) * r.ld_z;
  r.ld_a = r.ld_b = shape.num_v_heads;
  r.a = a + static_cast<int64_t>(first) * r.ld_a;
  r.b = b + static_cast<int64_t>(first) * r.ld_b;
  return r;
}

void GatedDeltaConv(const GatedDeltaShape& shape, const GatedDeltaLayer& layer, const GatedDeltaKernels& kernels,
                    const float* qkv, int64_t ld_qkv, int n, float* conv_window, int c_begin, int c_end,
                    float* conv_out) {
  const int taps = shape.conv_kernel;
  const int64_t channels = shape.conv_channels();
  // Input row r of the sequence (r < 0: from the window).
  auto input = [&](int r) { return r < 0 ? conv_window + (r + taps - 1) * channels : qkv + r * ld_qkv; };
  // Tiles of tokens (whose rows stay in cache while every channel block of
  // the range walks down them), the range cut where planes begin.
  const int key_channels = 2 * shape.key_dim();
  for (int t0 = 0; t0 < n; t0 += kConvTile) {
    const int tile = std::min(kConvTile, n - t0);
    const float* before[kMaxGatedDeltaConvKernel];
    for (int j = 0; j + 1 < taps; ++j) before[j] = input(t0 - taps + 1 + j);
    for (int c = c_begin; c < c_end;) {
      const int plane =
          c < key_channels ? c / shape.head_k_dim : 2 * shape.num_k_heads + (c - key_channels) / shape.head_v_dim;
      const int plane_begin = c < key_channels ? plane * shape.head_k_dim
                                               : key_channels + (plane - 2 * shape.num_k_heads) * shape.head_v_dim;
      const GatedDeltaPlane where = GatedDeltaPlaneOf(shape, plane, n);
      const int end = std::min(c_end, plane_begin + where.width);
      kernels.conv_silu(before, qkv + t0 * ld_qkv, ld_qkv, tile, taps, layer.conv_weight, channels, c, end,
                        conv_out + where.offset + static_cast<int64_t>(t0) * where.width + (c - plane_begin),
                        where.width);
      c = end;
    }
  }
  // The window keeps the last taps - 1 inputs. In increasing r, row r + n is
  // read before it is overwritten.
  const size_t bytes = sizeof(float) * static_cast<size_t>(c_end - c_begin);
  for (int r = 0; r < taps - 1; ++r) {
    std::memmove(conv_window + r * channels + c_begin, input(r + n - (taps - 1)) + c_begin, bytes);
  }
}

GatedDeltaPlane GatedDeltaPlaneOf(const GatedDeltaShape& shape, int plane, int n) {
  const int64_t key_planes = 2 * static_cast<int64_t>(shape.num_k_heads);
  if (plane < key_planes) return {plane * static_cast<int64_t>(n) * shape.head_k_dim, shape.head_k_dim};
  return {key_planes * n * shape.head_k_dim + (plane - key_planes) * static_cast<int64_t>(n) * shape.head_v_dim,
          shape.head_v_dim};
}

size_t GatedDeltaHeadScratchFloats(const GatedDeltaShape& shape, DeltaRuleAlgorithm algorithm) {
  return static_cast<size_t>(kTokenBlock) * (2 * static_cast<size_t>(shape.head_k_dim) + 2) +
         kernels::DeltaRuleScratchFloats(shape.head_k_dim, shape.head_v_dim, algorithm);
}

void GatedDeltaHead(const GatedDeltaShape& shape, const GatedDeltaLayer& layer, const GatedDeltaKernels& kernels,
                    DeltaRuleAlgorithm algorithm, const float* conv_out, const GatedDeltaRows& rows, int head,
                    float* heads_state, float* out, int64_t ld_out, std::span<float> scratch) {
  const int dk = shape.head_k_dim, dv = shape.head_v_dim;
  const int kh = shape.KeyHeadOf(head);
  const float* q_plane = conv_out + GatedDeltaPlaneOf(shape, kh, rows.n).offset;
  const float* k_plane = conv_out + GatedDeltaPlaneOf(shape, shape.num_k_heads + kh, rows.n).offset;
  const float* v_plane = conv_out + GatedDeltaPlaneOf(shape, 2 * shape.num_k_heads + head, rows.n).offset;
  const float q_scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(dk)));  // F8
  const bool clamp_norm = layer.l2_style == L2NormStyle::kMaxOfNormAndEps;
  float* k = scratch.data();
  float* q = k + kTokenBlock * dk;
  float* g = q + kTokenBlock * dk;
  float* beta = g + kTokenBlock;
  kernels::DeltaRuleArgs args;
  args.state = heads_state + static_cast<size_t>(head) * shape.head_state_floats();
  args.dk = dk;
  args.dv = dv;
  args.k = k;
  args.q = q;
  args.ldv = dv;
  args.g = g;
  args.beta = beta;
  args.ldo = ld_out;
  args.scratch = beta + kTokenBlock;
  const auto rule = algorithm == DeltaRuleAlgorithm::kChunked ? kernels.chunked : kernels.recurrent;
  for (int t0 = 0; t0 < rows.n; t0 += kTokenBlock) {
    const int n = std::min(kTokenBlock, rows.n - t0);
    for (int t = 0; t < n; ++t) {
      const int64_t at = static_cast<int64_t>(t0 + t) * dk;
      kernels.l2_normalize(q_plane + at, dk, layer.l2_eps, clamp_norm, q_scale, q + t * dk);
      kernels.l2_normalize(k_plane + at, dk, layer.l2_eps, clamp_norm, 1.0f, k + t * dk);
      // F10, F11.
      g[t] = layer.decay_scale[head] * Softplus(rows.a[(t0 + t) * rows.ld_a + head] + layer.dt_bias[head]);
      beta[t] = 1.0f / (1.0f + std::exp(-rows.b[(t0 + t) * rows.ld_b + head]));
    }
    args.n = n;
    args.v = v_plane + static_cast<int64_t>(t0) * dv;
    args.out = out + t0 * ld_out + static_cast<int64_t>(head) * dv;
    rule(args);
    for (int t = 0; t < n; ++t) {
      kernels.gated_rms_norm(args.out + t * ld_out, rows.z + (t0 + t) * rows.ld_z + static_cast<int64_t>(head) * dv,
                             layer.norm_weight, dv, layer.norm_eps);
    }
  }
}

void GatedDeltaSequence(const GatedDeltaShape& shape, const GatedDeltaLayer& layer, const GatedDeltaKernels& kernels,
                        DeltaRuleAlgorithm algorithm, const GatedDeltaRows& rows, const GatedDeltaState& state,
                        float* out, int64_t ld_out, int threads, GatedDeltaWorkspace* workspace) {
  if (rows.n <= 0) return;
  GatedDeltaWorkspace own;
  GatedDeltaWorkspace& w = workspace != nullptr ? *workspace : own;
  threads = std::max(1, std::min(threads, shape.num_v_heads));
  const int channels = shape.conv_channels();
  w.conv_out.resize(std::max(w.conv_out.size(), static_cast<size_t>(rows.n) * channels));
  const size_t scratch_floats = GatedDeltaHeadScratchFloats(shape, algorithm);
  if (w.head_scratch.size() < static_cast<size_t>(threads)) w.head_scratch.resize(threads);
  for (std::vector<float>& s : w.head_scratch) s.resize(std::max(s.size(), scratch_floats));
  float* conv_out = w.conv_out.data();
#pragma omp parallel num_threads(threads)
  {
    const int tid = omp_get_thread_num(), nthreads = omp_get_num_threads();
    // Step 1 on this thread's share of the channels (16-aligned), then step 3.
    const int per = (channels / nthreads + 15) / 16 * 16;
    const int c0 = std::min(channels, tid * per), c1 = tid + 1 == nthreads ? channels : std::min(channels, c0 + per);
    GatedDeltaConv(shape, layer, kernels, rows.qkv, rows.ld_qkv, rows.n, state.conv, c0, c1, conv_out);
#pragma omp barrier
#pragma omp for schedule(static)
    for (int h = 0; h < shape.num_v_heads; ++h) {
      GatedDeltaHead(shape, layer, kernels, algorithm, conv_out, rows, h, state.heads, out, ld_out,
                     w.head_scratch[tid]);
    }
  }
}

}  // namespace doomscope::engine
