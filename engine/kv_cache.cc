#include "engine/kv_cache.h"

#include <algorithm>
#include <cstring>
#include <new>

#include "absl/strings/str_cat.h"
#include "engine/gated_delta_shape.h"
#include "engine/quantize.h"

namespace doomscope::engine {

KvCache::KvCache(const ModelConfig& config, int slots, DType dtype)
    : dtype_(dtype == DType::kF16 || dtype == DType::kBF16 ? dtype : DType::kF32),
      elem_bytes_(DTypeBytes(dtype_, 1)),
      n_kv_heads_(config.n_kv_heads),
      head_dim_(config.head_dim),
      slots_(static_cast<size_t>(std::max(slots, 0))) {
  for (int l = 0; l < config.n_layers; ++l) {
    const LayerKind kind = config.layer_kind(l);
    attn_index_.push_back(kind == LayerKind::kAttention ? attn_layers_++ : -1);
    size_t floats = 0;
    if (kind == LayerKind::kShortConv) {
      floats = static_cast<size_t>(std::max(config.conv_kernel - 1, 0)) * config.dim;
    } else if (kind == LayerKind::kGatedDelta) {
      const GatedDeltaShape shape = GatedDeltaShapeOf(config);
      floats = shape.conv_state_floats() + shape.heads_state_floats();
    }
    conv_offset_.push_back(kind == LayerKind::kAttention ? -1 : static_cast<int64_t>(conv_floats_));
    // Each layer's block starts on a 64-byte line.
    conv_floats_ += (floats + 15) / 16 * 16;
  }
}

void KvCache::FreeAligned::operator()(float* p) const { ::operator delete[](p, std::align_val_t{64}); }

size_t KvCache::SlotBytes(int capacity) const {
  return static_cast<size_t>(2) * attn_layers_ * n_kv_heads_ * static_cast<size_t>(capacity) * head_dim_ *
             elem_bytes_ +
         ConvFloats() * sizeof(float);
}

absl::Status KvCache::Reserve(int slot, int capacity, int keep) {
  Slot& s = slots_[slot];
  if (s.conv == nullptr && ConvFloats() > 0) {
    s.conv.reset(static_cast<float*>(
        ::operator new[](ConvFloats() * sizeof(float), std::align_val_t{64}, std::nothrow)));
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
  return slots_[slot].conv.get() + conv_offset_[layer];
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
