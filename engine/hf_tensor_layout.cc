#include "engine/hf_tensor_layout.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"

namespace doomscope::engine {
namespace {

HfIndexMap ValueHeadMap(const ModelConfig& c, int64_t offset, int64_t block) {
  HfIndexMap m;
  const DeltaNetConfig& d = c.delta_net;
  // Nothing moves with one value head per key head, or when the engine keeps HF's grouped order.
  if (!d.tiled_key_heads || d.num_v_heads == d.num_k_heads || d.num_k_heads <= 0) return m;
  m.kind = HfIndexMap::Kind::kValueHeads;
  m.offset = offset;
  m.block = block;
  m.num_k_heads = d.num_k_heads;
  m.num_v_heads = d.num_v_heads;
  return m;
}

bool SameBits(float a, float b) { return std::memcmp(&a, &b, sizeof(float)) == 0; }

}  // namespace

int64_t HfIndexMap::StoredIndexOf(int64_t i) const {
  switch (kind) {
    case Kind::kIdentity: return i;
    case Kind::kRotateHalf: return RotateHalfRowOf(i, static_cast<int>(block));
    case Kind::kValueHeads: {
      if (i < offset) return i;
      const int64_t head = (i - offset) / block, within = (i - offset) % block;
      // Tiled position s Hk + m holds grouped head m r + s.
      const int64_t s = head / num_k_heads, m = head % num_k_heads, r = num_v_heads / num_k_heads;
      return offset + (m * r + s) * block + within;
    }
  }
  return i;
}

HfTensorLayout HfLayoutOf(const HfArchitecture& arch, const HfLayerTensor& t, const ModelConfig& c) {
  HfTensorLayout layout;
  layout.values = t.values;
  if (arch.qk_rows_from_rotate_half && t.head_rows != HfHeadRows::kNone) {
    layout.rows.kind = HfIndexMap::Kind::kRotateHalf;
    layout.rows.block = c.head_dim;
  }
  const int64_t dv = c.delta_net.head_v_dim;
  const int64_t qk = 2 * static_cast<int64_t>(c.delta_net.num_k_heads) * c.delta_net.head_k_dim;
  switch (t.value_heads) {
    case HfValueHeads::kNone: break;
    case HfValueHeads::kRows: layout.rows = ValueHeadMap(c, 0, dv); break;
    case HfValueHeads::kRowPerHead: layout.rows = ValueHeadMap(c, 0, 1); break;
    case HfValueHeads::kRowsAfterQk: layout.rows = ValueHeadMap(c, qk, dv); break;
    case HfValueHeads::kCols: layout.cols = ValueHeadMap(c, 0, dv); break;
    case HfValueHeads::kColPerHead: layout.cols = ValueHeadMap(c, 0, 1); break;
  }
  return layout;
}

float HfEngineValue(HfValues values, float stored) {
  switch (values) {
    case HfValues::kAsStored: return stored;
    case HfValues::kOnePlus: return 1.0f + stored;
    case HfValues::kNegExp: return -std::exp(stored);
  }
  return stored;
}

absl::StatusOr<float> HfStoredValue(HfValues values, float engine) {
  switch (values) {
    case HfValues::kAsStored: return engine;
    case HfValues::kOnePlus: {
      // Exact for gains in [0.5, 2] (Sterbenz) and for any gain that was
      // itself computed as 1 + w; a finer gain below 0.5 has no such w.
      const float w = engine - 1.0f;
      if (SameBits(HfEngineValue(values, w), engine)) return w;
      return absl::InvalidArgumentError(
          absl::StrCat("norm gain ", engine, " is not 1 + w for any float32 w (the file stores w)"));
    }
    case HfValues::kNegExp: {
      if (!(engine < 0) || !std::isfinite(engine)) {
        return absl::InvalidArgumentError(
            absl::StrCat("decay rate ", engine, " is not negative and finite; the file stores its A_log = log(-rate)"));
      }
      // log then exp rounds twice: search the floats around log(-rate) for
      // one whose -exp gives the rate back bit for bit.
      const float guess = std::log(-engine);
      float below = guess, above = guess;
      for (int step = 0; step < 16; ++step) {
        if (SameBits(HfEngineValue(values, below), engine)) return below;
        if (SameBits(HfEngineValue(values, above), engine)) return above;
        below = std::nextafter(below, -std::numeric_limits<float>::infinity());
        above = std::nextafter(above, std::numeric_limits<float>::infinity());
      }
      return absl::InvalidArgumentError(
          absl::StrCat("decay rate ", engine, " is not -exp(a) for any float32 A_log a near ", guess));
    }
  }
  return engine;
}

}  // namespace doomscope::engine
