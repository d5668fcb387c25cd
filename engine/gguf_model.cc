#include "engine/gguf_model.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"

namespace doomscope::engine {

absl::StatusOr<DType> DTypeFromGgml(uint32_t ggml_type, std::string_view tensor_name) {
  switch (static_cast<GgmlType>(ggml_type)) {
    case GgmlType::kF32: return DType::kF32;
    case GgmlType::kF16: return DType::kF16;
    case GgmlType::kBF16: return DType::kBF16;
    case GgmlType::kQ8_0: return DType::kQ8_0;
    default:
      return absl::UnimplementedError(absl::StrCat(
          "tensor '", std::string(tensor_name), "' has type ", GgmlTypeName(ggml_type),
          ", which the engine does not support (F32, F16, BF16 and Q8_0 are)"));
  }
}

uint32_t GgmlTypeOf(DType t) {
  switch (t) {
    case DType::kF32: return static_cast<uint32_t>(GgmlType::kF32);
    case DType::kF16: return static_cast<uint32_t>(GgmlType::kF16);
    case DType::kBF16: return static_cast<uint32_t>(GgmlType::kBF16);
    case DType::kQ8_0: return static_cast<uint32_t>(GgmlType::kQ8_0);
  }
  return 0;
}

namespace {

class LlamaBuilder {
 public:
  explicit LlamaBuilder(const GgufFile& g) : g_(g) {}
  absl::StatusOr<ModelWeights> Build();

 private:
  absl::Status Err(std::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(g_.path(), ": ", std::string(message)));
  }
  // Reads integer key ARCH.name into *out, which must lie in [lo, hi].
  absl::Status ReadInt(const std::string& key, int64_t lo, int64_t hi, int* out, bool required,
                       int fallback = 0);
  // A view of `name` with row-major shape [rows][cols] (ne = {cols, rows}).
  absl::Status Tensor(const std::string& name, int64_t rows, int64_t cols, TensorView* out);

