// The loaded form of a checkpoint: architecture hyper-parameters plus views of
// every weight tensor, independent of the file format it came from.
//
// Loaders (gguf_reader, llama2c_reader, later safetensors) produce a
// ModelWeights; the forward pass consumes it. A model is a table of layers,
// each with a kind, so hybrid architectures (LFM2: short convolutions + GQA)
// fit without a separate forward per architecture.
#ifndef DOOMSCOPE_ENGINE_MODEL_WEIGHTS_H_
#define DOOMSCOPE_ENGINE_MODEL_WEIGHTS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace doomscope::engine {

// Element types of stored tensors. kQ8_0 is GGUF's: blocks of 32 values, each
// block an fp16 scale followed by 32 int8 (34 bytes).
enum class DType { kF32, kF16, kBF16, kQ8_0 };

const char* DTypeName(DType t);
// Bytes used by `n` elements (n must be a multiple of 32 for kQ8_0).
size_t DTypeBytes(DType t, size_t n);

// A row-major matrix [rows][cols] (a vector has rows == 1) pointing into
// memory owned by ModelWeights::storage. For kQ8_0, each row is cols/32 blocks.
struct TensorView {
  DType dtype = DType::kF32;
  int64_t rows = 0;
  int64_t cols = 0;
  const std::byte* data = nullptr;

  bool empty() const { return data == nullptr; }
  size_t bytes() const { return DTypeBytes(dtype, static_cast<size_t>(rows * cols)); }
};

enum class Architecture {
  kLlama,  // Llama 1-3, SmolLM2, TinyLlama, llama2.c
  kQwen3,  // per-head Q/K RMSNorm before RoPE, head_dim set on its own
  kLfm2,   // LFM2 / LFM2.5 dense: gated short convolutions and GQA layers with Q/K norms
  kQwen35,  // Qwen3.5 dense: Gated DeltaNet layers and gated attention layers (docs/qwen35.md)
};
// "llama", "qwen3", "lfm2", "qwen35" (GGUF's general.architecture values).
const char* ArchitectureName(Architecture a);

// What mixes information across positions in a layer (the feed-forward block
// follows either kind).
enum class LayerKind {
  kAttention,  // grouped-query attention over the KV cache
  kShortConv,  // LFM2's gated causal depthwise convolution over the last conv_kernel inputs
  kGatedDelta,  // Qwen3.5's Gated DeltaNet: short conv, then the gated delta rule on a per-head state
};

enum class RopeLayout {
  kAdjacentPairs,  // rotate (x[2i], x[2i+1]): llama2.c, GGUF "llama"
  kHalves,         // rotate (x[i], x[i + d/2]): NeoX / HF Qwen
};

// The shape of Qwen3.5's Gated DeltaNet layers (docs/qwen35.md section 1).
struct DeltaNetConfig {
  int num_k_heads = 0;  // Hk: GGUF ssm.group_count, HF linear_num_key_heads
  int num_v_heads = 0;  // Hv: GGUF ssm.time_step_rank, HF linear_num_value_heads
  int head_k_dim = 0;   // dk: GGUF ssm.state_size, HF linear_key_head_dim
  int head_v_dim = 0;   // dv: GGUF ssm.inner_size / Hv, HF linear_value_head_dim
  int conv_kernel = 0;  // taps of the conv over q|k|v: GGUF ssm.conv_kernel, HF linear_conv_kernel_dim
  // Value head h reads key head h % Hk (GGUF files: llama.cpp's converter
  // permutes the value heads to that order) rather than h / (Hv / Hk) (HF).
  bool tiled_key_heads = false;
  // q and k are L2-normalized as llama.cpp does, x / max(|x|, norm_eps),
  // rather than as transformers does, x / sqrt(|x|^2 + 1e-6) (docs/qwen35.md F7).
  bool l2_norm_clamped = false;
};

