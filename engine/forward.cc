#include "engine/forward.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/quantize.h"

namespace doomscope::engine {
namespace {

// Element i of row `row` of `t`, converted to float32 (exact for every type).
void ConvertRow(const TensorView& t, int64_t row, float* out) {
  const size_t row_bytes = DTypeBytes(t.dtype, static_cast<size_t>(t.cols));
  const std::byte* p = t.data + static_cast<size_t>(row) * row_bytes;
  switch (t.dtype) {
    case DType::kF32:
      std::memcpy(out, p, row_bytes);
      return;
    case DType::kF16:
    case DType::kBF16:
      for (int64_t i = 0; i < t.cols; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        out[i] = t.dtype == DType::kF16 ? HalfToFloat(h) : BFloat16ToFloat(h);
      }
      return;
    case DType::kQ8_0:
      DequantizeQ8_0(std::span<const std::byte>(p, row_bytes), std::span<float>(out, t.cols));
      return;
  }
}

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

std::vector<float> VectorToFloats(const TensorView& t) {
  std::vector<float> out(static_cast<size_t>(t.rows * t.cols));
  TensorView flat = t;
  flat.rows = 1;
  flat.cols = t.rows * t.cols;
  ConvertRow(flat, 0, out.data());
  return out;
}

// [begin, end) of `n` items for thread `tid` of `nthreads`, in contiguous runs.
inline void Share(int64_t n, int tid, int nthreads, int64_t* begin, int64_t* end) {
  *begin = n * tid / nthreads;
  *end = n * (tid + 1) / nthreads;
}

// Multiply-adds of work per extra thread below which a step stays on fewer
// threads: a fork/join and the barriers cost a few microseconds, which is the
// whole step of a tiny model.
constexpr int64_t kMacsPerThread = 1 << 21;

}  // namespace

absl::StatusOr<std::unique_ptr<Transformer>> Transformer::Create(const ModelWeights& weights, Isa isa) {
  const ModelConfig& c = weights.config;
  if (!IsaSupported(isa)) {
    return absl::InvalidArgumentError(absl::StrCat("instruction set ", IsaName(isa), " is not supported by this CPU"));
  }
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
    return absl::InvalidArgumentError(absl::StrCat("model config: head_dim ", c.head_dim, " is odd (RoPE needs pairs)"));
  }
  if (!c.rope_freq_factors.empty() && static_cast<int>(c.rope_freq_factors.size()) != c.head_dim / 2) {
    return absl::InvalidArgumentError(absl::StrCat("model config: ", c.rope_freq_factors.size(),
                                                   " RoPE frequency factors for head_dim ", c.head_dim));
  }
  if (static_cast<int>(weights.layers.size()) != c.n_layers) {
    return absl::InvalidArgumentError(
        absl::StrCat("model has ", weights.layers.size(), " layers, config says ", c.n_layers));
  }
  const int64_t q_dim = static_cast<int64_t>(c.n_heads) * c.head_dim;
  const int64_t kv_dim = static_cast<int64_t>(c.n_kv_heads) * c.head_dim;
  absl::Status s;
  auto check = [&](absl::Status st) {
    if (s.ok() && !st.ok()) s = st;
  };
  check(CheckMatrix(weights.token_embedding, c.vocab_size, c.dim, "token_embedding"));
  check(CheckMatrix(weights.classifier, c.vocab_size, c.dim, "classifier"));
  check(CheckVector(weights.final_norm, c.dim, "final_norm"));
  for (int l = 0; l < c.n_layers && s.ok(); ++l) {
    const LayerWeights& L = weights.layers[l];
    const std::string p = absl::StrCat("layer ", l, " ");
    if (L.kind != LayerKind::kAttention) {
      return absl::InvalidArgumentError(absl::StrCat(p, "has a layer kind this engine does not run"));
    }
    check(CheckVector(L.attn_norm, c.dim, p + "attn_norm"));
    check(CheckMatrix(L.wq, q_dim, c.dim, p + "wq"));
    check(CheckMatrix(L.wk, kv_dim, c.dim, p + "wk"));
    check(CheckMatrix(L.wv, kv_dim, c.dim, p + "wv"));
    check(CheckMatrix(L.wo, c.dim, q_dim, p + "wo"));
    check(CheckVector(L.ffn_norm, c.dim, p + "ffn_norm"));
    check(CheckMatrix(L.w_gate, c.hidden_dim, c.dim, p + "w_gate"));
    check(CheckMatrix(L.w_up, c.hidden_dim, c.dim, p + "w_up"));
    check(CheckMatrix(L.w_down, c.dim, c.hidden_dim, p + "w_down"));
  }
  if (!s.ok()) return s;
  return std::unique_ptr<Transformer>(new Transformer(weights, kernels::KernelsFor(isa)));
}

