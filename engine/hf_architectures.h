// The Hugging Face architectures the engine runs, one table entry each: how
// config.json maps to ModelConfig (both ways) and what each weight of
// ModelWeights is called in model.safetensors. The folder loader
// (hf_model.h) and writer (hf_writer.h) both work from this table only, so
// an architecture is one entry plus its two small config functions.
//
// Q/K row order. transformers' Llama applies RoPE to the two halves of each
// head (x[i], x[i + d/2]); its converter from Meta's checkpoints permutes the
// rows of q_proj and k_proj so that this equals Meta's rotation of adjacent
// pairs (x[2i], x[2i+1]). llama.cpp undoes that permutation when it writes a
// Llama GGUF, and so does this loader for an entry with
// `qk_rows_from_rotate_half`: the weights then sit in memory exactly as in
// the GGUF or llama2.c file of the same model, and the forward pass (adjacent
// pairs) gives the same bits whatever the file format. Architectures that
// llama.cpp runs with NeoX RoPE (Qwen3, LFM2) keep the stored rows and use
// RopeLayout::kHalves.
#ifndef DOOMSCOPE_ENGINE_HF_ARCHITECTURES_H_
#define DOOMSCOPE_ENGINE_HF_ARCHITECTURES_H_

#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "engine/hf_config_json.h"
#include "engine/model_weights.h"
#include "nlohmann/json.hpp"

namespace doomscope::engine {

// A tensor dimension in terms of the config.
enum class HfDim {
  kOne,     // a 1-D tensor: rows kOne means shape [cols]
  kDim,     // hidden size
  kHidden,  // FFN inner size
  kQ,       // n_heads * head_dim
  kKv,      // n_kv_heads * head_dim
  kVocab,
  kHeadDim,
};
int64_t HfDimSize(HfDim d, const ModelConfig& c);

// Which rows of a projection are permuted for rotate-half RoPE (per head).
enum class HfHeadRows { kNone, kQueryHeads, kKeyHeads };

// One weight of every layer: its LayerWeights field and its name after
// "<layer_prefix>N.", with its [rows][cols] shape.
struct HfLayerTensor {
  TensorView LayerWeights::*field;
  std::string_view name;
  HfDim rows, cols;
  HfHeadRows head_rows = HfHeadRows::kNone;
};

struct HfArchitecture {
  std::string_view class_name;  // config.json "architectures": "LlamaForCausalLM"
  std::string_view model_type;  // config.json "model_type": "llama"
  Architecture engine_arch;     // set in ModelConfig::arch by the loader
  // Reads the hyper-parameters (every alias the architecture's configs use)
  // into *c; refuses, naming the field, whatever the forward pass would run
  // wrongly (biases, another activation, an unsupported RoPE scaling).
  absl::Status (*read_config)(const HfConfigJson& json, ModelConfig* c);
  // Writes them as transformers would (synth-model --format hf).
  absl::Status (*write_config)(const ModelConfig& c, nlohmann::ordered_json* json);
  std::string_view embedding;     // [vocab][dim]
  std::string_view final_norm;    // [dim]
  std::string_view lm_head;       // [vocab][dim]; ignored when embeddings are tied
  std::string_view layer_prefix;  // "model.layers."
  std::span<const HfLayerTensor> layer_tensors;
  // Tensors a checkpoint may hold that the forward pass does not use (after
  // "<layer_prefix>N."), e.g. rotary inverse frequencies older exports saved.
  std::span<const std::string_view> ignored_layer_tensors;
  bool qk_rows_from_rotate_half = false;  // see the file comment
};

std::span<const HfArchitecture> HfArchitectures();
// By config.json class name (or model_type when `architectures` is absent).
const HfArchitecture* FindHfArchitecture(std::string_view class_name);
const HfArchitecture* FindHfArchitectureByModelType(std::string_view model_type);
// The entry for an engine architecture (for writing).
const HfArchitecture* HfArchitectureFor(Architecture arch);
// "LlamaForCausalLM, Qwen3ForCausalLM" for messages.
std::string HfArchitectureNames();

// Where row `adjacent_row` of a projection laid out for adjacent-pair RoPE
// sits in the rotate-half layout (transformers' permute): within each head of
// `head_dim` rows, row 2i + p moves to p * head_dim / 2 + i. Loading reads
// adjacent row r from stored row RotateHalfRowOf(r); writing does the inverse.
int64_t RotateHalfRowOf(int64_t adjacent_row, int head_dim);

// The llama-family config.json fields (hidden_size, heads, rope_theta, ...)
// shared by the decoder-only architectures; each entry's read_config starts here.
absl::Status ReadLlamaLikeConfig(const HfConfigJson& json, bool tie_default, ModelConfig* c);
// rope_scaling / rope_parameters: none, "default" or "llama3" (into
// c->rope_freq_factors); anything else is refused naming the field.
absl::Status ReadRopeScaling(const HfConfigJson& json, ModelConfig* c);
// The common fields back, as transformers writes them.
void WriteLlamaLikeConfig(const ModelConfig& c, nlohmann::ordered_json* json);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_HF_ARCHITECTURES_H_
