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

enum class Architecture { kLlama };
enum class LayerKind { kAttention };  // later: kShortConv (LFM2)

enum class RopeLayout {
  kAdjacentPairs,  // rotate (x[2i], x[2i+1]): llama2.c, GGUF "llama"
  kHalves,         // rotate (x[i], x[i + d/2]): NeoX / HF Qwen
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
  // Empty, or head_dim / 2 divisors of each rotated pair's frequency (Llama 3's
  // "llama3" rope_scaling: long wavelengths slowed for a longer context).
  std::vector<float> rope_freq_factors;
  RopeLayout rope_layout = RopeLayout::kAdjacentPairs;
  float norm_eps = 1e-5f;
  bool tied_embeddings = false;  // classifier == token embedding
};

struct LayerWeights {
  LayerKind kind = LayerKind::kAttention;
  TensorView attn_norm;  // [1][dim]
  TensorView wq;         // [n_heads*head_dim][dim]
  TensorView wk;         // [n_kv_heads*head_dim][dim]
  TensorView wv;         // [n_kv_heads*head_dim][dim]
  TensorView wo;         // [dim][n_heads*head_dim]
  TensorView ffn_norm;   // [1][dim]
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
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_MODEL_WEIGHTS_H_
