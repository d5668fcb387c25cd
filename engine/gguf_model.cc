#include "engine/gguf_model.h"

#include <cmath>
#include <cstring>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "engine/gated_delta_shape.h"
#include "engine/weight_check.h"

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

// Builds ModelWeights from one of the supported GGUF architectures. Keys are
// ARCH.* (llama.cpp's names); every tensor the architecture needs is mapped
// with its shape and type checked, and a tensor the file holds that the
// architecture does not use (a bias, an expert, a fused projection) is an
// error: running without it would compute something else.
class GgufModelBuilder {
 public:
  GgufModelBuilder(const GgufFile& g, Architecture arch)
      : g_(g), arch_(arch), a_(absl::StrCat(ArchitectureName(arch), ".")) {}
  absl::StatusOr<ModelWeights> Build();

 private:
  absl::Status Err(std::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(g_.path(), ": ", std::string(message)));
  }
  // Reads integer key ARCH.name into *out, which must lie in [lo, hi].
  absl::Status ReadInt(const std::string& key, int64_t lo, int64_t hi, int* out, bool required, int fallback = 0);
  absl::Status ReadConfig(ModelConfig& c);
  // Head counts: ARCH.attention.head_count_kv may be one value or one per
  // layer (LFM2: 0 marks a short-convolution layer).
  absl::Status ReadHeads(ModelConfig& c);
  absl::Status ReadHeadDim(ModelConfig& c);
  absl::Status ReadRope(ModelConfig& c);
  // Qwen3.5: which layers are Gated DeltaNet, and their shape (ssm.*).
  absl::Status ReadQwen35(ModelConfig& c);
  absl::Status CheckTextRopeSections(int rope_dims) const;
  absl::Status ReadGatedDeltaLayer(const ModelConfig& c, const std::string& b, LayerWeights& l);
  // Blocks [n_layers, block_count) are multi-token-prediction blocks
  // (nextn_predict_layers): never run; their tensors are skipped and reported.
  void SkipMtpBlocks(int n_layers, ModelWeights& w);
  absl::Status RefuseUnsupported() const;
  absl::Status ReadLayer(const ModelConfig& c, int i, LayerWeights& l);
  // A view of `name` with row-major shape [rows][cols] (ne = {cols, rows}),
  // its values checked finite.
  absl::Status Tensor(const std::string& name, int64_t rows, int64_t cols, TensorView* out);
  absl::Status RefuseUnusedTensors() const;

  const GgufFile& g_;
  Architecture arch_;
  std::string a_;  // "ARCH."
  int block_count_ = 0;  // block_count (n_layers plus MTP blocks)
  absl::flat_hash_set<std::string> used_;
};

