// Rotary position embeddings: cos/sin tables per position and rotary pair,
// computed as llama2.c's run.c does (freq_j = 1 / theta^(2j / head_dim), angle
// = pos * freq_j, in float32), optionally divided by Llama 3's per-pair
// frequency factors, and applied to adjacent pairs (llama2.c, GGUF "llama") or
// to the two halves of a head (NeoX: Qwen3, LFM2, Hugging Face Llama). With
// ModelConfig::rope_dims (partial rotary, Qwen3.5), only the first rope_dims
// values of a head rotate, as a head of that size would; the rest pass.
#ifndef DOOMSCOPE_ENGINE_FORWARD_ROPE_H_
#define DOOMSCOPE_ENGINE_FORWARD_ROPE_H_

#include <vector>

#include "engine/model_weights.h"

namespace doomscope::engine {

// Llama 3's per-pair frequency factors (Hugging Face rope_scaling of type
// "llama3", as llama.cpp's converter turns it into rope_freqs.weight): pairs
// whose wavelength is short next to the original context keep their frequency,
// long ones are slowed by `factor`, and the band between is interpolated.
std::vector<float> Llama3RopeFactors(float theta, int head_dim, float factor, float low_freq_factor,
                                     float high_freq_factor, int original_context);

class RopeTable {
 public:
  explicit RopeTable(const ModelConfig& config);

  // Makes positions [0, max_pos] available (grows geometrically; not thread-safe).
  void Ensure(int max_pos);
  // Rotates one head of head_dim values at position `pos` in place (thread-safe).
  void Apply(float* head, int pos) const;

 private:
  int head_dim_;  // the rotated dimensions (rope_dims, or the whole head)
  float theta_;
  RopeLayout layout_;
  std::vector<float> freq_factors_;  // empty: none
  std::vector<float> cos_, sin_;     // [positions][head_dim / 2]
  int positions_ = 0;
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_FORWARD_ROPE_H_
