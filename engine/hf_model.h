// Loading a Hugging Face model folder's weights: config.json (architecture
// and hyper-parameters, hf_architectures.h), model.safetensors or its shards
// (safetensors_checkpoint.h), generation_config.json (end ids and default
// sampling). The tokenizer is loaded separately (model_loader.h).
//
// Tensors are views into the mapped files wherever the stored bytes are what
// the kernels read: F32, F16 and BF16, any mix. A tensor is copied only when
// it must change (hf_tensor_layout.h): Q/K rows of an architecture stored for
// rotate-half RoPE, Qwen3.5's value heads (when there are more than key
// heads), norm weights and A_log (into float32 gains and decay rates), and
// data not aligned to its element size. With tied embeddings a stored
// lm_head.weight is ignored; a tensor the architecture does not use is an
// error (it would mean a feature the engine would silently skip, e.g.
// biases), except the few the table lists as harmless and the parts it skips
// (a vision tower, multi-token prediction), which ModelWeights::skipped lists.
#ifndef DOOMSCOPE_ENGINE_HF_MODEL_H_
#define DOOMSCOPE_ENGINE_HF_MODEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/hf_architectures.h"
#include "engine/hf_generation_config.h"
#include "engine/model_weights.h"
#include "engine/safetensors_checkpoint.h"

namespace doomscope::engine {

inline constexpr std::string_view kHfConfigFile = "config.json";
inline constexpr std::string_view kHfGenerationConfigFile = "generation_config.json";

struct HfModel {
  ModelWeights weights;
  const HfArchitecture* architecture = nullptr;
  // End ids and default sampling: generation_config.json, or config.json's
  // ids when the folder has no generation_config.json.
  HfGenerationConfig generation;
  // Bytes copied to the heap on load (0 when every tensor is a view).
  size_t copied_bytes = 0;
};

// The architecture entry config.json names ("architectures", else
// "model_type"), or an error naming what it says and what is supported.
absl::StatusOr<const HfArchitecture*> HfArchitectureOf(const HfConfigJson& config);

// Loads folder `dir`. Errors name the folder or file and the field or tensor.
absl::StatusOr<HfModel> LoadHfFolder(const std::string& dir);
// The same from parts already read (tests, fuzzing).
absl::StatusOr<HfModel> HfModelFromParts(const HfConfigJson& config, SafetensorsCheckpoint checkpoint,
                                         const HfConfigJson* generation_config);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_HF_MODEL_H_