Transformer::Transformer(const ModelWeights& weights, const kernels::KernelTable& k)
    : weights_(weights), kernels_(k) {
  const ModelConfig& c = weights.config;
  q_dim_ = c.n_heads * c.head_dim;
  kv_dim_ = c.n_kv_heads * c.head_dim;
  for (const LayerWeights& L : weights.layers) {
    attn_norm_.push_back(VectorToFloats(L.attn_norm));
    ffn_norm_.push_back(VectorToFloats(L.ffn_norm));
    packed_.push_back(PackedLayer{k.pack(L.wq), k.pack(L.wk), k.pack(L.wv), k.pack(L.wo), k.pack(L.w_gate),
                                  k.pack(L.w_up), k.pack(L.w_down)});
  }
  packed_classifier_ = k.pack(weights.classifier);
  final_norm_ = VectorToFloats(weights.final_norm);
}

void Transformer::EnsureRope(int max_pos) {
  if (max_pos < rope_positions_) return;
  const int half = config().head_dim / 2;
  const int n = std::max(max_pos + 1, 2 * rope_positions_);
  rope_cos_.resize(static_cast<size_t>(n) * half);
  rope_sin_.resize(static_cast<size_t>(n) * half);
  const float hd = static_cast<float>(config().head_dim);
  for (int pos = rope_positions_; pos < n; ++pos) {
    for (int j = 0; j < half; ++j) {
      // run.c: freq = 1 / theta^(head_dim_index / head_size), val = pos * freq.
      float freq = 1.0f / std::pow(config().rope_theta, static_cast<float>(2 * j) / hd);
      if (!config().rope_freq_factors.empty()) freq /= config().rope_freq_factors[j];
      const float val = static_cast<float>(pos) * freq;
      rope_cos_[static_cast<size_t>(pos) * half + j] = std::cos(val);
      rope_sin_[static_cast<size_t>(pos) * half + j] = std::sin(val);
    }
  }
  rope_positions_ = n;
}

void Transformer::EnsureBuffers(int rows, int logit_rows, int threads, int max_pos) {
  const ModelConfig& c = config();
  auto grow = [](std::vector<float>& v, size_t n) {
    if (v.size() < n) v.resize(n);
  };
  const size_t r = static_cast<size_t>(rows);
  grow(x_, r * c.dim);
  grow(q_, r * q_dim_);
  grow(k_, r * kv_dim_);
  grow(v_, r * kv_dim_);
  grow(att_, r * q_dim_);
  grow(hb_, r * c.hidden_dim);
  grow(hb2_, r * c.hidden_dim);
  if (static_cast<int>(xb_.size()) < threads) xb_.resize(threads);
  if (static_cast<int>(scores_.size()) < threads) scores_.resize(threads);
  for (int t = 0; t < threads; ++t) {
    grow(xb_[t], std::max(r, static_cast<size_t>(logit_rows)) * c.dim);
    grow(scores_[t], static_cast<size_t>(max_pos) + 1);
  }
}