absl::Status GgufModelBuilder::ReadInt(const std::string& key, int64_t lo, int64_t hi, int* out, bool required,
                                       int fallback) {
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

absl::Status GgufModelBuilder::Tensor(const std::string& name, int64_t rows, int64_t cols, TensorView* out) {
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
  used_.insert(name);
  if (absl::Status s = CheckTensorFinite(*out, name); !s.ok()) return Err(std::string(s.message()));
  return absl::OkStatus();
}

absl::Status GgufModelBuilder::RefuseUnsupported() const {
  // Options llama.cpp knows for these architectures that this engine does not
  // run: refuse them by name rather than compute something else.
  for (const char* key : {"expert_count", "attention.sliding_window", "attention.sliding_window_pattern"}) {
    const std::string full = a_ + key;
    const GgufValue* v = g_.Find(full);
    if (v == nullptr) continue;
    const bool zero = (v->is_integer() && v->int_value == 0 && v->uint_value == 0);
    if (!zero) {
      return Err(absl::StrCat(full, " is set: ",
                              std::string_view(key) == "expert_count" ? "mixture-of-experts layers are"
                                                                      : "sliding-window attention is",
                              " not supported"));
    }
  }
  if (const GgufValue* scaling = g_.Find(a_ + "rope.scaling.type")) {
    if (scaling->type != GgufType::kString || scaling->string_value != "none") {
      return Err(absl::StrCat(a_, "rope.scaling.type = '",
                              scaling->type == GgufType::kString ? scaling->string_value : "?",
                              "' is not supported (none; Llama 3's scaling comes as rope_freqs.weight)"));
    }
  }
  return absl::OkStatus();
}

absl::Status GgufModelBuilder::ReadHeads(ModelConfig& c) {
  absl::Status s;
  if (const GgufValue* v = g_.Find(a_ + "attention.head_count"); v != nullptr && v->type == GgufType::kArray) {
    return Err(absl::StrCat(a_, "attention.head_count is an array: per-layer query head counts are not supported"));
  }
  if (!(s = ReadInt(a_ + "attention.head_count", 1, c.dim, &c.n_heads, true)).ok()) return s;
  const std::string kv_key = a_ + "attention.head_count_kv";
  const GgufValue* kv = g_.Find(kv_key);
  if (kv != nullptr && kv->type == GgufType::kArray) {
    if (arch_ == Architecture::kQwen35) {
      return Err(absl::StrCat(kv_key, " is an array: qwen35 has one KV head count for its attention layers"));
    }
    absl::StatusOr<std::vector<int64_t>> per_layer = g_.GetIntArray(kv_key);
    if (!per_layer.ok()) return per_layer.status();
    if (static_cast<int>(per_layer->size()) != c.n_layers) {
      return Err(absl::StrCat(kv_key, " has ", per_layer->size(), " entries for ", c.n_layers, " layers"));
    }
    c.n_kv_heads = 0;
    for (size_t l = 0; l < per_layer->size(); ++l) {
      const int64_t n = (*per_layer)[l];
      if (n < 0 || n > c.n_heads || (n > 0 && c.n_kv_heads > 0 && n != c.n_kv_heads)) {
        return Err(absl::StrCat(kv_key, "[", l, "] = ", n,
                                ": attention layers must share one KV head count in [1, head_count]"));
      }
      if (n > 0) c.n_kv_heads = static_cast<int>(n);
      if (n == 0 && arch_ != Architecture::kLfm2) {
        return Err(absl::StrCat(kv_key, "[", l, "] = 0: only lfm2 has layers without attention"));
      }
      c.layer_kinds.push_back(n == 0 ? LayerKind::kShortConv : LayerKind::kAttention);
    }
    if (c.n_kv_heads == 0) c.n_kv_heads = c.n_heads;  // no attention layer at all
  } else {
    if (!(s = ReadInt(kv_key, 1, c.n_heads, &c.n_kv_heads, false, c.n_heads)).ok()) return s;
    // LFM2 has no uniform form: a single value would make every layer attention.
    if (arch_ == Architecture::kLfm2) c.layer_kinds.assign(c.n_layers, LayerKind::kAttention);
    if (arch_ == Architecture::kQwen35 && !(s = ReadQwen35(c)).ok()) return s;
  }

  if (c.n_heads % c.n_kv_heads != 0) {
    return Err(absl::StrCat("attention.head_count ", c.n_heads, " is not a multiple of head_count_kv ",
                            c.n_kv_heads));
  }
  if (arch_ == Architecture::kLfm2 && c.attention_layers() < c.n_layers) {
    if (!(s = ReadInt(a_ + "shortconv.l_cache", 2, 64, &c.conv_kernel, true)).ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status GgufModelBuilder::ReadHeadDim(ModelConfig& c) {
  absl::Status s;
  int key_length = 0, value_length = 0;
  const int default_head = c.dim % c.n_heads == 0 ? c.dim / c.n_heads : 0;
  if (!(s = ReadInt(a_ + "attention.key_length", 2, kGgufMaxDim, &key_length, false, default_head)).ok()) return s;
  if (!(s = ReadInt(a_ + "attention.value_length", 2, kGgufMaxDim, &value_length, false, key_length)).ok()) return s;
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
  if (arch_ == Architecture::kLfm2 && c.head_dim * c.n_heads != c.dim) {
    return Err(absl::StrCat("lfm2 attention needs head_count x key_length = embedding_length (", c.n_heads, " x ",
                            c.head_dim, " != ", c.dim, ")"));
  }
  return absl::OkStatus();
}

absl::Status GgufModelBuilder::ReadRope(ModelConfig& c) {
  absl::Status s;
  int rope_dims = 0;
  if (!(s = ReadInt(a_ + "rope.dimension_count", 1, kGgufMaxDim, &rope_dims, false, c.head_dim)).ok()) return s;
  if (arch_ == Architecture::kQwen35) {
    // Partial rotary: the first rope.dimension_count values of each head. Its
    // M-RoPE sections (rope.dimension_sections) only tell apart the image
    // positions: a text token's position is the same in every section, which
    // is plain rotate-half RoPE over those dimensions (docs/qwen35.md F18).
    if (rope_dims % 2 != 0 || rope_dims > c.head_dim) {
      return Err(absl::StrCat(a_, "rope.dimension_count ", rope_dims, " must be even and at most the head size ",
                              c.head_dim));
    }
    c.rope_dims = rope_dims == c.head_dim ? 0 : rope_dims;
    if (absl::Status st = CheckTextRopeSections(rope_dims); !st.ok()) return st;
  } else if (rope_dims != c.head_dim) {
    return Err(absl::StrCat(a_, "rope.dimension_count ", rope_dims, " != head size ", c.head_dim,
                            ": partial rotary embeddings are not supported"));
  }
  absl::StatusOr<double> theta = g_.GetFloatOr(a_ + "rope.freq_base", 10000.0);
  if (!theta.ok()) return theta.status();
  if (!std::isfinite(*theta) || *theta <= 1.0) {
    return Err(absl::StrCat(a_, "rope.freq_base ", *theta, " must be > 1"));
  }
  c.rope_theta = static_cast<float>(*theta);
  // llama.cpp's converter permutes a Llama's Q and K rows to adjacent pairs;
  // Qwen3 and LFM2 keep Hugging Face's rotate-half layout (NEOX).
  c.rope_layout = arch_ == Architecture::kLlama ? RopeLayout::kAdjacentPairs : RopeLayout::kHalves;
  if (g_.FindTensor("rope_freqs.weight") != nullptr) {
    if (arch_ != Architecture::kLlama) return Err("tensor 'rope_freqs.weight' is only supported for llama");
    TensorView f;
    if (!(s = Tensor("rope_freqs.weight", 1, c.head_dim / 2, &f)).ok()) return s;
    c.rope_freq_factors.resize(static_cast<size_t>(c.head_dim / 2));
    std::memcpy(c.rope_freq_factors.data(), f.data, c.rope_freq_factors.size() * sizeof(float));
    for (float v : c.rope_freq_factors) {
      if (!(v > 0)) return Err(absl::StrCat("tensor 'rope_freqs.weight' holds ", v, "; factors must be positive"));
    }
  }
  return absl::OkStatus();
}

absl::Status GgufModelBuilder::CheckTextRopeSections(int rope_dims) const {
  // llama.cpp's interleaved M-RoPE gives rotary pair i the position of
  // section (i mod sum) mod 3 while that index is below 3 x its size, else of
  // the fourth section, which is 0 for text: such pairs would not rotate.
  const std::string key = a_ + "rope.dimension_sections";
  if (g_.Find(key) == nullptr) return absl::OkStatus();
  absl::StatusOr<std::vector<int64_t>> sections = g_.GetIntArray(key);
  if (!sections.ok()) return sections.status();
  if (sections->size() != 4) return Err(absl::StrCat(key, " has ", sections->size(), " entries, expected 4"));
  int64_t sum = 0;
  for (int64_t v : *sections) {
    if (v < 0 || v > kGgufMaxDim) return Err(absl::StrCat(key, " holds ", v));
    sum += v;
  }
  if (sum == 0) return Err(absl::StrCat(key, " are all 0"));
  for (int pair = 0; pair < rope_dims / 2; ++pair) {
    const int64_t sector = pair % sum;
    if (sector >= 3 * (*sections)[sector % 3]) {
      return Err(absl::StrCat(key, " leave rotary pair ", pair,
                              " to the fourth section, which llama.cpp rotates by position 0 for text: not supported"));
    }
  }
  return absl::OkStatus();
}

absl::Status GgufModelBuilder::ReadQwen35(ModelConfig& c) {
  absl::Status s;
  // Layer kinds: the per-layer flags llama.cpp's saver writes, else every
  // full_attention_interval-th layer is attention (llama.cpp's default 4).
  const std::string flags_key = a_ + "attention.recurrent_layers";
  if (const GgufValue* v = g_.Find(flags_key)) {
    if (v->type != GgufType::kArray || v->array_type != GgufType::kBool ||
        v->array_uints.size() < static_cast<size_t>(c.n_layers)) {
      return Err(absl::StrCat(flags_key, " must be an array of at least ", c.n_layers, " booleans"));
    }
    for (int l = 0; l < c.n_layers; ++l) {
      c.layer_kinds.push_back(v->array_uints[l] != 0 ? LayerKind::kGatedDelta : LayerKind::kAttention);
    }
  } else {
    int interval = 0;
    if (!(s = ReadInt(a_ + "full_attention_interval", 1, kGgufMaxLayers, &interval, false, 4)).ok()) return s;
    for (int l = 0; l < c.n_layers; ++l) {
      c.layer_kinds.push_back((l + 1) % interval != 0 ? LayerKind::kGatedDelta : LayerKind::kAttention);
    }
  }
  DeltaNetConfig& d = c.delta_net;
  int inner = 0;
  if (!(s = ReadInt(a_ + "ssm.conv_kernel", 1, kMaxGatedDeltaConvKernel, &d.conv_kernel, true)).ok()) return s;
  if (!(s = ReadInt(a_ + "ssm.state_size", 1, kGgufMaxDim, &d.head_k_dim, true)).ok()) return s;
  if (!(s = ReadInt(a_ + "ssm.group_count", 1, kGgufMaxDim, &d.num_k_heads, true)).ok()) return s;
  if (!(s = ReadInt(a_ + "ssm.time_step_rank", 1, kGgufMaxDim, &d.num_v_heads, true)).ok()) return s;
  if (!(s = ReadInt(a_ + "ssm.inner_size", 1, kGgufMaxHiddenDim, &inner, true)).ok()) return s;
  // llama.cpp sizes value heads like key heads (ssm.state_size).
  d.head_v_dim = d.head_k_dim;
  if (inner != d.num_v_heads * d.head_v_dim) {
    return Err(absl::StrCat(a_, "ssm.inner_size ", inner, " != ssm.time_step_rank ", d.num_v_heads,
                            " x ssm.state_size ", d.head_v_dim));
  }
  if (d.num_v_heads % d.num_k_heads != 0) {
    return Err(absl::StrCat(a_, "ssm.time_step_rank ", d.num_v_heads, " is not a multiple of ssm.group_count ",
                            d.num_k_heads));
  }
  // The converter puts value heads in llama.cpp's tiled order, whose L2 norm
  // llama.cpp computes with max(|x|, eps): run the file as llama.cpp does.
  d.tiled_key_heads = true;
  d.l2_norm_clamped = true;
  return absl::OkStatus();
}

absl::Status GgufModelBuilder::ReadGatedDeltaLayer(const ModelConfig& c, const std::string& b, LayerWeights& l) {
  const GatedDeltaShape d = GatedDeltaShapeOf(c);
  const int64_t D = c.dim, C = d.conv_channels(), V = d.value_dim(), Hv = d.num_v_heads;
  absl::Status s;
  if (!(s = Tensor(b + "attn_qkv.weight", C, D, &l.ssm_qkv)).ok()) return s;
  if (!(s = Tensor(b + "attn_gate.weight", V, D, &l.ssm_gate)).ok()) return s;
  if (!(s = Tensor(b + "ssm_alpha.weight", Hv, D, &l.ssm_alpha)).ok()) return s;
  if (!(s = Tensor(b + "ssm_beta.weight", Hv, D, &l.ssm_beta)).ok()) return s;
  if (!(s = Tensor(b + "ssm_conv1d.weight", C, d.conv_kernel, &l.ssm_conv)).ok()) return s;
  if (l.ssm_conv.dtype == DType::kQ8_0) {
    return Err(absl::StrCat("tensor '", b, "ssm_conv1d.weight' is Q8_0; the conv weight must be a float type"));
  }
  if (!(s = Tensor(b + "ssm_a", 1, Hv, &l.ssm_a)).ok()) return s;
  if (!(s = Tensor(b + "ssm_dt.bias", 1, Hv, &l.ssm_dt_bias)).ok()) return s;
  if (!(s = Tensor(b + "ssm_norm.weight", 1, d.head_v_dim, &l.ssm_norm)).ok()) return s;
  return Tensor(b + "ssm_out.weight", D, V, &l.ssm_out);
}

void GgufModelBuilder::SkipMtpBlocks(int n_layers, ModelWeights& w) {
  if (block_count_ == n_layers) return;
  int skipped = 0;
  for (const GgufTensorInfo& t : g_.tensors()) {
    for (int i = n_layers; i < block_count_; ++i) {
      if (t.name.starts_with(absl::StrCat("blk.", i, ".")) && used_.insert(t.name).second) ++skipped;
    }
  }
  w.skipped.push_back(absl::StrCat(block_count_ - n_layers, " multi-token-prediction block(s) (blk.", n_layers,
                                   " to blk.", block_count_ - 1, ", ", skipped, " tensors): not run"));
}

absl::Status GgufModelBuilder::ReadConfig(ModelConfig& c) {
  c.arch = arch_;
  absl::Status s;
  if (!(s = RefuseUnsupported()).ok()) return s;
  if (!(s = ReadInt(a_ + "embedding_length", 2, kGgufMaxDim, &c.dim, true)).ok()) return s;
  if (!(s = ReadInt(a_ + "feed_forward_length", 1, kGgufMaxHiddenDim, &c.hidden_dim, true)).ok()) return s;
  if (!(s = ReadInt(a_ + "block_count", 1, kGgufMaxLayers, &c.n_layers, true)).ok()) return s;
  block_count_ = c.n_layers;
  if (arch_ == Architecture::kQwen35) {
    int mtp = 0;
    if (!(s = ReadInt(a_ + "nextn_predict_layers", 0, c.n_layers - 1, &mtp, false, 0)).ok()) return s;
    c.n_layers -= mtp;
    c.attention_output_gate = true;
  }
  if (!(s = ReadInt(a_ + "context_length", 1, kGgufMaxContext, &c.max_seq_len, true)).ok()) return s;
  if (!(s = ReadHeads(c)).ok()) return s;
  if (!(s = ReadHeadDim(c)).ok()) return s;
  if (!(s = ReadRope(c)).ok()) return s;
  absl::StatusOr<double> eps = g_.GetFloat(a_ + "attention.layer_norm_rms_epsilon");
  if (!eps.ok()) return eps.status();
  if (!std::isfinite(*eps) || *eps <= 0 || *eps > 1) {
    return Err(absl::StrCat(a_, "attention.layer_norm_rms_epsilon ", *eps, " is outside (0, 1]"));
  }
  c.norm_eps = static_cast<float>(*eps);
  // The vocabulary size comes from the embedding; ARCH.vocab_size, when present, must agree.
  const GgufTensorInfo* emb = g_.FindTensor("token_embd.weight");
  if (emb == nullptr) return Err("tensor 'token_embd.weight' is missing");
  if (emb->ne.size() != 2 || emb->ne[1] < 1 || emb->ne[1] > kGgufMaxVocab) {
    return Err("tensor 'token_embd.weight' must be 2-D with ne[1] (vocabulary) in [1, 2^22]");
  }
  c.vocab_size = static_cast<int>(emb->ne[1]);
  int declared_vocab = 0;
  if (!(s = ReadInt(a_ + "vocab_size", 1, kGgufMaxVocab, &declared_vocab, false, c.vocab_size)).ok()) return s;
  if (declared_vocab != c.vocab_size) {
    return Err(absl::StrCat(a_, "vocab_size ", declared_vocab, " != token_embd.weight rows ", c.vocab_size));
  }
  c.tied_embeddings = g_.FindTensor("output.weight") == nullptr;
  return absl::OkStatus();
}

absl::Status GgufModelBuilder::ReadLayer(const ModelConfig& c, int i, LayerWeights& l) {
  const int64_t D = c.dim, H = c.hidden_dim;
  const int64_t Q = static_cast<int64_t>(c.n_heads) * c.head_dim;
  const int64_t KV = static_cast<int64_t>(c.n_kv_heads) * c.head_dim;
  const std::string b = absl::StrCat("blk.", i, ".");
  l.kind = c.layer_kind(i);
  absl::Status s;
  if (!(s = Tensor(b + "attn_norm.weight", 1, D, &l.attn_norm)).ok()) return s;
  if (l.kind == LayerKind::kGatedDelta) {
    if (!(s = ReadGatedDeltaLayer(c, b, l)).ok()) return s;
  } else if (l.kind == LayerKind::kShortConv) {
    if (!(s = Tensor(b + "shortconv.in_proj.weight", 3 * D, D, &l.conv_in)).ok()) return s;
    if (!(s = Tensor(b + "shortconv.conv.weight", D, c.conv_kernel, &l.conv_kernel)).ok()) return s;
    if (l.conv_kernel.dtype != DType::kF32) {
      return Err(absl::StrCat("tensor '", b, "shortconv.conv.weight' is ", DTypeName(l.conv_kernel.dtype),
                              "; the convolution kernel must be F32"));
    }
    if (!(s = Tensor(b + "shortconv.out_proj.weight", D, D, &l.conv_out)).ok()) return s;
  } else {
    if (g_.FindTensor(b + "attn_qkv.weight") != nullptr) {
      return Err(absl::StrCat("tensor '", b, "attn_qkv.weight': fused Q/K/V projections are not supported"));
    }
    if (!(s = Tensor(b + "attn_q.weight", c.attention_output_gate ? 2 * Q : Q, D, &l.wq)).ok()) return s;
    if (!(s = Tensor(b + "attn_k.weight", KV, D, &l.wk)).ok()) return s;
    if (!(s = Tensor(b + "attn_v.weight", KV, D, &l.wv)).ok()) return s;
    if (!(s = Tensor(b + "attn_output.weight", D, Q, &l.wo)).ok()) return s;
    // Per-head norms of queries and keys before RoPE: Qwen3 and LFM2 have them.
    if (arch_ != Architecture::kLlama) {
      if (!(s = Tensor(b + "attn_q_norm.weight", 1, c.head_dim, &l.q_norm)).ok()) return s;
      if (!(s = Tensor(b + "attn_k_norm.weight", 1, c.head_dim, &l.k_norm)).ok()) return s;
    }
  }
  // Qwen3.5's pre-FFN norm goes by llama.cpp's name for it.
  const char* ffn_norm = arch_ == Architecture::kQwen35 ? "post_attention_norm.weight" : "ffn_norm.weight";
  if (!(s = Tensor(b + ffn_norm, 1, D, &l.ffn_norm)).ok()) return s;
  if (!(s = Tensor(b + "ffn_gate.weight", H, D, &l.w_gate)).ok()) return s;
  if (!(s = Tensor(b + "ffn_down.weight", D, H, &l.w_down)).ok()) return s;
  return Tensor(b + "ffn_up.weight", H, D, &l.w_up);
}

absl::Status GgufModelBuilder::RefuseUnusedTensors() const {
  for (const GgufTensorInfo& t : g_.tensors()) {
    if (!used_.contains(t.name)) {
      return Err(absl::StrCat("tensor '", t.name, "' is not used by the ", ArchitectureName(arch_),
                              " architecture as this engine runs it (a bias, expert or other unsupported part)"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ModelWeights> GgufModelBuilder::Build() {
  ModelWeights w;
  absl::Status s = ReadConfig(w.config);
  if (!s.ok()) return s;
  const ModelConfig& c = w.config;
  w.source_path = g_.path();
  if (!(s = Tensor("token_embd.weight", c.vocab_size, c.dim, &w.token_embedding)).ok()) return s;
  // LFM2's final norm: llama.cpp's converter names it token_embd_norm (a
  // historical misnomer: it follows the last layer), Ollama's output_norm.
  const bool lfm2_name = arch_ == Architecture::kLfm2 && g_.FindTensor("token_embd_norm.weight") != nullptr;
  if (!(s = Tensor(lfm2_name ? "token_embd_norm.weight" : "output_norm.weight", 1, c.dim, &w.final_norm)).ok()) {
    return s;
  }
  if (c.tied_embeddings) {
    w.classifier = w.token_embedding;
  } else if (!(s = Tensor("output.weight", c.vocab_size, c.dim, &w.classifier)).ok()) {
    return s;
  }
  w.layers.resize(c.n_layers);
  for (int i = 0; i < c.n_layers; ++i) {
    if (!(s = ReadLayer(c, i, w.layers[i])).ok()) return s;
  }
  SkipMtpBlocks(c.n_layers, w);
  if (!(s = RefuseUnusedTensors()).ok()) return s;
  w.storage = g_.file();
  return w;
}

}  // namespace

absl::StatusOr<ModelWeights> ModelWeightsFromGguf(const GgufFile& gguf) {
  absl::StatusOr<std::string> arch = gguf.GetString("general.architecture");
  if (!arch.ok()) return arch.status();
  for (Architecture a : {Architecture::kLlama, Architecture::kQwen3, Architecture::kLfm2, Architecture::kQwen35}) {
    if (*arch == ArchitectureName(a)) return GgufModelBuilder(gguf, a).Build();
  }
  return absl::UnimplementedError(absl::StrCat(gguf.path(), ": general.architecture '", *arch,
                                               "' is not supported (llama, qwen3, lfm2, qwen35)"));
}

}  // namespace doomscope::engine
