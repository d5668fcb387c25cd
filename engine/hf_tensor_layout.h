// How a tensor of a Hugging Face checkpoint differs from the engine's copy of
// it, for the architecture table's entries (hf_architectures.h). The engine
// holds what llama.cpp's converter writes into a GGUF, so that a model runs
// the same bits from either file:
// - rows or columns in another order: Llama's Q/K rows (rotate-half in HF,
//   adjacent pairs in the engine), Qwen3.5's value heads (grouped by key
//   head in HF, tiled in GGUF and in the engine, docs/qwen35.md F9: tiled
//   position s Hk + m holds grouped head m (Hv / Hk) + s);
// - values transformed: Qwen3.5's zero-centred RMSNorm weights (the engine
//   holds the gain 1 + w, F2) and A_log (the engine holds -exp(A_log), F10).
// Loading computes engine[r][c] = Engine(stored[StoredRow(r)][StoredCol(c)]);
// writing inverts that, and refuses a value that would not load back to the
// same bits.
#ifndef DOOMSCOPE_ENGINE_HF_TENSOR_LAYOUT_H_
#define DOOMSCOPE_ENGINE_HF_TENSOR_LAYOUT_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "engine/hf_architectures.h"
#include "engine/model_weights.h"

namespace doomscope::engine {

// A permutation of one axis of a tensor: heads of `block` consecutive
// indices, after the first `offset` indices, which stay.
struct HfIndexMap {
  enum class Kind {
    kIdentity,
    kRotateHalf,  // within each head of `block` rows: RotateHalfRowOf
    kValueHeads,  // tiled (engine) to grouped (stored) order of num_v_heads heads
  };
  Kind kind = Kind::kIdentity;
  int64_t offset = 0;
  int64_t block = 1;
  int num_k_heads = 1;
  int num_v_heads = 1;

  bool identity() const { return kind == Kind::kIdentity; }
  // Where the engine's index `i` is stored.
  int64_t StoredIndexOf(int64_t i) const;
};

struct HfTensorLayout {
  HfIndexMap rows, cols;
  HfValues values = HfValues::kAsStored;
};

// The layout of `t` in `arch` for a model of config `c`.
HfTensorLayout HfLayoutOf(const HfArchitecture& arch, const HfLayerTensor& t, const ModelConfig& c);

// The engine's value of a stored one (float32 arithmetic, as transformers
// computes 1.0 + weight.float() and -A_log.float().exp()).
float HfEngineValue(HfValues values, float stored);
// The stored value that loads back as exactly `engine`, or an error saying
// why there is none (a gain below 0.5 whose w = gain - 1 rounds; a decay
// rate that is not negative, or that no float32 A_log reaches).
absl::StatusOr<float> HfStoredValue(HfValues values, float engine);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_HF_TENSOR_LAYOUT_H_
