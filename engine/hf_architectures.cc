#include "engine/hf_architectures.h"

#include <cmath>
#include <numbers>

#include "absl/strings/str_cat.h"
#include "engine/hf_json.h"

namespace doomscope::engine {
namespace {

// Bounds checked before any size arithmetic (as the GGUF and llama2.c readers do).
constexpr int64_t kMaxDim = 1 << 16;
constexpr int64_t kMaxHiddenDim = 1 << 20;
constexpr int64_t kMaxLayers = 1024;
constexpr int64_t kMaxVocab = 1 << 22;
constexpr int64_t kMaxContext = 1 << 24;

// A config value that changes what the model computes in a way the forward
// pass does not implement must stop the load: running without it would give
// plausible but wrong text.
absl::Status RequireFalse(const HfConfigJson& json, std::string_view key, std::string_view why) {
  bool value = false;
  if (absl::Status s = json.Bool({key}, false, &value); !s.ok()) return s;
  if (value) return json.Error(key, absl::StrCat("true is not supported (", std::string(why), ")"));
  return absl::OkStatus();
}

absl::Status ReadLlamaConfig(const HfConfigJson& json, ModelConfig* c) {
  if (absl::Status s = ReadLlamaLikeConfig(json, /*tie_default=*/false, c); !s.ok()) return s;
  // Every Llama checkpoint on the Hub comes from Meta's adjacent-pair layout
  // through transformers' converter (or was trained in it); see the header.
  c->rope_layout = RopeLayout::kAdjacentPairs;
  return absl::OkStatus();
}

absl::Status WriteLlamaConfig(const ModelConfig& c, nlohmann::ordered_json* json) {
  (*json)["architectures"] = {"LlamaForCausalLM"};
  (*json)["model_type"] = "llama";
  WriteLlamaLikeConfig(c, json);
  (*json)["attention_bias"] = false;
  (*json)["mlp_bias"] = false;
  return absl::OkStatus();
}

constexpr HfLayerTensor kLlamaLayer[] = {
    {&LayerWeights::attn_norm, "input_layernorm.weight", HfDim::kOne, HfDim::kDim},
    {&LayerWeights::wq, "self_attn.q_proj.weight", HfDim::kQ, HfDim::kDim, HfHeadRows::kQueryHeads},
    {&LayerWeights::wk, "self_attn.k_proj.weight", HfDim::kKv, HfDim::kDim, HfHeadRows::kKeyHeads},
    {&LayerWeights::wv, "self_attn.v_proj.weight", HfDim::kKv, HfDim::kDim},
    {&LayerWeights::wo, "self_attn.o_proj.weight", HfDim::kDim, HfDim::kQ},
    {&LayerWeights::ffn_norm, "post_attention_layernorm.weight", HfDim::kOne, HfDim::kDim},
    {&LayerWeights::w_gate, "mlp.gate_proj.weight", HfDim::kHidden, HfDim::kDim},
    {&LayerWeights::w_up, "mlp.up_proj.weight", HfDim::kHidden, HfDim::kDim},
    {&LayerWeights::w_down, "mlp.down_proj.weight", HfDim::kDim, HfDim::kHidden},
};
constexpr std::string_view kRotaryInvFreq[] = {"self_attn.rotary_emb.inv_freq"};

const HfArchitecture kArchitectures[] = {
    {
        .class_name = "LlamaForCausalLM",
        .model_type = "llama",
        .engine_arch = Architecture::kLlama,
        .read_config = ReadLlamaConfig,
        .write_config = WriteLlamaConfig,
        .embedding = "model.embed_tokens.weight",
        .final_norm = "model.norm.weight",
        .lm_head = "lm_head.weight",
        .layer_prefix = "model.layers.",
        .layer_tensors = kLlamaLayer,
        .ignored_layer_tensors = kRotaryInvFreq,
        .qk_rows_from_rotate_half = true,
    },
};

}  // namespace

int64_t HfDimSize(HfDim d, const ModelConfig& c) {
  switch (d) {
    case HfDim::kOne: return 1;
    case HfDim::kDim: return c.dim;
    case HfDim::kHidden: return c.hidden_dim;
    case HfDim::kQ: return static_cast<int64_t>(c.n_heads) * c.head_dim;
    case HfDim::kKv: return static_cast<int64_t>(c.n_kv_heads) * c.head_dim;
    case HfDim::kVocab: return c.vocab_size;
    case HfDim::kHeadDim: return c.head_dim;
  }
  return 0;
}

int64_t RotateHalfRowOf(int64_t adjacent_row, int head_dim) {
  const int64_t head = adjacent_row / head_dim, r = adjacent_row % head_dim;
  return head * head_dim + (r % 2) * (head_dim / 2) + r / 2;
}

absl::Status ReadLlamaLikeConfig(const HfConfigJson& json, bool tie_default, ModelConfig* c) {
  absl::Status s;
  if (!(s = json.Int({"hidden_size"}, 2, kMaxDim, std::nullopt, &c->dim)).ok()) return s;
  if (!(s = json.Int({"intermediate_size"}, 1, kMaxHiddenDim, std::nullopt, &c->hidden_dim)).ok()) return s;
  if (!(s = json.Int({"num_hidden_layers"}, 1, kMaxLayers, std::nullopt, &c->n_layers)).ok()) return s;
  if (!(s = json.Int({"num_attention_heads"}, 1, c->dim, std::nullopt, &c->n_heads)).ok()) return s;
  if (!(s = json.Int({"num_key_value_heads"}, 1, c->n_heads, c->n_heads, &c->n_kv_heads)).ok()) return s;
  if (c->n_heads % c->n_kv_heads != 0) {
    return json.Error("num_key_value_heads",
                      absl::StrCat(c->n_kv_heads, " does not divide num_attention_heads ", c->n_heads));
  }
  const std::optional<int64_t> default_head =
      c->dim % c->n_heads == 0 ? std::optional<int64_t>(c->dim / c->n_heads) : std::nullopt;
  if (!default_head && json.Find({"head_dim"}) == nullptr) {
    return json.Error("head_dim", absl::StrCat("is missing and hidden_size ", c->dim,
                                               " is not a multiple of num_attention_heads ", c->n_heads));
  }
  if (!(s = json.Int({"head_dim"}, 2, kMaxDim, default_head, &c->head_dim)).ok()) return s;
  if (c->head_dim % 2 != 0) return json.Error("head_dim", absl::StrCat(c->head_dim, " is odd; RoPE rotates pairs"));
  if (!(s = json.Int({"vocab_size"}, 1, kMaxVocab, std::nullopt, &c->vocab_size)).ok()) return s;
  if (!(s = json.Int({"max_position_embeddings"}, 1, kMaxContext, 2048, &c->max_seq_len)).ok()) return s;
  if (!(s = json.Float({"rms_norm_eps"}, 1e-12, 1, 1e-6, &c->norm_eps)).ok()) return s;
  if (!(s = json.Float({"rope_theta", "rope_parameters.rope_theta"}, 1.0 + 1e-6, 1e12, 10000.0, &c->rope_theta)).ok()) {
    return s;
  }
  if (!(s = json.Bool({"tie_word_embeddings"}, tie_default, &c->tied_embeddings)).ok()) return s;
  std::string act;
  if (!(s = json.String({"hidden_act", "hidden_activation"}, "silu", &act)).ok()) return s;
  if (act != "silu") {
    return json.Error("hidden_act", absl::StrCat("\"", act, "\" is not supported (the engine's FFN is SwiGLU: silu)"));
  }
  if (!(s = RequireFalse(json, "attention_bias", "the engine's attention has no biases")).ok()) return s;
  if (!(s = RequireFalse(json, "mlp_bias", "the engine's FFN has no biases")).ok()) return s;
  float partial = 1.0f;
  if (!(s = json.Float({"partial_rotary_factor"}, 0, 1, 1.0, &partial)).ok()) return s;
  if (partial != 1.0f) {
    return json.Error("partial_rotary_factor",
                      absl::StrCat(partial, " is not supported (RoPE on the whole head only)"));
  }
  return ReadRopeScaling(json, c);
}

absl::Status ReadRopeScaling(const HfConfigJson& json, ModelConfig* c) {
  c->rope_freq_factors.clear();
  std::string_view key;
  const nlohmann::json* scaling = json.Find({"rope_scaling", "rope_parameters"}, &key);
  if (scaling == nullptr) return absl::OkStatus();
  if (!scaling->is_object()) return json.Error(key, absl::StrCat("must be an object, found ", JsonTypeName(*scaling)));
  const HfConfigJson params(*scaling, absl::StrCat(json.path(), ": ", std::string(key)));
  std::string type;
  if (absl::Status s = params.String({"rope_type", "type"}, "default", &type); !s.ok()) return s;
  if (type == "default") return absl::OkStatus();
  if (type != "llama3") {
    return params.Error("rope_type", absl::StrCat("\"", type, "\" is not supported (default and llama3 are)"));
  }
  float factor = 0, low = 0, high = 0;
  int original = 0;
  absl::Status s;
  if (!(s = params.Float({"factor"}, 1, 1e6, std::nullopt, &factor)).ok()) return s;
  if (!(s = params.Float({"low_freq_factor"}, 1e-6, 1e6, std::nullopt, &low)).ok()) return s;
  if (!(s = params.Float({"high_freq_factor"}, 1e-6, 1e6, std::nullopt, &high)).ok()) return s;
  if (!(s = params.Int({"original_max_position_embeddings"}, 1, kMaxContext, std::nullopt, &original)).ok()) return s;
  if (high <= low) {
    return params.Error("high_freq_factor", absl::StrCat(high, " must be greater than low_freq_factor ", low));
  }
  // transformers' _compute_llama3_parameters, as a divisor of each pair's
  // frequency: long wavelengths are slowed by `factor`, short ones kept, and
  // the band between blends the two.
  const double low_wavelen = original / static_cast<double>(low);
  const double high_wavelen = original / static_cast<double>(high);
  const int half = c->head_dim / 2;
  for (int j = 0; j < half; ++j) {
    const double freq = 1.0 / std::pow(static_cast<double>(c->rope_theta), 2.0 * j / c->head_dim);
    const double wavelen = 2 * std::numbers::pi / freq;
    double divisor = 1.0;
    if (wavelen > low_wavelen) {
      divisor = factor;
    } else if (wavelen >= high_wavelen) {
      const double smooth = (original / wavelen - low) / (high - low);
      divisor = 1.0 / ((1 - smooth) / factor + smooth);
    }
    c->rope_freq_factors.push_back(static_cast<float>(divisor));
  }
  return absl::OkStatus();
}

void WriteLlamaLikeConfig(const ModelConfig& c, nlohmann::ordered_json* json) {
  nlohmann::ordered_json& j = *json;
  j["hidden_size"] = c.dim;
  j["intermediate_size"] = c.hidden_dim;
  j["num_hidden_layers"] = c.n_layers;
  j["num_attention_heads"] = c.n_heads;
  j["num_key_value_heads"] = c.n_kv_heads;
  j["head_dim"] = c.head_dim;
  j["vocab_size"] = c.vocab_size;
  j["max_position_embeddings"] = c.max_seq_len;
  j["rms_norm_eps"] = c.norm_eps;
  j["rope_theta"] = c.rope_theta;
  j["hidden_act"] = "silu";
  j["tie_word_embeddings"] = c.tied_embeddings;
}

std::span<const HfArchitecture> HfArchitectures() { return kArchitectures; }

const HfArchitecture* FindHfArchitecture(std::string_view class_name) {
  for (const HfArchitecture& a : kArchitectures) {
    if (a.class_name == class_name) return &a;
  }
  return nullptr;
}

const HfArchitecture* FindHfArchitectureByModelType(std::string_view model_type) {
  for (const HfArchitecture& a : kArchitectures) {
    if (a.model_type == model_type) return &a;
  }
  return nullptr;
}

const HfArchitecture* HfArchitectureFor(Architecture arch) {
  for (const HfArchitecture& a : kArchitectures) {
    if (a.engine_arch == arch) return &a;
  }
  return nullptr;
}

std::string HfArchitectureNames() {
  std::string names;
  for (const HfArchitecture& a : kArchitectures) {
    absl::StrAppend(&names, names.empty() ? "" : ", ", std::string(a.class_name));
  }
  return names;
}

}  // namespace doomscope::engine
