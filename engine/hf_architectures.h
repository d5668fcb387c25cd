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

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "engine/hf_config_json.h"
#include "engine/model_weights.h"
#include "nlohmann/json.hpp"

namespace doomscope::engine {

// Bounds on config.json sizes, checked before any size arithmetic (as the
// GGUF and llama2.c readers do).
inline constexpr int64_t kHfMaxDim = 1 << 16;
inline constexpr int64_t kHfMaxHiddenDim = 1 << 20;
inline constexpr int64_t kHfMaxLayers = 1024;
inline constexpr int64_t kHfMaxVocab = 1 << 22;
inline constexpr int64_t kHfMaxContext = 1 << 24;

// A tensor dimension in terms of the config.
enum class HfDim {
  kOne,     // a 1-D tensor: rows kOne means shape [cols]
  kDim,     // hidden size
  kHidden,  // FFN inner size
  kQ,       // n_heads * head_dim
  kKv,      // n_kv_heads * head_dim
  kVocab,
  kHeadDim,
  kThreeDim,   // 3 x hidden size (LFM2's conv in_proj: B, C and x)
  kConvWidth,  // the short convolution's width (LFM2's conv_L_cache)
  // Qwen3.5:
  kQGate,           // 2 x n_heads * head_dim: each head's query rows then its output gate rows
  kConvChannels,    // the Gated DeltaNet's conv channels, q | k | v: 2 Hk dk + Hv dv
  kValueDim,        // Hv dv
  kValueHeads,      // Hv
  kValueHeadDim,    // dv
  kDeltaConvWidth,  // the Gated DeltaNet conv's taps (linear_conv_kernel_dim)
};
int64_t HfDimSize(HfDim d, const ModelConfig& c);

// Which rows of a projection are permuted for rotate-half RoPE (per head).
enum class HfHeadRows { kNone, kQueryHeads, kKeyHeads };

// Which layers hold a tensor (hybrid models have layers of several kinds).
enum class HfLayers { kAll, kAttention, kShortConv, kGatedDelta };

// What the engine holds for a stored value (hf_tensor_layout.h): the value
// itself, or what llama.cpp's converter writes into the GGUF instead.
enum class HfValues {
  kAsStored,
  kOnePlus,  // a zero-centred RMSNorm weight w (Qwen3.5): the engine's gain is 1 + w
  kNegExp,   // Qwen3.5's A_log: the engine's decay rate is -exp(A_log) (GGUF's ssm_a)
};

// Which indices of a Qwen3.5 linear-attention tensor count value heads. The
// file stores them grouped by key head, the engine (as llama.cpp's converter
// writes GGUF files) in tiled order (docs/qwen35.md F9, hf_tensor_layout.h).
enum class HfValueHeads {
  kNone,
  kRows,         // Hv heads of dv rows (in_proj_z)
  kRowPerHead,   // Hv rows, one per head (in_proj_a, in_proj_b)
  kRowsAfterQk,  // the rows after q's and k's 2 Hk dk: Hv heads of dv (in_proj_qkv, conv1d)
  kCols,         // Hv heads of dv columns (out_proj)
  kColPerHead,   // Hv entries of a vector (A_log, dt_bias)
};

// One weight of a layer: its LayerWeights field and its name after
// "<layer_prefix>N.", with its [rows][cols] shape ([rows][1][cols] stored
// with `unit_middle_dim`: a Conv1d kernel), and how the stored values map to
// the engine's.
struct HfLayerTensor {
  TensorView LayerWeights::*field;
  std::string_view name;
  HfDim rows, cols;
  HfHeadRows head_rows = HfHeadRows::kNone;
  HfLayers layers = HfLayers::kAll;
  bool unit_middle_dim = false;
  HfValues values = HfValues::kAsStored;
  HfValueHeads value_heads = HfValueHeads::kNone;
};

// Tensors a checkpoint may hold under `prefix` that are never run (a vision
// tower, multi-token-prediction layers): skipped, and reported in
// ModelWeights::skipped as "<what> (<prefix>*, N tensors): not run".
struct HfSkippedPart {
  std::string_view prefix;
  std::string_view what;
};
// Whether layer `layer` of `c` holds `t`.
bool HfLayerHolds(const HfLayerTensor& t, const ModelConfig& c, int layer);

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
  HfValues final_norm_values = HfValues::kAsStored;
  std::span<const HfSkippedPart> skipped_parts = {};
};

std::span<const HfArchitecture> HfArchitectures();
// By config.json class name (or model_type when `architectures` is absent).
const HfArchitecture* FindHfArchitecture(std::string_view class_name);
const HfArchitecture* FindHfArchitectureByModelType(std::string_view model_type);
// The entry for an engine architecture (for writing): the first of the table
// (Qwen3.5 is written as Qwen3_5ForCausalLM, read in both forms).
const HfArchitecture* HfArchitectureFor(Architecture arch);
// "LlamaForCausalLM, Qwen3ForCausalLM" for messages.
std::string HfArchitectureNames();

// Where row `adjacent_row` of a projection laid out for adjacent-pair RoPE
// sits in the rotate-half layout (transformers' permute): within each head of
// `head_dim` rows, row 2i + p moves to p * head_dim / 2 + i. Loading reads
// adjacent row r from stored row RotateHalfRowOf(r); writing does the inverse.
int64_t RotateHalfRowOf(int64_t adjacent_row, int head_dim);

// layer_types, when config.json has it (*listed): one name per layer, each
// one of `types`, into c->layer_kinds; another name or count is an error.
struct HfLayerType {
  std::string_view name;  // "full_attention"
  LayerKind kind;
};
absl::Status ReadLayerTypes(const HfConfigJson& json, std::span<const HfLayerType> types, ModelConfig* c, bool* listed);

// The llama-family config.json fields (hidden_size, heads, head_dim, vocab,
// eps, rope_theta, tied embeddings, activation, no biases) with each
// architecture's defaults, RoPE's options aside.
struct LlamaLikeDefaults {
  bool tie_word_embeddings = false;
  std::optional<int> head_dim = std::nullopt;  // none: hidden_size / num_attention_heads
  int max_position_embeddings = 2048;
};
absl::Status ReadLlamaLikeShape(const HfConfigJson& json, const LlamaLikeDefaults& defaults, ModelConfig* c);
// ReadLlamaLikeShape plus RoPE over the whole head and ReadRopeScaling: what
// Llama and Qwen3 read_config start with.
absl::Status ReadLlamaLikeConfig(const HfConfigJson& json, bool tie_default, ModelConfig* c);
// rope_scaling / rope_parameters: none, "default" or "llama3" (into
// c->rope_freq_factors and c->llama3_rope_scaling); anything else is refused
// naming the field.
absl::Status ReadRopeScaling(const HfConfigJson& json, ModelConfig* c);
// The common fields back, as transformers writes them (rope_scaling too).
absl::Status WriteLlamaLikeConfig(const ModelConfig& c, nlohmann::ordered_json* json);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_HF_ARCHITECTURES_H_