  const GgufFile& g_;
};

absl::Status LlamaBuilder::ReadInt(const std::string& key, int64_t lo, int64_t hi, int* out,
                                   bool required, int fallback) {
  if (g_.Find(key) == nullptr) {
    if (required) return Err(absl::StrCat("metadata key '", key, "' is missing"));
    *out = fallback;
    return absl::OkStatus();
  }
  absl::StatusOr<int64_t> v = g_.GetInt(key);
  if (!v.ok()) return v.status();
  if (*v < lo || *v > hi) {
    return Err(absl::StrCat(key, " = ", *v, " is outside [", lo, ", ", hi, "]"));
  }
  *out = static_cast<int>(*v);
  return absl::OkStatus();
}

absl::Status LlamaBuilder::Tensor(const std::string& name, int64_t rows, int64_t cols, TensorView* out) {
  const GgufTensorInfo* t = g_.FindTensor(name);
  if (t == nullptr) return Err(absl::StrCat("tensor '", name, "' is missing"));
  const bool shape_ok = rows == 1 ? (t->ne.size() == 1 && t->ne[0] == cols)
                                  : (t->ne.size() == 2 && t->ne[0] == cols && t->ne[1] == rows);
  if (!shape_ok) {
    std::string got;
    for (size_t i = 0; i < t->ne.size(); ++i) absl::StrAppend(&got, i ? ", " : "", t->ne[i]);
    return Err(absl::StrCat("tensor '", name, "' has ne [", got, "], expected [", cols,
                            rows == 1 ? "" : absl::StrCat(", ", rows), "]"));
  }
  absl::StatusOr<DType> dtype = DTypeFromGgml(t->type, name);
  if (!dtype.ok()) return Err(std::string(dtype.status().message()));
  if (rows == 1 && *dtype != DType::kF32) {
    // Norm gains are tiny and llama.cpp always writes them as F32; kernels rely on that.
    return Err(absl::StrCat("tensor '", name, "' is ", DTypeName(*dtype), "; norm weights must be F32"));
  }
  out->dtype = *dtype;
  out->rows = rows;
  out->cols = cols;
  out->data = g_.TensorData(*t).data();
  return absl::OkStatus();
}

absl::StatusOr<ModelWeights> LlamaBuilder::Build() {
  ModelConfig c;
  c.arch = Architecture::kLlama;
  c.rope_layout = RopeLayout::kAdjacentPairs;
  const std::string a = "llama.";
  absl::Status s;
  if (!(s = ReadInt(a + "embedding_length", 2, kGgufMaxDim, &c.dim, true)).ok()) return s;
  if (!(s = ReadInt(a + "feed_forward_length", 1, kGgufMaxHiddenDim, &c.hidden_dim, true)).ok()) return s;
  if (!(s = ReadInt(a + "block_count", 1, kGgufMaxLayers, &c.n_layers, true)).ok()) return s;
  if (!(s = ReadInt(a + "attention.head_count", 1, c.dim, &c.n_heads, true)).ok()) return s;
  if (!(s = ReadInt(a + "attention.head_count_kv", 1, c.n_heads, &c.n_kv_heads, false, c.n_heads)).ok()) return s;
  if (!(s = ReadInt(a + "context_length", 1, kGgufMaxContext, &c.max_seq_len, true)).ok()) return s;
  if (c.n_heads % c.n_kv_heads != 0) {
    return Err(absl::StrCat("attention.head_count ", c.n_heads, " is not a multiple of head_count_kv ",
                            c.n_kv_heads));
  }
  int key_length = 0, value_length = 0;
  const int default_head = c.dim % c.n_heads == 0 ? c.dim / c.n_heads : 0;
  if (!(s = ReadInt(a + "attention.key_length", 2, kGgufMaxDim, &key_length, false, default_head)).ok()) return s;
  if (!(s = ReadInt(a + "attention.value_length", 2, kGgufMaxDim, &value_length, false, key_length)).ok()) return s;
  if (key_length == 0) {
    return Err(absl::StrCat("embedding_length ", c.dim, " is not a multiple of head_count ", c.n_heads,
                            " and attention.key_length is not given"));
  }
  if (key_length != value_length) {
    return Err(absl::StrCat("attention.key_length ", key_length, " != attention.value_length ",
                            value_length, " is not supported"));
  }
  if (key_length % 2 != 0) return Err(absl::StrCat("head size ", key_length, " is odd; RoPE rotates pairs"));
  c.head_dim = key_length;
  int rope_dims = 0;
  if (!(s = ReadInt(a + "rope.dimension_count", 1, kGgufMaxDim, &rope_dims, false, c.head_dim)).ok()) return s;
  if (rope_dims != c.head_dim) {
    return Err(absl::StrCat("rope.dimension_count ", rope_dims, " != head size ", c.head_dim,
                            ": partial rotary embeddings are not supported"));
  }
  absl::StatusOr<double> theta = g_.GetFloatOr(a + "rope.freq_base", 10000.0);
  if (!theta.ok()) return theta.status();
  if (!std::isfinite(*theta) || *theta <= 1.0) return Err(absl::StrCat("rope.freq_base ", *theta, " must be > 1"));
  c.rope_theta = static_cast<float>(*theta);
  absl::StatusOr<double> eps = g_.GetFloat(a + "attention.layer_norm_rms_epsilon");
  if (!eps.ok()) return eps.status();
  if (!std::isfinite(*eps) || *eps <= 0 || *eps > 1) {
    return Err(absl::StrCat("attention.layer_norm_rms_epsilon ", *eps, " is outside (0, 1]"));
  }
  c.norm_eps = static_cast<float>(*eps);
  if (const GgufValue* scaling = g_.Find(a + "rope.scaling.type")) {
    if (scaling->type != GgufType::kString || scaling->string_value != "none") {
      return Err(absl::StrCat("rope scaling (", a, "rope.scaling.type = '",
                              scaling->type == GgufType::kString ? scaling->string_value : "?",
                              "') is not supported"));
    }
  }
  if (g_.FindTensor("rope_freqs.weight") != nullptr) {
    return Err("tensor 'rope_freqs.weight' (per-frequency RoPE scaling) is not supported");
  }

  // The vocabulary size comes from the embedding; llama.vocab_size, when present, must agree.
  const GgufTensorInfo* emb = g_.FindTensor("token_embd.weight");
  if (emb == nullptr) return Err("tensor 'token_embd.weight' is missing");
  if (emb->ne.size() != 2 || emb->ne[1] < 1 || emb->ne[1] > kGgufMaxVocab) {
    return Err("tensor 'token_embd.weight' must be 2-D with ne[1] (vocabulary) in [1, 2^22]");
  }
  c.vocab_size = static_cast<int>(emb->ne[1]);
  int declared_vocab = 0;
  if (!(s = ReadInt(a + "vocab_size", 1, kGgufMaxVocab, &declared_vocab, false, c.vocab_size)).ok()) return s;
  if (declared_vocab != c.vocab_size) {
    return Err(absl::StrCat("llama.vocab_size ", declared_vocab, " != token_embd.weight rows ", c.vocab_size));
  }
  c.tied_embeddings = g_.FindTensor("output.weight") == nullptr;

  ModelWeights w;
  w.config = c;
  w.source_path = g_.path();
  const int64_t D = c.dim, H = c.hidden_dim, V = c.vocab_size;
  const int64_t Q = static_cast<int64_t>(c.n_heads) * c.head_dim;
  const int64_t KV = static_cast<int64_t>(c.n_kv_heads) * c.head_dim;
  if (!(s = Tensor("token_embd.weight", V, D, &w.token_embedding)).ok()) return s;
  if (!(s = Tensor("output_norm.weight", 1, D, &w.final_norm)).ok()) return s;
  if (c.tied_embeddings) {
    w.classifier = w.token_embedding;
  } else if (!(s = Tensor("output.weight", V, D, &w.classifier)).ok()) {
    return s;
  }
  w.layers.resize(c.n_layers);
  for (int i = 0; i < c.n_layers; ++i) {
    LayerWeights& l = w.layers[i];
    const std::string b = absl::StrCat("blk.", i, ".");
    if (!(s = Tensor(b + "attn_norm.weight", 1, D, &l.attn_norm)).ok()) return s;
    if (!(s = Tensor(b + "attn_q.weight", Q, D, &l.wq)).ok()) return s;
    if (!(s = Tensor(b + "attn_k.weight", KV, D, &l.wk)).ok()) return s;
    if (!(s = Tensor(b + "attn_v.weight", KV, D, &l.wv)).ok()) return s;
    if (!(s = Tensor(b + "attn_output.weight", D, Q, &l.wo)).ok()) return s;
    if (!(s = Tensor(b + "ffn_norm.weight", 1, D, &l.ffn_norm)).ok()) return s;
    if (!(s = Tensor(b + "ffn_gate.weight", H, D, &l.w_gate)).ok()) return s;
    if (!(s = Tensor(b + "ffn_down.weight", D, H, &l.w_down)).ok()) return s;
    if (!(s = Tensor(b + "ffn_up.weight", H, D, &l.w_up)).ok()) return s;
  }
  w.storage = g_.file();
  return w;
}

}  // namespace

absl::StatusOr<ModelWeights> ModelWeightsFromGguf(const GgufFile& gguf) {
  absl::StatusOr<std::string> arch = gguf.GetString("general.architecture");
  if (!arch.ok()) return arch.status();
  if (*arch != "llama") {
    return absl::UnimplementedError(absl::StrCat(gguf.path(), ": architecture '", *arch,
                                                 "' is not supported (only 'llama')"));
  }
  return LlamaBuilder(gguf).Build();
}

}  // namespace doomscope::engine
