#include "engine/kv_cache.h"

#include <algorithm>
#include <cstring>

namespace doomscope::engine {

KvCache::KvCache(const ModelConfig& config, int slots)
    : n_layers_(config.n_layers), n_kv_heads_(config.n_kv_heads), head_dim_(config.head_dim), slots_(slots) {}

void KvCache::Reserve(int slot, int capacity, int keep) {
  Slot& s = slots_[slot];
  if (s.capacity >= capacity) return;
  const size_t floats = static_cast<size_t>(2) * n_layers_ * n_kv_heads_ * capacity * head_dim_;
  Slot old = std::move(s);
  s.data.reset(new float[floats]);
  s.capacity = capacity;
  if (keep <= 0 || old.capacity == 0) return;
  const size_t old_block = static_cast<size_t>(old.capacity) * head_dim_;
  const size_t bytes = static_cast<size_t>(std::min(keep, old.capacity)) * head_dim_ * sizeof(float);
  for (int which = 0; which < 2; ++which) {
    for (int layer = 0; layer < n_layers_; ++layer) {
      for (int h = 0; h < n_kv_heads_; ++h) {
        const size_t index = (static_cast<size_t>(which) * n_layers_ + layer) * n_kv_heads_ + h;
        std::memcpy(Block(slot, layer, h, which), old.data.get() + index * old_block, bytes);
      }
    }
  }
}

float* KvCache::Block(int slot, int layer, int kv_head, int which) {
  Slot& s = slots_[slot];
  const size_t block = static_cast<size_t>(s.capacity) * head_dim_;
  const size_t index = (static_cast<size_t>(which) * n_layers_ + layer) * n_kv_heads_ + kv_head;
  return s.data.get() + index * block;
}

void KvCache::CopyPrefix(int src, int dst, int n) {
  const size_t bytes = static_cast<size_t>(n) * head_dim_ * sizeof(float);
  for (int layer = 0; layer < n_layers_; ++layer) {
    for (int h = 0; h < n_kv_heads_; ++h) {
      std::memcpy(Keys(dst, layer, h), Keys(src, layer, h), bytes);
      std::memcpy(Values(dst, layer, h), Values(src, layer, h), bytes);
    }
  }
}

size_t KvCache::bytes() const {
  size_t total = 0;
  for (const Slot& s : slots_) {
    total += static_cast<size_t>(2) * n_layers_ * n_kv_heads_ * s.capacity * head_dim_ * sizeof(float);
  }
  return total;
}

}  // namespace doomscope::engine
