// Per-sequence key/value cache for attention layers.
//
// The cache has a fixed number of slots (one per sequence decoded at once);
// each slot holds float32 keys and values for positions [0, capacity), laid
// out [layer][kv_head][position][head_dim] so one head's keys over all
// positions are contiguous for the attention sweep. Slots are sized when a
// sequence is admitted (prompt + budget, capped by the context), so memory
// follows what the requests need rather than the model's maximum context.
#ifndef DOOMSCOPE_ENGINE_KV_CACHE_H_
#define DOOMSCOPE_ENGINE_KV_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/model_weights.h"

namespace doomscope::engine {

class KvCache {
 public:
  KvCache(const ModelConfig& config, int slots);

  int slots() const { return static_cast<int>(slots_.size()); }
  // Makes room for `capacity` positions in `slot`, keeping the buffer when it
  // is already large enough. Positions [0, keep) keep their contents either
  // way; the rest of a newly allocated buffer is undefined.
  void Reserve(int slot, int capacity, int keep = 0);
  int capacity(int slot) const { return slots_[slot].capacity; }

  // [capacity][head_dim] floats for one (slot, layer, kv head).
  float* Keys(int slot, int layer, int kv_head) { return Block(slot, layer, kv_head, 0); }
  float* Values(int slot, int layer, int kv_head) { return Block(slot, layer, kv_head, 1); }
  const float* Keys(int slot, int layer, int kv_head) const {
    return const_cast<KvCache*>(this)->Block(slot, layer, kv_head, 0);
  }
  const float* Values(int slot, int layer, int kv_head) const {
    return const_cast<KvCache*>(this)->Block(slot, layer, kv_head, 1);
  }

  // Copies positions [0, n) of every layer and head from slot `src` to `dst`
  // (which must have capacity >= n): how rollouts of one prompt share its prefill.
  void CopyPrefix(int src, int dst, int n);

  // Bytes held by all slots.
  size_t bytes() const;

 private:
  struct Slot {
    std::unique_ptr<float[]> data;
    int capacity = 0;
  };
  float* Block(int slot, int layer, int kv_head, int which);

  int n_layers_;
  int n_kv_heads_;
  int head_dim_;
  std::vector<Slot> slots_;
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_KV_CACHE_H_
