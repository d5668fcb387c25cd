// synth-model --format hf: the random-weight model of synth_model.h as a
// Hugging Face folder. The weights are exactly the GGUF's of the same shape,
// dtype and seed (the GGUF is written to a temporary file, loaded, and its
// tensors written through the architecture's HF table), so generation from
// either is token-identical. Qwen3.5 aside: its folder normalizes q and k
// as transformers does, not with llama.cpp's clamp (docs/qwen35.md F7),
// which moves qwen35-tiny's logits by up to 1e-4 (its q and k are short). The tokenizer is tokenizer.json
// written from the synthetic vocabulary, or a copy of a given tokenizer.json.
#ifndef DOOMSCOPE_ENGINE_HF_SYNTH_H_
#define DOOMSCOPE_ENGINE_HF_SYNTH_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "engine/model_weights.h"

namespace doomscope::engine {

// `dtype`: F32, F16 or BF16. `tokenizer_json`: empty for the synthetic vocabulary.
absl::Status WriteSynthHfFolder(const ModelConfig& config, DType dtype, uint64_t seed, std::string_view name,
                                const std::string& tokenizer_json, const std::string& dir);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_HF_SYNTH_H_