struct ModelConfig {
  Architecture arch = Architecture::kLlama;
  int dim = 0;          // hidden size
  int hidden_dim = 0;   // FFN inner size
  int n_layers = 0;
  int n_heads = 0;
  int n_kv_heads = 0;
  int head_dim = 0;     // usually dim / n_heads
  int vocab_size = 0;
  int max_seq_len = 0;  // context length
  float rope_theta = 10000.0f;
  RopeLayout rope_layout = RopeLayout::kAdjacentPairs;
  float norm_eps = 1e-5f;
  bool tied_embeddings = false;  // classifier == token embedding
  // Per layer; empty means every layer is kAttention.
  std::vector<LayerKind> layer_kinds;
  // Width of the short convolution (LFM2's l_cache, 3); 0 when no layer is kShortConv.
  int conv_kernel = 0;
  // Llama 3 RoPE scaling: the angle of rotary pair j is divided by
  // rope_freq_factors[j] (head_dim / 2 entries, as GGUF's rope_freqs.weight;
  // long wavelengths slowed for a longer context); empty for none.
  std::vector<float> rope_freq_factors;
  // The "llama3" rope_scaling parameters the factors came from, when known
  // (config.json, synth shapes; a GGUF holds only the factors), so a
  // config.json can be written back.
  struct Llama3RopeScaling {
    float factor = 0;
    float low_freq_factor = 0;
    float high_freq_factor = 0;
    int original_context = 0;
  };
  std::optional<Llama3RopeScaling> llama3_rope_scaling;
  // Rotary dimensions: only the first rope_dims of each head rotate (Qwen3.5:
  // 64 of 256, frequencies over rope_dims); 0 means head_dim.
  int rope_dims = 0;
  // Qwen3.5's gated attention: wq's rows are, per head, head_dim query rows
  // then head_dim gate rows, and each head's output is multiplied by
  // sigmoid(gate) before wo.
  bool attention_output_gate = false;
  // kGatedDelta layers' shape (zeros without them).
  DeltaNetConfig delta_net;

  LayerKind layer_kind(int layer) const {
    return layer_kinds.empty() ? LayerKind::kAttention : layer_kinds[static_cast<size_t>(layer)];
  }
  int attention_layers() const;
};

// One layer: x += Mixer(RMSNorm(x) * attn_norm); x += FFN(RMSNorm(x) * ffn_norm).
// Only the tensors of the layer's kind are set.
struct LayerWeights {
  LayerKind kind = LayerKind::kAttention;
  TensorView attn_norm;  // [1][dim] (LFM2's operator_norm, for either kind)
  // kAttention:
  TensorView wq;         // [n_heads*head_dim][dim] ([2*n_heads*head_dim][dim] with attention_output_gate)
  TensorView wk;         // [n_kv_heads*head_dim][dim]
  TensorView wv;         // [n_kv_heads*head_dim][dim]
  TensorView wo;         // [dim][n_heads*head_dim]
  TensorView q_norm;     // [1][head_dim], Qwen3 and LFM2: RMSNorm of each query head before RoPE; or empty
  TensorView k_norm;     // [1][head_dim], the same for key heads
  // kShortConv (rows of conv_in: B, then C, then x):
  TensorView conv_in;      // [3*dim][dim]
  TensorView conv_kernel;  // [dim][conv_kernel] float32, the oldest input's weight first
  TensorView conv_out;     // [dim][dim]
  // kGatedDelta (GGUF names; C = 2 * Hk * dk + Hv * dv conv channels q|k|v):
  TensorView ssm_qkv;      // attn_qkv: [C][dim]
  TensorView ssm_gate;     // attn_gate (z): [Hv*dv][dim]
  TensorView ssm_alpha;    // [Hv][dim], the decay's input
  TensorView ssm_beta;     // [Hv][dim], the write strength's input
  TensorView ssm_conv;     // ssm_conv1d: [C][conv taps], the oldest input's weight first
  TensorView ssm_a;        // [1][Hv] -exp(A_log)
  TensorView ssm_dt_bias;  // [1][Hv]
  TensorView ssm_norm;     // [1][dv] gain of the gated RMSNorm, as stored
  TensorView ssm_out;      // [dim][Hv*dv]
  // The feed-forward block (SwiGLU):
  TensorView ffn_norm;   // [1][dim] (Qwen3.5's post_attention_norm)
  TensorView w_gate;     // w1: [hidden][dim]
  TensorView w_down;     // w2: [dim][hidden]
  TensorView w_up;       // w3: [hidden][dim]
};

struct ModelWeights {
  ModelConfig config;
  TensorView token_embedding;  // [vocab][dim]
  TensorView final_norm;       // [1][dim]
  TensorView classifier;       // [vocab][dim]; same data as token_embedding when tied
  std::vector<LayerWeights> layers;
  // Keeps the bytes alive: an mmap of the file, or a heap buffer.
  std::shared_ptr<const void> storage;
  std::string source_path;
  // Parts of the file that are not run (Qwen3.5's multi-token-prediction
  // blocks), one line each, for the user to be told.
  std::vector<std::string> skipped;
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_MODEL_WEIGHTS_H_
