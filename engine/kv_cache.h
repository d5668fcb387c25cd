// Per-sequence state beside the weights: the key/value cache of attention
// layers and the convolution state of short-convolution layers.
//
// The cache has a fixed number of slots (one per sequence decoded at once).
// A slot holds keys and values for positions [0, capacity) of each attention
// layer, laid out [layer][kv_head][position][head_dim] so one head's keys over
// all positions are contiguous for the attention sweep, stored as float32
// (exact; what tests use) or as float16 / bfloat16 (half the bytes to read per
// decode step, rounded to nearest even on the way in). Slots are sized when a
// sequence is admitted (prompt + budget, capped by the context), so memory
// follows what the requests need rather than the model's maximum context.
//
// A layer without attention keeps, per slot, a recurrent state in float32
// (ConvState): a short-conv layer the last conv_kernel - 1 inputs of its
// convolution ([conv_kernel - 1][dim], the oldest first); a Gated DeltaNet
// layer its conv window ([conv_kernel - 1][conv channels]) then one state
// block per value head (engine/forward_gated_delta.h). Unlike the KV cache it
// cannot be cut back to an earlier position: whoever wants to resume a
// sequence from a shorter prefix (prompt sharing, forked rollouts) must have
// saved the whole state at that point (SaveConvState) and put a copy back
// (LoadConvState); two slots never share it.
#ifndef DOOMSCOPE_ENGINE_KV_CACHE_H_
#define DOOMSCOPE_ENGINE_KV_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "engine/model_weights.h"

namespace doomscope::engine {

class KvCache {
 public:
  // `dtype` is kF32, kF16 or kBF16 (others are treated as kF32; Generator validates).
  KvCache(const ModelConfig& config, int slots, DType dtype = DType::kF32);

  int slots() const { return static_cast<int>(slots_.size()); }
  DType dtype() const { return dtype_; }
  int head_dim() const { return head_dim_; }
  // Makes room for `capacity` positions in `slot`, keeping the buffer when it
  // is already large enough. Positions [0, keep) and the conv state keep their
  // contents either way; the rest of a newly allocated buffer is undefined.
  // Fails (and leaves the slot as it was) when the memory cannot be had.
  absl::Status Reserve(int slot, int capacity, int keep = 0);
  int capacity(int slot) const { return slots_[slot].capacity; }
  // Bytes one slot of `capacity` positions takes.
  size_t SlotBytes(int capacity) const;

  // [capacity][head_dim] elements of dtype() for one (slot, layer, kv head);
  // `layer` is the model's layer index (an attention layer).
  std::byte* KeyBlock(int slot, int layer, int kv_head) { return Block(slot, layer, kv_head, 0); }
  std::byte* ValueBlock(int slot, int layer, int kv_head) { return Block(slot, layer, kv_head, 1); }
  const std::byte* KeyBlock(int slot, int layer, int kv_head) const {
    return const_cast<KvCache*>(this)->Block(slot, layer, kv_head, 0);
  }
  const std::byte* ValueBlock(int slot, int layer, int kv_head) const {
    return const_cast<KvCache*>(this)->Block(slot, layer, kv_head, 1);
  }
  // Writes head_dim floats (converted to dtype()) at `pos`.
  void StoreKey(int slot, int layer, int kv_head, int pos, const float* head);
  void StoreValue(int slot, int layer, int kv_head, int pos, const float* head);

  // The recurrent state of a layer without attention in `slot` (see above;
  // 64-byte aligned).
  float* ConvState(int slot, int layer);
  // All such layers' state of `slot`, to put back later (empty without them).
  std::vector<float> SaveConvState(int slot) const;
  void LoadConvState(int slot, std::span<const float> state);

  // Copies positions [0, n) of every attention layer and head from slot `src`
  // to `dst` (which must have capacity >= n): how rollouts of one prompt share
  // its prefill. The conv state is not copied (see LoadConvState).
  void CopyPrefix(int src, int dst, int n);

  // Bytes held by all slots.
  size_t bytes() const;

 private:
  struct FreeAligned {
    void operator()(float* p) const;
  };
  struct Slot {
    std::unique_ptr<std::byte[]> kv;
    std::unique_ptr<float[], FreeAligned> conv;  // ConvFloats(), 64-byte aligned
    int capacity = 0;
  };
  std::byte* Block(int slot, int layer, int kv_head, int which);
  void Store(int slot, int layer, int kv_head, int which, int pos, const float* head);
  size_t ConvFloats() const { return conv_floats_; }

  DType dtype_;
  size_t elem_bytes_;
  int n_kv_heads_;
  int head_dim_;
  // Per model layer: its index among the attention layers, or -1; where its
  // recurrent state starts in a slot's ConvFloats(), or -1.
  std::vector<int> attn_index_;
  std::vector<int64_t> conv_offset_;
  int attn_layers_ = 0;
  size_t conv_floats_ = 0;
  std::vector<Slot> slots_;
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_KV_CACHE_H_
