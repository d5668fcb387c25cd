// The forward pass: a model is a table of layers, each a mixer chosen by its
// LayerKind (grouped-query attention, LFM2's gated short convolution, or
// Qwen3.5's Gated DeltaNet) followed by the feed-forward block, between the
// token embedding and the classifier.
//
// One Step runs any mix of rows through the model at once: a row is one token
// of one sequence at one position, so a step can hold the whole prompt of one
// sequence (prefill as a matrix-matrix product), one new token of each of many
// sequences (batched decode), or both. Every weight matrix is read once per
// step for all rows. Work is shared by OpenMP threads inside one parallel
// region per step: matrix products split the weight's output rows, attention
// splits (row, head) pairs, the convolution splits channels.
//
// Numerics follow llama2.c's run.c in float32 (RMSNorm, RoPE with run.c's
// frequency formula, softmax, SwiGLU), and a row's result depends only on its
// own sequence: not on the other rows of the step, nor on the thread count
// (see engine/kernels/kernels.h for why the products are exact to the bit
// across batch shapes).
#ifndef DOOMSCOPE_ENGINE_FORWARD_H_
#define DOOMSCOPE_ENGINE_FORWARD_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/cpu_features.h"
#include "engine/forward_ffn.h"
#include "engine/forward_mixer.h"
#include "engine/forward_rope.h"
#include "engine/forward_step.h"
#include "engine/kernels/kernels.h"
#include "engine/kv_cache.h"
#include "engine/model_weights.h"
#include "engine/spin_barrier.h"

namespace doomscope::engine {

class Transformer {
 public:
  // Checks the configuration and every tensor's shape and type. `weights` must
  // outlive the Transformer.
  static absl::StatusOr<std::unique_ptr<Transformer>> Create(const ModelWeights& weights,
                                                             Isa isa = DefaultIsa());

  const ModelConfig& config() const { return weights_.config; }
  Isa isa() const { return kernels_.isa; }

  // Allocates the activations of a step of up to `rows` rows (`logit_rows` of
  // them wanting logits) on up to `threads` threads at positions below
  // `max_positions`, so Step allocates nothing within those bounds; an error
  // when the memory cannot be had. Step grows the buffers itself otherwise.
  absl::Status Reserve(int rows, int logit_rows, int threads, int max_positions);

  // Runs `rows` through the model with up to `threads` threads (fewer when the
  // step is too small to pay for them), writing each row's key and value into
  // `cache` at (slot, pos) and advancing the conv state of its slot. For the
  // rows with want_logits, in order, writes vocab_size logits each to
  // `logits`. Each row's slot must have capacity > pos (see StepRow).
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
  void EnsureBuffers(int rows, int logit_rows, int threads, int max_pos);
  // The per-thread body of Step (tid in [0, nthreads)).
  void StepThread(const StepContext& s, float* logits, int tid, int nthreads);

  const ModelWeights& weights_;
  const kernels::KernelTable& kernels_;
  RopeTable rope_;
  // Per layer: its mixer and feed-forward block, with their weights packed in
  // the layout the kernels read fastest (KernelTable::pack).
  std::vector<std::unique_ptr<LayerMixer>> mixers_;
  std::vector<FeedForward> ffns_;
  // Mixer norm gains converted to float32 once (whatever their stored type).
  std::vector<std::vector<float>> attn_norm_;
  kernels::PackedMatrix packed_classifier_;
  std::vector<float> final_norm_;
  StepBuffers buffers_;
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
