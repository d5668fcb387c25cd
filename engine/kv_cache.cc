#include "engine/kv_cache.h"

#include <algorithm>
#include <cstring>
#include <new>

#include "absl/strings/str_cat.h"
#include "engine/quantize.h"

namespace doomscope::engine {

KvCache::KvCache(const ModelConfig& config, int slots, DType dtype)
    : dtype_(dtype == DType::kF16 || dtype == DType::kBF16 ? dtype : DType::kF32),
      elem_bytes_(DTypeBytes(dtype_, 1)),
      n_kv_heads_(config.n_kv_heads),
      head_dim_(config.head_dim),
      dim_(config.dim),
      conv_rows_(std::max(config.conv_kernel - 1, 0)),
      slots_(static_cast<size_t>(std::max(slots, 0))) {
  for (int l = 0; l < config.n_layers; ++l) {
    const bool attention = config.layer_kind(l) == LayerKind::kAttention;
    attn_index_.push_back(attention ? attn_layers_++ : -1);
    conv_index_.push_back(attention ? -1 : conv_layers_++);
  }
}

size_t KvCache::SlotBytes(int capacity) const {
  return static_cast<size_t>(2) * attn_layers_ * n_kv_heads_ * static_cast<size_t>(capacity) * head_dim_ *
             elem_bytes_ +
         ConvFloats() * sizeof(float);
}

absl::Status KvCache::Reserve(int slot, int capacity, int keep) {
  Slot& s = slots_[slot];
  if (s.conv == nullptr && conv_layers_ > 0) {
    s.conv.reset(new (std::nothrow) float[ConvFloats()]);
    if (s.conv == nullptr) {
      return absl::ResourceExhaustedError(
          absl::StrCat("cannot allocate ", ConvFloats() * sizeof(float), " bytes of convolution state"));
    }
    std::fill_n(s.conv.get(), ConvFloats(), 0.0f);
  }
  if (s.capacity >= capacity) return absl::OkStatus();
  const size_t bytes = static_cast<size_t>(2) * attn_layers_ * n_kv_heads_ * static_cast<size_t>(capacity) *
                       head_dim_ * elem_bytes_;
  std::unique_ptr<std::byte[]> data(new (std::nothrow) std::byte[std::max<size_t>(bytes, 1)]);
  if (data == nullptr) {
    return absl::ResourceExhaustedError(absl::StrCat("cannot allocate ", bytes, " bytes of KV cache for ", capacity,
                                                     " positions"));
  }
  std::unique_ptr<std::byte[]> old = std::move(s.kv);
  const int old_capacity = s.capacity;
  s.kv = std::move(data);
  s.capacity = capacity;
  if (keep <= 0 || old_capacity == 0) return absl::OkStatus();
  const size_t old_block = static_cast<size_t>(old_capacity) * head_dim_ * elem_bytes_;
  const size_t kept = static_cast<size_t>(std::min(keep, old_capacity)) * head_dim_ * elem_bytes_;
  for (int which = 0; which < 2; ++which) {
    for (int a = 0; a < attn_layers_; ++a) {
      for (int h = 0; h < n_kv_heads_; ++h) {
        const size_t index = (static_cast<size_t>(which) * attn_layers_ + a) * n_kv_heads_ + h;
        const size_t new_block = static_cast<size_t>(capacity) * head_dim_ * elem_bytes_;
        std::memcpy(s.kv.get() + index * new_block, old.get() + index * old_block, kept);
      }
    }
  }
  return absl::OkStatus();
}

std::byte* KvCache::Block(int slot, int layer, int kv_head, int which) {
  Slot& s = slots_[slot];
  const size_t block = static_cast<size_t>(s.capacity) * head_dim_ * elem_bytes_;
  const size_t index = (static_cast<size_t>(which) * attn_layers_ + attn_index_[layer]) * n_kv_heads_ + kv_head;
  return s.kv.get() + index * block;
}

void KvCache::Store(int slot, int layer, int kv_head, int which, int pos, const float* head) {
  std::byte* out = Block(slot, layer, kv_head, which) + static_cast<size_t>(pos) * head_dim_ * elem_bytes_;
  switch (dtype_) {
    case DType::kF16:
      FloatsToHalf(std::span<const float>(head, head_dim_), std::span<std::byte>(out, 2 * head_dim_));
      return;
    case DType::kBF16:
      FloatsToBFloat16(std::span<const float>(head, head_dim_), std::span<std::byte>(out, 2 * head_dim_));
      return;
    default:
      std::memcpy(out, head, head_dim_ * sizeof(float));
  }
}

void KvCache::StoreKey(int slot, int layer, int kv_head, int pos, const float* head) {
  Store(slot, layer, kv_head, 0, pos, head);
}

void KvCache::StoreValue(int slot, int layer, int kv_head, int pos, const float* head) {
  Store(slot, layer, kv_head, 1, pos, head);
}

float* KvCache::ConvState(int slot, int layer) {
  return slots_[slot].conv.get() + static_cast<size_t>(conv_index_[layer]) * conv_rows_ * dim_;
}

std::vector<float> KvCache::SaveConvState(int slot) const {
  const float* p = slots_[slot].conv.get();
  return p == nullptr ? std::vector<float>() : std::vector<float>(p, p + ConvFloats());
}

void KvCache::LoadConvState(int slot, std::span<const float> state) {
  if (slots_[slot].conv != nullptr && state.size() == ConvFloats()) {
    std::copy(state.begin(), state.end(), slots_[slot].conv.get());
  }
}

void KvCache::CopyPrefix(int src, int dst, int n) {
  const size_t bytes = static_cast<size_t>(n) * head_dim_ * elem_bytes_;
  for (int l = 0; l < static_cast<int>(attn_index_.size()); ++l) {
    if (attn_index_[l] < 0) continue;
    for (int h = 0; h < n_kv_heads_; ++h) {
      std::memcpy(KeyBlock(dst, l, h), KeyBlock(src, l, h), bytes);
      std::memcpy(ValueBlock(dst, l, h), ValueBlock(src, l, h), bytes);
    }
  }
}

size_t KvCache::bytes() const {
  size_t total = 0;
  for (const Slot& s : slots_) {
    if (s.kv != nullptr || s.conv != nullptr) total += SlotBytes(s.capacity);
  }
  return total;
}

}  // namespace doomscope::engine