void Transformer::Matmul(const TensorView& w, const kernels::PackedMatrix& packed, const float* x, int n, float* y,
                         int tid, int nthreads, bool accumulate) const {
  // Contiguous runs of output rows, rounded to 16 so tiles stay whole.
  const int64_t per = (w.rows + nthreads - 1) / nthreads;
  const int64_t rounded = (per + 15) / 16 * 16;
  const int64_t begin = std::min<int64_t>(w.rows, rounded * tid);
  const int64_t end = std::min<int64_t>(w.rows, begin + rounded);
  if (begin >= end) return;
  kernels::MatmulArgs a;
  a.w = w;
  a.packed = packed.data();
  a.x = x;
  a.ldx = w.cols;
  a.n_rows = n;
  a.y = y;
  a.ldy = w.rows;
  a.row_begin = begin;
  a.row_end = end;
  a.accumulate = accumulate;
  kernels_.matmul(a);
}

void Transformer::Rope(float* head, int pos) const {
  const int half = config().head_dim / 2;
  const float* fcr = rope_cos_.data() + static_cast<size_t>(pos) * half;
  const float* fci = rope_sin_.data() + static_cast<size_t>(pos) * half;
  const bool adjacent = config().rope_layout == RopeLayout::kAdjacentPairs;
  for (int j = 0; j < half; ++j) {
    const int a = adjacent ? 2 * j : j;
    const int b = adjacent ? 2 * j + 1 : j + half;
    const float v0 = head[a], v1 = head[b];
    head[a] = v0 * fcr[j] - v1 * fci[j];
    head[b] = v0 * fci[j] + v1 * fcr[j];
  }
}

