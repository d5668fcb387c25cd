#include "engine/forward.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <new>

#include "absl/strings/str_cat.h"
#include "engine/forward_attention.h"
#include "engine/forward_gated_delta.h"
#include "engine/forward_shortconv.h"

namespace doomscope::engine {
namespace {

absl::Status CheckMatrix(const TensorView& t, int64_t rows, int64_t cols, const std::string& name) {
  if (t.data == nullptr) return absl::InvalidArgumentError(absl::StrCat(name, ": missing"));
  if (t.rows != rows || t.cols != cols) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": shape [", t.rows, "][", t.cols, "], expected [", rows,
                                                   "][", cols, "]"));
  }
  if (t.dtype == DType::kQ8_0 && cols % 32 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": Q8_0 rows of ", cols, " values (must be a multiple of 32)"));
  }
  return absl::OkStatus();
}

absl::Status CheckVector(const TensorView& t, int64_t n, const std::string& name) {
  if (t.data == nullptr) return absl::InvalidArgumentError(absl::StrCat(name, ": missing"));
  if (t.rows * t.cols != n || t.dtype == DType::kQ8_0) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": ", t.rows * t.cols, " ", DTypeName(t.dtype),
                                                   " values, expected ", n, " float values"));
  }
  return absl::OkStatus();
}

