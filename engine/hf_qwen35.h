// Qwen3.5 dense text models in Hugging Face folders (docs/qwen35.md): the
// config.json fields, both ways, and the table of tensors of the
// architecture entries in hf_architectures.cc.
//
// Two forms exist. Qwen3_5ForCausalLM (model_type "qwen3_5_text") has the
// text fields at the top and its tensors under "model."; the Hub's
// checkpoints are Qwen3_5ForConditionalGeneration (model_type "qwen3_5"),
// whose text fields sit under "text_config" and whose language model is
// under "model.language_model.", beside a vision tower ("model.visual.") and
// multi-token-prediction layers ("mtp."), which are skipped and reported,
// as transformers' loader ignores them for text.
//
// The loaded model is what llama.cpp's converter would have written to a
// GGUF (hf_tensor_layout.h does the conversions): norm gains 1 + w, ssm_a =
// -exp(A_log), value heads in tiled order. What stays HF's own: the L2 norm
// of q and k is transformers' (x / sqrt(|x|^2 + 1e-6), docs/qwen35.md F7),
// not llama.cpp's clamped one.
#ifndef DOOMSCOPE_ENGINE_HF_QWEN35_H_
#define DOOMSCOPE_ENGINE_HF_QWEN35_H_

#include <span>

#include "absl/status/status.h"
#include "engine/hf_architectures.h"
#include "engine/hf_config_json.h"
#include "engine/model_weights.h"
#include "nlohmann/json.hpp"

namespace doomscope::engine {

// Qwen3_5TextConfig's fields (transformers' defaults where it has them, but
// the linear-attention shape, which must be given). Refused by field name:
// experts (Qwen3.5-MoE), biases, another activation, attn_output_gate false,
// a RoPE type other than default/mrope, layer kinds other than
// linear_attention and full_attention, an odd number of rotary dimensions.
absl::Status ReadQwen35Config(const HfConfigJson& json, ModelConfig* c);
// The same under "text_config" (tie_word_embeddings from the top level when
// text_config does not say).
absl::Status ReadQwen35MultimodalConfig(const HfConfigJson& json, ModelConfig* c);

absl::Status WriteQwen35Config(const ModelConfig& c, nlohmann::ordered_json* json);
absl::Status WriteQwen35MultimodalConfig(const ModelConfig& c, nlohmann::ordered_json* json);

// transformers' modeling_qwen3_5.py names after "<layer_prefix>N.".
std::span<const HfLayerTensor> Qwen35LayerTensors();
// model.visual.* and mtp.*.
std::span<const HfSkippedPart> Qwen35SkippedParts();

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_HF_QWEN35_H_
