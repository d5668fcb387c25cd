// What the layer blocks of the forward pass share during one step: the rows,
// the residual stream, the activation buffers, the KV cache and recurrent state,
// the kernels and the barrier. Every thread of a step runs every block with
// its own `tid`; a block does its share of each stage and crosses the barrier
// wherever the next stage reads values another thread wrote.
#ifndef DOOMSCOPE_ENGINE_FORWARD_STEP_H_
#define DOOMSCOPE_ENGINE_FORWARD_STEP_H_

#include <cstdint>
#include <span>
#include <vector>

#include "engine/kernels/kernels.h"
#include "engine/kv_cache.h"
#include "engine/model_weights.h"
#include "engine/spin_barrier.h"

namespace doomscope::engine {

// One token of one sequence: `token` of the sequence in KV-cache slot `slot`,
// at position `pos`. Positions [0, pos) of that slot must already be in the
// cache (and its conv state must hold the inputs just before `pos`), or be
// rows of the same step placed before this one. A row at position 0 starts a
// sequence afresh (its conv state is cleared).
struct StepRow {
  int slot = 0;
  int pos = 0;
  int32_t token = 0;
  bool want_logits = false;
};

// Activations shared by the threads of a step, [rows][width] each, sized by
// Transformer::Reserve for the largest step and the layer kinds present.
struct StepBuffers {
  std::vector<float> x;             // the residual stream, [rows][dim]
  std::vector<float> q, k, v, att;  // attention: [rows][q_dim], [rows][kv_dim] x2, [rows][q_dim]
  std::vector<float> q_gate;        // gated attention: Q's product, [rows][2 * q_dim]
  std::vector<float> bcx, conv_y;   // short convolution: [rows][3 * dim], [rows][dim]
  // Gated DeltaNet (C conv channels, V = Hv * dv): the products [rows][C],
  // [rows][V], [rows][Hv] x2, the conv's output planes [rows * C], the gated
  // outputs [rows][V].
  std::vector<float> dn_qkv, dn_z, dn_a, dn_b, dn_conv, dn_y;
  std::vector<float> hb, hb2;       // feed-forward: [rows][hidden_dim] x2
  // Per thread: normalized rows (each thread normalizes every row it needs,
  // which costs less than a barrier), and attention scores ([group][positions]).
  std::vector<std::vector<float>> xb, scores;
  std::vector<std::vector<float>> dn_scratch;  // per thread: GatedDeltaMixer::ScratchFloats
};

struct StepContext {
  const ModelConfig* config = nullptr;
  const kernels::KernelTable* kernels = nullptr;
  std::span<const StepRow> rows;
  KvCache* cache = nullptr;
  StepBuffers* buffers = nullptr;
  SpinBarrier* barrier = nullptr;  // null on a one-thread step

  int n() const { return static_cast<int>(rows.size()); }
  void Barrier() const {
    if (barrier != nullptr) barrier->Wait();
  }
  // Writes RMSNorm(row i of x) * gain for every row into this thread's xb.
  float* NormalizeRows(const std::vector<float>& gain, int tid) const;
  // This thread's contiguous share of w's output rows (16-row aligned):
  // y[:, share] = x * w[share]^T, or += with `accumulate`.
  void Matmul(const TensorView& w, const kernels::PackedMatrix& packed, const float* x, int n_rows, float* y,
              int tid, int nthreads, bool accumulate = false) const;
};

// [begin, end) of `n` features for thread `tid`, in runs rounded to 16 (the
// split Matmul uses), so a stage reading only its own Matmul outputs needs no barrier.
void FeatureShare(int64_t n, int tid, int nthreads, int64_t* begin, int64_t* end);

// Element i of row `row` of `t`, converted to float32 (exact for every type).
void ConvertRow(const TensorView& t, int64_t row, float* out);
// All elements of `t` as float32.
std::vector<float> TensorToFloats(const TensorView& t);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_FORWARD_STEP_H_
