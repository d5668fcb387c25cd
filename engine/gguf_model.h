// Builds ModelWeights from a parsed GGUF: the architecture's hyper-parameters
// from `ARCH.*` metadata and zero-copy views of its tensors, every shape and
// type checked against them.
//
// Supported: general.architecture = "llama" (GGUF's llama tensors already use the
// adjacent-pair RoPE layout: llama.cpp's converter permutes HF Q/K weights; Llama
// 3's RoPE scaling as rope_freqs.weight), "qwen3" and "lfm2" (dense: the per-layer
// attention.head_count_kv array marks short-convolution layers with 0), tensor
// types F32, F16, BF16 and Q8_0. `output.weight` absent means tied embeddings.
// Mixture-of-experts, sliding-window attention, other RoPE scalings and tensors
// the architecture does not use are refused, naming the key or tensor. Every
// tensor is checked for NaN and infinity (weight_check.h).
#ifndef DOOMSCOPE_ENGINE_GGUF_MODEL_H_
#define DOOMSCOPE_ENGINE_GGUF_MODEL_H_

#include "absl/status/statusor.h"
#include "engine/gguf_reader.h"
#include "engine/model_weights.h"

namespace doomscope::engine {

// The DType of a ggml tensor type id, or an error naming `tensor_name` and the type.
absl::StatusOr<DType> DTypeFromGgml(uint32_t ggml_type, std::string_view tensor_name);
// The ggml type id of a DType.
uint32_t GgmlTypeOf(DType t);

// Upper bounds on hyper-parameters, checked before any size arithmetic.
inline constexpr int64_t kGgufMaxDim = 1 << 16;
inline constexpr int64_t kGgufMaxHiddenDim = 1 << 20;
inline constexpr int64_t kGgufMaxLayers = 1024;
inline constexpr int64_t kGgufMaxVocab = 1 << 22;
inline constexpr int64_t kGgufMaxContext = 1 << 24;

// The weights keep gguf.file() alive.
absl::StatusOr<ModelWeights> ModelWeightsFromGguf(const GgufFile& gguf);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_GGUF_MODEL_H_