absl::Status CheckConfig(const ModelWeights& weights) {
  const ModelConfig& c = weights.config;
  if (c.dim <= 0 || c.hidden_dim <= 0 || c.n_layers <= 0 || c.n_heads <= 0 || c.n_kv_heads <= 0 ||
      c.head_dim <= 0 || c.vocab_size <= 0 || c.max_seq_len <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model config: dim ", c.dim, ", hidden_dim ", c.hidden_dim, ", n_layers ", c.n_layers, ", n_heads ",
        c.n_heads, ", n_kv_heads ", c.n_kv_heads, ", head_dim ", c.head_dim, ", vocab_size ", c.vocab_size,
        ", max_seq_len ", c.max_seq_len, " must all be positive"));
  }
  if (c.n_heads % c.n_kv_heads != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("model config: n_heads ", c.n_heads, " is not a multiple of n_kv_heads ", c.n_kv_heads));
  }
  if (c.head_dim % 2 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("model config: head_dim ", c.head_dim, " is odd (RoPE needs pairs)"));
  }
  if (static_cast<int>(weights.layers.size()) != c.n_layers) {
    return absl::InvalidArgumentError(
        absl::StrCat("model has ", weights.layers.size(), " layers, config says ", c.n_layers));
  }
  if (!c.layer_kinds.empty() && static_cast<int>(c.layer_kinds.size()) != c.n_layers) {
    return absl::InvalidArgumentError(
        absl::StrCat("model config: ", c.layer_kinds.size(), " layer kinds for ", c.n_layers, " layers"));
  }
  bool short_conv = false, gated_delta = false;
  for (int l = 0; l < c.n_layers; ++l) {
    short_conv |= c.layer_kind(l) == LayerKind::kShortConv;
    gated_delta |= c.layer_kind(l) == LayerKind::kGatedDelta;
  }
  if (gated_delta) {
    if (absl::Status s = ValidateGatedDeltaShape(GatedDeltaShapeOf(c)); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("model config: ", s.message()));
    }
  }
  if (c.rope_dims < 0 || c.rope_dims > c.head_dim || c.rope_dims % 2 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("model config: rope_dims ", c.rope_dims, " must be even and in [0, head_dim ", c.head_dim, "]"));
  }
  if (short_conv && (c.conv_kernel < 2 || c.conv_kernel > 64)) {
    return absl::InvalidArgumentError(
        absl::StrCat("model config: conv_kernel ", c.conv_kernel, " is outside [2, 64]"));
  }
  if (!c.rope_freq_factors.empty()) {
    if (static_cast<int>(c.rope_freq_factors.size()) != c.head_dim / 2) {
      return absl::InvalidArgumentError(absl::StrCat("model config: ", c.rope_freq_factors.size(),
                                                     " RoPE frequency factors, expected head_dim / 2 = ",
                                                     c.head_dim / 2));
    }
    for (float f : c.rope_freq_factors) {
      if (!std::isfinite(f) || f <= 0) {
        return absl::InvalidArgumentError(absl::StrCat("model config: RoPE frequency factor ", f, " is not positive"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckLayer(const ModelConfig& c, int l, const LayerWeights& L) {
  const std::string p = absl::StrCat("layer ", l, " ");
  if (L.kind != c.layer_kind(l)) {
    return absl::InvalidArgumentError(absl::StrCat(p, "weights are of another kind than the config's"));
  }
  const int64_t q_dim = static_cast<int64_t>(c.n_heads) * c.head_dim;
  const int64_t kv_dim = static_cast<int64_t>(c.n_kv_heads) * c.head_dim;
  absl::Status s = CheckVector(L.attn_norm, c.dim, p + "attn_norm");
  auto check = [&](absl::Status st) {
    if (s.ok() && !st.ok()) s = st;
  };
  switch (L.kind) {
    case LayerKind::kAttention:
      check(CheckMatrix(L.wq, c.attention_output_gate ? 2 * q_dim : q_dim, c.dim, p + "wq"));
      check(CheckMatrix(L.wk, kv_dim, c.dim, p + "wk"));
      check(CheckMatrix(L.wv, kv_dim, c.dim, p + "wv"));
      check(CheckMatrix(L.wo, c.dim, q_dim, p + "wo"));
      if (L.q_norm.empty() != L.k_norm.empty()) {
        check(absl::InvalidArgumentError(absl::StrCat(p, "has a norm of queries or keys but not both")));
      } else if (!L.q_norm.empty()) {
        check(CheckVector(L.q_norm, c.head_dim, p + "q_norm"));
        check(CheckVector(L.k_norm, c.head_dim, p + "k_norm"));
      }
      break;
    case LayerKind::kShortConv:
      check(CheckMatrix(L.conv_in, 3 * static_cast<int64_t>(c.dim), c.dim, p + "conv_in"));
      check(CheckMatrix(L.conv_kernel, c.dim, c.conv_kernel, p + "conv_kernel"));
      check(CheckMatrix(L.conv_out, c.dim, c.dim, p + "conv_out"));
      if (s.ok() && L.conv_kernel.dtype != DType::kF32) {
        check(absl::InvalidArgumentError(absl::StrCat(p, "conv_kernel is ", DTypeName(L.conv_kernel.dtype),
                                                      "; the convolution kernel must be F32")));
      }
      break;
    case LayerKind::kGatedDelta: {
      const GatedDeltaShape d = GatedDeltaShapeOf(c);
      check(CheckMatrix(L.ssm_qkv, d.conv_channels(), c.dim, p + "ssm_qkv"));
      check(CheckMatrix(L.ssm_gate, d.value_dim(), c.dim, p + "ssm_gate"));
      check(CheckMatrix(L.ssm_alpha, d.num_v_heads, c.dim, p + "ssm_alpha"));
      check(CheckMatrix(L.ssm_beta, d.num_v_heads, c.dim, p + "ssm_beta"));
      check(CheckMatrix(L.ssm_conv, d.conv_channels(), d.conv_kernel, p + "ssm_conv"));
      check(CheckVector(L.ssm_a, d.num_v_heads, p + "ssm_a"));
      check(CheckVector(L.ssm_dt_bias, d.num_v_heads, p + "ssm_dt_bias"));
      check(CheckVector(L.ssm_norm, d.head_v_dim, p + "ssm_norm"));
      check(CheckMatrix(L.ssm_out, c.dim, d.value_dim(), p + "ssm_out"));
      if (s.ok() && L.ssm_conv.dtype == DType::kQ8_0) {
        check(absl::InvalidArgumentError(absl::StrCat(p, "ssm_conv is Q8_0; the conv weight must be a float type")));
      }
      break;
    }
  }
  check(CheckVector(L.ffn_norm, c.dim, p + "ffn_norm"));
  check(CheckMatrix(L.w_gate, c.hidden_dim, c.dim, p + "w_gate"));
  check(CheckMatrix(L.w_up, c.hidden_dim, c.dim, p + "w_up"));
  check(CheckMatrix(L.w_down, c.dim, c.hidden_dim, p + "w_down"));
  return s;
}

// Multiply-adds of work per extra thread below which a step stays on fewer
// threads: a fork/join and the barriers cost a few microseconds, which is the
// whole step of a tiny model.
constexpr int64_t kMacsPerThread = 1 << 21;

void Grow(std::vector<float>& v, size_t n) {
  if (v.size() < n) v.resize(n);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Transformer>> Transformer::Create(const ModelWeights& weights, Isa isa) {
  const ModelConfig& c = weights.config;
  if (!IsaSupported(isa)) {
    return absl::InvalidArgumentError(absl::StrCat("instruction set ", IsaName(isa), " is not supported by this CPU"));
  }
  if (absl::Status s = CheckConfig(weights); !s.ok()) return s;
  absl::Status s = CheckMatrix(weights.token_embedding, c.vocab_size, c.dim, "token_embedding");
  if (s.ok()) s = CheckMatrix(weights.classifier, c.vocab_size, c.dim, "classifier");
  if (s.ok()) s = CheckVector(weights.final_norm, c.dim, "final_norm");
  for (int l = 0; l < c.n_layers && s.ok(); ++l) s = CheckLayer(c, l, weights.layers[l]);
  if (!s.ok()) return s;
  return std::unique_ptr<Transformer>(new Transformer(weights, kernels::KernelsFor(isa)));
}

Transformer::Transformer(const ModelWeights& weights, const kernels::KernelTable& k)
    : weights_(weights), kernels_(k), rope_(weights.config) {
  const ModelConfig& c = weights.config;
  ffns_.reserve(c.n_layers);
  for (int l = 0; l < c.n_layers; ++l) {
    const LayerWeights& L = weights.layers[l];
    attn_norm_.push_back(TensorToFloats(L.attn_norm));
    switch (L.kind) {
      case LayerKind::kAttention:
        mixers_.push_back(std::make_unique<AttentionMixer>(c, k, l, L, rope_));
        break;
      case LayerKind::kShortConv:
        mixers_.push_back(std::make_unique<ShortConvMixer>(c, k, l, L));
        break;
      case LayerKind::kGatedDelta:
        mixers_.push_back(std::make_unique<GatedDeltaMixer>(c, k, l, L));
        break;
    }
    ffns_.emplace_back(c, k, L);
  }
  packed_classifier_ = k.pack(weights.classifier);
  final_norm_ = TensorToFloats(weights.final_norm);
}

void Transformer::EnsureBuffers(int rows, int logit_rows, int threads, int max_pos) {
  const ModelConfig& c = config();
  const size_t r = static_cast<size_t>(rows);
  const bool attention = c.attention_layers() > 0;
  bool conv = false, gated_delta = false;
  for (int l = 0; l < c.n_layers; ++l) {
    conv |= c.layer_kind(l) == LayerKind::kShortConv;
    gated_delta |= c.layer_kind(l) == LayerKind::kGatedDelta;
  }
  const size_t q_dim = static_cast<size_t>(c.n_heads) * c.head_dim;
  const size_t kv_dim = static_cast<size_t>(c.n_kv_heads) * c.head_dim;
  StepBuffers& b = buffers_;
  Grow(b.x, r * c.dim);
  if (attention) {
    Grow(b.q, r * q_dim);
    Grow(b.k, r * kv_dim);
    Grow(b.v, r * kv_dim);
    Grow(b.att, r * q_dim);
    if (c.attention_output_gate) Grow(b.q_gate, r * 2 * q_dim);
  }
  if (gated_delta) {
    const GatedDeltaShape d = GatedDeltaShapeOf(c);
    Grow(b.dn_qkv, r * d.conv_channels());
    Grow(b.dn_conv, r * d.conv_channels());
    Grow(b.dn_z, r * d.value_dim());
    Grow(b.dn_y, r * d.value_dim());
    Grow(b.dn_a, r * d.num_v_heads);
    Grow(b.dn_b, r * d.num_v_heads);
    if (static_cast<int>(b.dn_scratch.size()) < threads) b.dn_scratch.resize(threads);
    for (int t = 0; t < threads; ++t) Grow(b.dn_scratch[t], GatedDeltaMixer::ScratchFloats(c));
  }
  if (conv) {
    Grow(b.bcx, r * 3 * c.dim);
    Grow(b.conv_y, r * c.dim);
  }
  Grow(b.hb, r * c.hidden_dim);
  Grow(b.hb2, r * c.hidden_dim);
  if (static_cast<int>(b.xb.size()) < threads) b.xb.resize(threads);
  if (static_cast<int>(b.scores.size()) < threads) b.scores.resize(threads);
  for (int t = 0; t < threads; ++t) {
    Grow(b.xb[t], std::max(r, static_cast<size_t>(logit_rows)) * c.dim);
    // One query group's scores (attention over a 16-bit cache scores the group together).
    if (attention) Grow(b.scores[t], (static_cast<size_t>(max_pos) + 1) * (c.n_heads / c.n_kv_heads));
  }
}

absl::Status Transformer::Reserve(int rows, int logit_rows, int threads, int max_positions) {
  try {
    EnsureBuffers(rows, logit_rows, threads, std::max(max_positions - 1, 0));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(absl::StrCat("cannot allocate the activations of a step of ", rows,
                                                     " rows on ", threads, " threads"));
  }
  return absl::OkStatus();
}

void Transformer::Step(std::span<const StepRow> rows, KvCache& cache, float* logits, int threads) {
  if (rows.empty()) return;
  int max_pos = 0;
  logit_rows_.clear();
  for (size_t i = 0; i < rows.size(); ++i) {
    max_pos = std::max(max_pos, rows[i].pos);
    if (rows[i].want_logits) logit_rows_.push_back(static_cast<int>(i));
  }
  const int64_t work = static_cast<int64_t>(rows.size()) * (LayerMatrixMacsPerToken() + AttentionMacs(max_pos)) +
                       static_cast<int64_t>(logit_rows_.size()) * ClassifierMacsPerToken();
  int nthreads = static_cast<int>(std::clamp<int64_t>(work / kMacsPerThread, 1, std::max(1, threads)));
  if (nthreads > 1 && solo_steps_ > 0) {
    --solo_steps_;
    nthreads = 1;
  }
  EnsureBuffers(static_cast<int>(rows.size()), static_cast<int>(logit_rows_.size()), nthreads, max_pos);
  // Grown as positions are reached (a few MB at the longest contexts), not reserved:
  // filling a 128k-position table costs more than a short generation.
  rope_.Ensure(max_pos);
  StepContext s;
  s.config = &config();
  s.kernels = &kernels_;
  s.rows = rows;
  s.cache = &cache;
  s.buffers = &buffers_;
  if (nthreads == 1) {
    StepThread(s, logits, 0, 1);
    return;
  }
  barrier_ = std::make_unique<SpinBarrier>(nthreads);
  const auto start = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(nthreads)
  {
    // The runtime may give fewer threads than asked; the barrier must count the real team.
#pragma omp single
    if (omp_get_num_threads() != nthreads) barrier_ = std::make_unique<SpinBarrier>(omp_get_num_threads());
    StepContext mine = s;
    mine.barrier = barrier_.get();
    StepThread(mine, logits, omp_get_thread_num(), omp_get_num_threads());
  }
  // Results do not depend on the thread count, so backing off is always safe.
  const double step_ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  if (static_cast<double>(barrier_->yielded_ns()) > 0.5 * step_ns * nthreads) {
    solo_penalty_ = std::min(std::max(2 * solo_penalty_, 8), 512);
    solo_steps_ = solo_penalty_;
  } else {
    solo_penalty_ = 0;
  }
}

// Synchronization per layer: every thread normalizes all rows into its own
// buffer (no barrier), computes its share of the output features of a matrix,
// and waits only where the next stage reads features another thread wrote
// (the mixers and the feed-forward block say where).
void Transformer::StepThread(const StepContext& s, float* logits, int tid, int nthreads) {
  const ModelConfig& c = config();
  const int dim = c.dim;
  const int64_t r0 = static_cast<int64_t>(s.n()) * tid / nthreads;
  const int64_t r1 = static_cast<int64_t>(s.n()) * (tid + 1) / nthreads;
  for (int64_t i = r0; i < r1; ++i) {
    ConvertRow(weights_.token_embedding, s.rows[i].token, buffers_.x.data() + i * dim);
  }
  s.Barrier();
  for (int l = 0; l < c.n_layers; ++l) {
    mixers_[l]->Run(s, s.NormalizeRows(attn_norm_[l], tid), tid, nthreads);
    ffns_[l].Run(s, tid, nthreads);
  }
  const int n_logits = static_cast<int>(logit_rows_.size());
  if (n_logits == 0) return;
  float* xl = buffers_.xb[tid].data();
  for (int j = 0; j < n_logits; ++j) {
    kernels_.rmsnorm(buffers_.x.data() + static_cast<size_t>(logit_rows_[j]) * dim, final_norm_.data(), dim,
                     c.norm_eps, xl + static_cast<size_t>(j) * dim);
  }
  s.Matmul(weights_.classifier, packed_classifier_, xl, n_logits, logits, tid, nthreads);
}

size_t Transformer::MatrixBytes() const {
  size_t total = weights_.classifier.bytes();
  for (int l = 0; l < config().n_layers; ++l) total += mixers_[l]->MatrixBytes() + ffns_[l].MatrixBytes();
  return total;
}

int64_t Transformer::LayerMatrixMacsPerToken() const {
  int64_t total = 0;
  for (int l = 0; l < config().n_layers; ++l) total += mixers_[l]->MatrixMacsPerToken() + ffns_[l].MatrixMacsPerToken();
  return total;
}

int64_t Transformer::ClassifierMacsPerToken() const {
  return static_cast<int64_t>(config().dim) * config().vocab_size;
}

int64_t Transformer::AttentionMacs(int pos) const {
  int64_t total = 0;
  for (const auto& m : mixers_) total += m->PositionMacs(pos);
  return total;
}

}  // namespace doomscope::engine