void Transformer::Barrier() {
  if (barrier_ != nullptr) barrier_->Wait();  // null on a one-thread step
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
  EnsureRope(max_pos);
  EnsureBuffers(static_cast<int>(rows.size()), static_cast<int>(logit_rows_.size()), nthreads, max_pos);
  if (nthreads == 1) {
    barrier_.reset();
    StepThread(rows, cache, logits, 0, 1);
    return;
  }
  barrier_ = std::make_unique<SpinBarrier>(nthreads);
  const auto start = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(nthreads)
  {
    // The runtime may give fewer threads than asked; the barrier must count the real team.
#pragma omp single
    if (omp_get_num_threads() != nthreads) barrier_ = std::make_unique<SpinBarrier>(omp_get_num_threads());
    StepThread(rows, cache, logits, omp_get_thread_num(), omp_get_num_threads());
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
// buffer (no barrier), computes its share of the output features of a matrix
// (heads for Q/K/V, with RoPE and the cache writes of those heads; rows of the
// others, with the residual added in place), and waits only where the next
// stage reads features another thread wrote: five barriers per layer.
void Transformer::StepThread(std::span<const StepRow> rows, KvCache& cache, float* logits, int tid,
                             int nthreads) {
  const ModelConfig& c = config();
  const int n = static_cast<int>(rows.size());
  const int dim = c.dim;
  int64_t r0, r1;
  Share(n, tid, nthreads, &r0, &r1);
  for (int64_t i = r0; i < r1; ++i) {
    ConvertRow(weights_.token_embedding, rows[i].token, x_.data() + i * dim);
  }
  Barrier();
  for (int l = 0; l < c.n_layers; ++l) {
    switch (weights_.layers[l].kind) {
      case LayerKind::kAttention:
        AttentionLayer(l, rows, cache, tid, nthreads);
        break;
    }
  }
  const int n_logits = static_cast<int>(logit_rows_.size());
  if (n_logits == 0) return;
  float* xl = xb_[tid].data();
  for (int j = 0; j < n_logits; ++j) {
    kernels_.rmsnorm(x_.data() + static_cast<size_t>(logit_rows_[j]) * dim, final_norm_.data(), dim, c.norm_eps,
                     xl + static_cast<size_t>(j) * dim);
  }
  Matmul(weights_.classifier, packed_classifier_, xl, n_logits, logits, tid, nthreads);
}

void Transformer::AttentionLayer(int l, std::span<const StepRow> rows, KvCache& cache, int tid, int nthreads) {
  const ModelConfig& c = config();
  const LayerWeights& L = weights_.layers[l];
  const PackedLayer& P = packed_[l];
  const int n = static_cast<int>(rows.size());
  const int dim = c.dim, hd = c.head_dim, hidden = c.hidden_dim;
  float* xb = xb_[tid].data();

  for (int i = 0; i < n; ++i) {
    kernels_.rmsnorm(x_.data() + static_cast<size_t>(i) * dim, attn_norm_[l].data(), dim, c.norm_eps,
                     xb + static_cast<size_t>(i) * dim);
  }
  // Q, K and V heads as one list of units, each thread a contiguous run of
  // them, so the three matrices split evenly whatever the head counts.
  const int units = c.n_heads + 2 * c.n_kv_heads;
  const int u0 = static_cast<int>(static_cast<int64_t>(units) * tid / nthreads);
  const int u1 = static_cast<int>(static_cast<int64_t>(units) * (tid + 1) / nthreads);
  // This thread's units fall in at most three runs of heads, one per matrix:
  // one product each (the activations are quantized once per product).
  const int first_unit[3] = {0, c.n_heads, c.n_heads + c.n_kv_heads};
  const int heads_of[3] = {c.n_heads, c.n_kv_heads, c.n_kv_heads};
  for (int m = 0; m < 3; ++m) {
    const int h0 = std::max(u0 - first_unit[m], 0);
    const int h1 = std::min(u1 - first_unit[m], heads_of[m]);
    if (h0 >= h1) continue;
    const bool is_q = m == 0, is_k = m == 1;
    float* out = is_q ? q_.data() : is_k ? k_.data() : v_.data();
    const int width = is_q ? q_dim_ : kv_dim_;
    kernels::MatmulArgs a;
    a.w = is_q ? L.wq : is_k ? L.wk : L.wv;
    a.packed = (is_q ? P.wq : is_k ? P.wk : P.wv).data();
    a.x = xb;
    a.ldx = dim;
    a.n_rows = n;
    a.y = out;
    a.ldy = width;
    a.row_begin = static_cast<int64_t>(h0) * hd;
    a.row_end = static_cast<int64_t>(h1) * hd;
    kernels_.matmul(a);
    for (int head = h0; head < h1; ++head) {
      for (int i = 0; i < n; ++i) {
        float* h = out + static_cast<size_t>(i) * width + head * hd;
        if (!is_q && !is_k) {
          std::memcpy(cache.Values(rows[i].slot, l, head) + static_cast<size_t>(rows[i].pos) * hd, h,
                      hd * sizeof(float));
          continue;
        }
        Rope(h, rows[i].pos);
        if (is_k) {
          std::memcpy(cache.Keys(rows[i].slot, l, head) + static_cast<size_t>(rows[i].pos) * hd, h,
                      hd * sizeof(float));
        }
      }
    }
  }
  Barrier();
  // Attention: tasks dealt round-robin, so long and short rows mix. A task is
  // one row's query heads that share a key/value head, run one after the
  // other: the keys and values come from memory once for the group (batched
  // decode reads about as many cache bytes as weight bytes per step). With
  // too few such tasks to keep every thread busy, one query head a task.
  const int group = c.n_heads / c.n_kv_heads;
  const int heads_per_task = static_cast<int64_t>(n) * c.n_kv_heads >= 4 * nthreads ? group : 1;
  const int tasks_per_row = c.n_heads / heads_per_task;
  const int64_t tasks = static_cast<int64_t>(n) * tasks_per_row;
  float* scores = scores_[tid].data();
  // Keys and values of one (sequence, head) are short runs scattered over the
  // cache, too short for the hardware prefetcher to get going: fetch the next
  // task's while this one computes.
  auto prefetch = [&](int64_t task) {
    if (task >= tasks) return;
    const StepRow& row = rows[task / tasks_per_row];
    const int kvh = static_cast<int>(task % tasks_per_row) * heads_per_task / group;
    const size_t bytes = std::min<size_t>(static_cast<size_t>(row.pos + 1) * hd * sizeof(float), 4096);
    const char* kp = reinterpret_cast<const char*>(cache.Keys(row.slot, l, kvh));
    const char* vp = reinterpret_cast<const char*>(cache.Values(row.slot, l, kvh));
    for (size_t off = 0; off < bytes; off += 64) {
      __builtin_prefetch(kp + off);
      __builtin_prefetch(vp + off);
    }
  };
  prefetch(tid);
  for (int64_t task = tid; task < tasks; task += nthreads) {
    prefetch(task + nthreads);
    const int i = static_cast<int>(task / tasks_per_row);
    const int h0 = static_cast<int>(task % tasks_per_row) * heads_per_task;
    const StepRow& row = rows[i];
    const int kvh = h0 / group;
    for (int h = h0; h < h0 + heads_per_task; ++h) {
      kernels_.attention_head(q_.data() + static_cast<size_t>(i) * q_dim_ + h * hd, cache.Keys(row.slot, l, kvh),
                              cache.Values(row.slot, l, kvh), hd, row.pos + 1, hd, scores,
                              att_.data() + static_cast<size_t>(i) * q_dim_ + h * hd);
    }
  }
  Barrier();
  Matmul(L.wo, P.wo, att_.data(), n, x_.data(), tid, nthreads, /*accumulate=*/true);
  Barrier();
  for (int i = 0; i < n; ++i) {
    kernels_.rmsnorm(x_.data() + static_cast<size_t>(i) * dim, ffn_norm_[l].data(), dim, c.norm_eps,
                     xb + static_cast<size_t>(i) * dim);
  }
  // Gate and up over the same share of hidden features, so SwiGLU needs no barrier.
  Matmul(L.w_gate, P.w_gate, xb, n, hb_.data(), tid, nthreads);
  Matmul(L.w_up, P.w_up, xb, n, hb2_.data(), tid, nthreads);
  {
    const int64_t per = (hidden + nthreads - 1) / nthreads;
    const int64_t rounded = (per + 15) / 16 * 16;
    const int64_t f0 = std::min<int64_t>(hidden, rounded * tid);
    const int64_t f1 = std::min<int64_t>(hidden, f0 + rounded);
    for (int i = 0; i < n && f0 < f1; ++i) {
      float* g = hb_.data() + static_cast<size_t>(i) * hidden + f0;
      kernels_.swiglu(g, hb2_.data() + static_cast<size_t>(i) * hidden + f0, static_cast<int>(f1 - f0), g);
    }
  }
  Barrier();
  Matmul(L.w_down, P.w_down, hb_.data(), n, x_.data(), tid, nthreads, /*accumulate=*/true);
  Barrier();
}

size_t Transformer::MatrixBytes() const {
  size_t total = weights_.classifier.bytes();
  for (const LayerWeights& L : weights_.layers) {
    for (const TensorView* t : {&L.wq, &L.wk, &L.wv, &L.wo, &L.w_gate, &L.w_up, &L.w_down}) total += t->bytes();
  }
  return total;
}

int64_t Transformer::LayerMatrixMacsPerToken() const {
  const ModelConfig& c = config();
  const int64_t per_layer = static_cast<int64_t>(c.dim) * (2 * q_dim_ + 2 * kv_dim_) +
                            static_cast<int64_t>(3) * c.dim * c.hidden_dim;
  return per_layer * c.n_layers;
}

int64_t Transformer::ClassifierMacsPerToken() const {
  return static_cast<int64_t>(config().dim) * config().vocab_size;
}

int64_t Transformer::AttentionMacs(int pos) const {
  // q.k and p.v over pos + 1 positions, per head and layer.
  return static_cast<int64_t>(2) * (pos + 1) * q_dim_ * config().n_layers;
}

}  // namespace doomscope::engine
