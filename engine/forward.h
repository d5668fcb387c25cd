// The forward pass: a model is a table of layers, each run by the function of
// its LayerKind (today kAttention: the Llama block), between the token
// embedding and the classifier.
//
// One Step runs any mix of rows through the model at once: a row is one token
// of one sequence at one position, so a step can hold the whole prompt of one
// sequence (prefill as a matrix-matrix product), one new token of each of many
// sequences (batched decode), or both. Every weight matrix is read once per
// step for all rows. Work is shared by OpenMP threads inside one parallel
// region per step: matrix products split the weight's output rows, attention
// splits (row, head) pairs, element-wise work splits rows.
//
// Numerics follow llama2.c's run.c in float32 (RMSNorm, RoPE on adjacent pairs
// with run.c's frequency formula, softmax, SwiGLU), and a row's result depends
// only on its own sequence: not on the other rows of the step, nor on the
// thread count (see engine/kernels/kernels.h for why the products are exact to
// the bit across batch shapes).
#ifndef DOOMSCOPE_ENGINE_FORWARD_H_
#define DOOMSCOPE_ENGINE_FORWARD_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/cpu_features.h"
#include "engine/kernels/kernels.h"
#include "engine/kv_cache.h"
#include "engine/model_weights.h"
#include "engine/spin_barrier.h"

namespace doomscope::engine {

// One token of one sequence: `token` of the sequence in KV-cache slot `slot`,
// at position `pos`. Positions [0, pos) of that slot must already be in the
// cache, or be rows of the same step.
struct StepRow {
  int slot = 0;
  int pos = 0;
  int32_t token = 0;
  bool want_logits = false;
};

class Transformer {
 public:
  // Checks the configuration and every tensor's shape and type. `weights` must
  // outlive the Transformer.
  static absl::StatusOr<std::unique_ptr<Transformer>> Create(const ModelWeights& weights,
                                                             Isa isa = DefaultIsa());

  const ModelConfig& config() const { return weights_.config; }
  Isa isa() const { return kernels_.isa; }

  // Runs `rows` through the model with up to `threads` threads (fewer when the
  // step is too small to pay for them), writing each row's key and value into
  // `cache` at (slot, pos). For the rows with want_logits, in order, writes
  // vocab_size logits each to `logits`. Each row's slot must have capacity > pos.
  void Step(std::span<const StepRow> rows, KvCache& cache, float* logits, int threads);

  // Bytes of all weight matrices one decode step reads (layers + classifier).
  size_t MatrixBytes() const;
  // Multiply-adds per token in the layer matrices (classifier excluded).
  int64_t LayerMatrixMacsPerToken() const;
  // Multiply-adds per token in the classifier.
  int64_t ClassifierMacsPerToken() const;
  // Multiply-adds of attention for one token at position `pos` (all layers).
  int64_t AttentionMacs(int pos) const;

 private:
  Transformer(const ModelWeights& weights, const kernels::KernelTable& k);
  void EnsureRope(int max_pos);
  void EnsureBuffers(int rows, int logit_rows, int threads, int max_pos);
  // The per-thread body of Step (tid in [0, nthreads)).
  void StepThread(std::span<const StepRow> rows, KvCache& cache, float* logits, int tid, int nthreads);
  void AttentionLayer(int layer, std::span<const StepRow> rows, KvCache& cache, int tid, int nthreads);
  // This thread's contiguous share of w's output rows (16-row aligned):
  // y[:, share] = x * w[share]^T, or += with `accumulate`.
  void Matmul(const TensorView& w, const kernels::PackedMatrix& packed, const float* x, int n, float* y, int tid,
              int nthreads, bool accumulate = false) const;
  void Rope(float* head, int pos) const;
  void Barrier();

  const ModelWeights& weights_;
  const kernels::KernelTable& kernels_;
  int q_dim_ = 0;
  int kv_dim_ = 0;
  // Each weight matrix in the layout the kernels read fastest, made once
  // (KernelTable::pack); empty where they read the stored one.
  struct PackedLayer {
    kernels::PackedMatrix wq, wk, wv, wo, w_gate, w_up, w_down;
  };
  std::vector<PackedLayer> packed_;
  kernels::PackedMatrix packed_classifier_;
  // Norm gains converted to float32 once (whatever their stored type).
  std::vector<std::vector<float>> attn_norm_, ffn_norm_;
  std::vector<float> final_norm_;
  // RoPE cos/sin per position and pair index, computed as run.c does.
  std::vector<float> rope_cos_, rope_sin_;
  int rope_positions_ = 0;
  // Activations shared by the threads, [rows][width].
  std::vector<float> x_, q_, k_, v_, att_, hb_, hb2_;
  // Per thread: normalized rows (each thread normalizes every row it needs,
  // which costs less than a barrier), and attention scores.
  std::vector<std::vector<float>> xb_, scores_;
  std::vector<int> logit_rows_;  // row index of each logits row
  std::unique_ptr<SpinBarrier> barrier_;
  // Oversubscription back-off: after a step whose threads spent much of it
  // waiting for each other (another process held the CPU), the next
  // solo_steps_ steps run on one thread; the penalty doubles while it persists.
  int solo_steps_ = 0;
  int solo_penalty_ = 0;
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_FORWARD_H_
