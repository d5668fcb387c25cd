#include "engine/forward_attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/kv_attention16.h"

namespace doomscope::engine {

AttentionMixer::AttentionMixer(const ModelConfig& config, const kernels::KernelTable& k, int layer,
                               const LayerWeights& weights, const RopeTable& rope)
    : config_(config),
      layer_(layer),
      w_(weights),
      rope_(rope),
      q_dim_(config.n_heads * config.head_dim),
      kv_dim_(config.n_kv_heads * config.head_dim),
      wq_(k.pack(weights.wq)),
      wk_(k.pack(weights.wk)),
      wv_(k.pack(weights.wv)),
      wo_(k.pack(weights.wo)),
      q_norm_(TensorToFloats(weights.q_norm)),
      k_norm_(TensorToFloats(weights.k_norm)) {}

void AttentionMixer::Run(const StepContext& s, const float* xb, int tid, int nthreads) const {
  ProjectHeads(s, xb, tid, nthreads);
  s.Barrier();
  Attend(s, tid, nthreads);
  s.Barrier();
  s.Matmul(w_.wo, wo_, s.buffers->att.data(), s.n(), s.buffers->x.data(), tid, nthreads, /*accumulate=*/true);
  s.Barrier();
}

void AttentionMixer::ProjectHeads(const StepContext& s, const float* xb, int tid, int nthreads) const {
  const ModelConfig& c = config_;
  const int n = s.n(), hd = c.head_dim;
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
    // With an output gate, Q's product holds each head's query then its gate
    // (2 * hd rows a head) in q_gate; the query part is then copied to q.
    const bool gated_q = is_q && c.attention_output_gate;
    const int rows_per_head = gated_q ? 2 * hd : hd;
    float* out = gated_q ? s.buffers->q_gate.data()
                 : is_q  ? s.buffers->q.data()
                 : is_k  ? s.buffers->k.data()
                         : s.buffers->v.data();
    const int width = is_q ? (gated_q ? 2 * q_dim_ : q_dim_) : kv_dim_;
    kernels::MatmulArgs a;
    a.w = is_q ? w_.wq : is_k ? w_.wk : w_.wv;
    a.packed = (is_q ? wq_ : is_k ? wk_ : wv_).data();
    a.x = xb;
    a.ldx = c.dim;
    a.n_rows = n;
    a.y = out;
    a.ldy = width;
    a.row_begin = static_cast<int64_t>(h0) * rows_per_head;
    a.row_end = static_cast<int64_t>(h1) * rows_per_head;
    s.kernels->matmul(a);
    const std::vector<float>& norm = is_q ? q_norm_ : k_norm_;
    for (int head = h0; head < h1; ++head) {
      for (int i = 0; i < n; ++i) {
        const StepRow& row = s.rows[i];
        float* h = out + static_cast<size_t>(i) * width + head * rows_per_head;
        if (gated_q) {
          float* q = s.buffers->q.data() + static_cast<size_t>(i) * q_dim_ + head * hd;
          std::memcpy(q, h, sizeof(float) * hd);
          h = q;
        }
        if (!is_q && !is_k) {
          s.cache->StoreValue(row.slot, layer_, head, row.pos, h);
          continue;
        }
        if (!norm.empty()) s.kernels->rmsnorm(h, norm.data(), hd, c.norm_eps, h);
        rope_.Apply(h, row.pos);
        if (is_k) s.cache->StoreKey(row.slot, layer_, head, row.pos, h);
      }
    }
  }
}

void AttentionMixer::Attend(const StepContext& s, int tid, int nthreads) const {
  const ModelConfig& c = config_;
  const int n = s.n(), hd = c.head_dim;
  const KvCache& cache = *s.cache;
  // Tasks dealt round-robin, so long and short rows mix. A task is one row's
  // query heads that share a key/value head, run one after the other: the
  // keys and values come from memory once for the group (batched decode reads
  // about as many cache bytes as weight bytes per step). With too few such
  // tasks to keep every thread busy, one query head a task.
  const int group = c.n_heads / c.n_kv_heads;
  const int heads_per_task = static_cast<int64_t>(n) * c.n_kv_heads >= 4 * nthreads ? group : 1;
  const int tasks_per_row = c.n_heads / heads_per_task;
  const int64_t tasks = static_cast<int64_t>(n) * tasks_per_row;
  float* scores = s.buffers->scores[tid].data();
  // Keys and values of one (sequence, head) are short runs scattered over the
  // cache, too short for the hardware prefetcher to get going: fetch the next
  // task's while this one computes.
  auto prefetch = [&](int64_t task) {
    if (task >= tasks) return;
    const StepRow& row = s.rows[task / tasks_per_row];
    const int kvh = static_cast<int>(task % tasks_per_row) * heads_per_task / group;
    const size_t bytes = std::min<size_t>(static_cast<size_t>(row.pos + 1) * hd * DTypeBytes(cache.dtype(), 1), 4096);
    const char* kp = reinterpret_cast<const char*>(cache.KeyBlock(row.slot, layer_, kvh));
    const char* vp = reinterpret_cast<const char*>(cache.ValueBlock(row.slot, layer_, kvh));
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
    const StepRow& row = s.rows[i];
    const int kvh = h0 / group;
    const int n_pos = row.pos + 1;
    const std::byte* keys = cache.KeyBlock(row.slot, layer_, kvh);
    const std::byte* values = cache.ValueBlock(row.slot, layer_, kvh);
    const float* q = s.buffers->q.data() + static_cast<size_t>(i) * q_dim_ + h0 * hd;
    float* out = s.buffers->att.data() + static_cast<size_t>(i) * q_dim_ + h0 * hd;
    if (cache.dtype() != DType::kF32) {
      AttendGroup16(*s.kernels, cache.dtype(), q, heads_per_task, keys, values, n_pos, hd, scores, out);
    } else {
      for (int h = 0; h < heads_per_task; ++h) {
        s.kernels->attention_head(q + h * hd, reinterpret_cast<const float*>(keys),
                                  reinterpret_cast<const float*>(values), hd, n_pos, hd, scores, out + h * hd);
      }
    }
    if (c.attention_output_gate) {
      // out *= sigmoid(gate), the gate rows right after each head's query rows.
      const float* gate = s.buffers->q_gate.data() + static_cast<size_t>(i) * 2 * q_dim_ + 2 * h0 * hd + hd;
      for (int h = 0; h < heads_per_task; ++h) {
        for (int d = 0; d < hd; ++d) out[h * hd + d] *= 1.0f / (1.0f + std::exp(-gate[2 * h * hd + d]));
      }
    }
  }
}

size_t AttentionMixer::MatrixBytes() const {
  return w_.wq.bytes() + w_.wk.bytes() + w_.wv.bytes() + w_.wo.bytes();
}

int64_t AttentionMixer::MatrixMacsPerToken() const {
  return static_cast<int64_t>(config_.dim) * ((config_.attention_output_gate ? 3 : 2) * q_dim_ + 2 * kv_dim_);
}

int64_t AttentionMixer::PositionMacs(int pos) const {
  // q.k and p.v over pos + 1 positions, per query head.
  return static_cast<int64_t>(2) * (pos + 1) * q_dim_;
}

}  // namespace doomscope::engine
