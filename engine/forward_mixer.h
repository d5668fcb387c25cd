// The part of a layer that mixes information across positions: grouped-query
// attention (forward_attention.h) or LFM2's gated short convolution
// (forward_shortconv.h). A new kind (say, a Gated DeltaNet) is one more
// implementation of this interface, its LayerKind, and its per-sequence state
// in KvCache.
#ifndef DOOMSCOPE_ENGINE_FORWARD_MIXER_H_
#define DOOMSCOPE_ENGINE_FORWARD_MIXER_H_

#include <cstddef>
#include <cstdint>

#include "engine/forward_step.h"

namespace doomscope::engine {

class LayerMixer {
 public:
  virtual ~LayerMixer() = default;
  // Adds the mixer's output for every row of the step to the residual stream
  // (s.buffers->x). `xb` is this thread's copy of the rows normalized by the
  // layer's attn_norm. Every thread of the step calls it; all of them have
  // crossed a barrier when it returns.
  virtual void Run(const StepContext& s, const float* xb, int tid, int nthreads) const = 0;
  // Bytes of its weight matrices (all read once per step).
  virtual size_t MatrixBytes() const = 0;
  // Multiply-adds per token in its matrices, and over the past positions at
  // position `pos` (attention: q.k and p.v; zero for the fixed-width convolution).
  virtual int64_t MatrixMacsPerToken() const = 0;
  virtual int64_t PositionMacs(int pos) const = 0;
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_FORWARD_MIXER_H_
