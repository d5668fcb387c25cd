#include "engine/hf_architectures.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/forward_rope.h"
#include "engine/hf_json.h"
#include "engine/hf_qwen35.h"

namespace doomscope::engine {
namespace {

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
  if (absl::Status s = WriteLlamaLikeConfig(c, json); !s.ok()) return s;
  (*json)["attention_bias"] = false;
  (*json)["mlp_bias"] = false;
  return absl::OkStatus();
}

// Qwen3: Llama's fields plus head_dim on its own, per-head Q/K norms, NeoX RoPE.
absl::Status ReadQwen3Config(const HfConfigJson& json, ModelConfig* c) {
  if (absl::Status s = ReadLlamaLikeConfig(json, /*tie_default=*/false, c); !s.ok()) return s;
  c->rope_layout = RopeLayout::kHalves;
  if (absl::Status s = RequireFalse(json, "use_sliding_window", "sliding-window attention is not supported"); !s.ok()) {
    return s;
  }
  // transformers v5 lists each layer's attention; only full attention runs here.
  if (const nlohmann::json* types = json.Find({"layer_types"})) {
    if (!types->is_array()) return json.Error("layer_types", "must be a list");
    for (const nlohmann::json& t : *types) {
      if (t != "full_attention") {
        return json.Error("layer_types", absl::StrCat(t.dump(), " is not supported (full_attention only)"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status WriteQwen3Config(const ModelConfig& c, nlohmann::ordered_json* json) {
  (*json)["architectures"] = {"Qwen3ForCausalLM"};
  (*json)["model_type"] = "qwen3";
  if (absl::Status s = WriteLlamaLikeConfig(c, json); !s.ok()) return s;
  (*json)["attention_bias"] = false;
  (*json)["use_sliding_window"] = false;
  return absl::OkStatus();
}

// LFM2 (transformers' Lfm2Config and the older Liquid configs): layer kinds
// from layer_types or full_attn_idxs, the conv width, and the FFN width after
// Liquid's auto-adjust (checked against the tensors' shapes by the loader).
absl::Status ReadLfm2LayerKinds(const HfConfigJson& json, ModelConfig* c) {
  constexpr HfLayerType kTypes[] = {{"conv", LayerKind::kShortConv}, {"full_attention", LayerKind::kAttention}};
  bool listed = false;
  if (absl::Status s = ReadLayerTypes(json, kTypes, c, &listed); !s.ok() || listed) return s;
  c->layer_kinds.assign(c->n_layers, LayerKind::kShortConv);
  std::string_view key;
  const nlohmann::json* idxs = json.Find({"full_attn_idxs"}, &key);
  if (idxs == nullptr) return json.Error("layer_types", "is missing, and so is full_attn_idxs: which layers attend?");
  if (!idxs->is_array()) return json.Error(key, "must be a list of layer indices");
  for (const nlohmann::json& i : *idxs) {
    if (!i.is_number_integer() || i.get<int64_t>() < 0 || i.get<int64_t>() >= c->n_layers) {
      return json.Error(key, absl::StrCat(i.dump(), " is not a layer index in [0, ", c->n_layers, ")"));
    }
    c->layer_kinds[i.get<int>()] = LayerKind::kAttention;
  }
  return absl::OkStatus();
}

absl::Status ReadLfm2Config(const HfConfigJson& json, ModelConfig* c) {
  absl::Status s;
  if (!(s = json.Int({"hidden_size", "block_dim"}, 2, kHfMaxDim, std::nullopt, &c->dim)).ok()) return s;
  if (!(s = json.Int({"num_hidden_layers"}, 1, kHfMaxLayers, std::nullopt, &c->n_layers)).ok()) return s;
  if (!(s = json.Int({"num_attention_heads", "num_heads"}, 1, c->dim, std::nullopt, &c->n_heads)).ok()) return s;
  if (!(s = json.Int({"num_key_value_heads"}, 1, c->n_heads, c->n_heads, &c->n_kv_heads)).ok()) return s;
  if (c->n_heads % c->n_kv_heads != 0 || c->dim % c->n_heads != 0) {
    return json.Error("num_attention_heads", absl::StrCat(c->n_heads, " must divide hidden_size ", c->dim,
                                                          " and be a multiple of num_key_value_heads ",
                                                          c->n_kv_heads));
  }
  c->head_dim = c->dim / c->n_heads;
  if (c->head_dim % 2 != 0) return json.Error("num_attention_heads", "gives an odd head size; RoPE rotates pairs");
  if (!(s = json.Int({"vocab_size"}, 1, kHfMaxVocab, std::nullopt, &c->vocab_size)).ok()) return s;
  if (!(s = json.Int({"max_position_embeddings"}, 1, kHfMaxContext, 128000, &c->max_seq_len)).ok()) return s;
  if (!(s = json.Float({"norm_eps", "block_norm_eps"}, 1e-12, 1, 1e-5, &c->norm_eps)).ok()) return s;
  if (!(s = json.Float({"rope_theta", "theta", "rope_parameters.rope_theta"}, 1.0 + 1e-6, 1e12, 1000000.0,
                       &c->rope_theta))
           .ok()) {
    return s;
  }
  if (!(s = json.Bool({"tie_embedding", "tie_word_embeddings"}, true, &c->tied_embeddings)).ok()) return s;
  if (!(s = json.Int({"conv_L_cache"}, 2, 64, 3, &c->conv_kernel)).ok()) return s;
  if (!(s = RequireFalse(json, "conv_bias", "the engine's short convolution has no bias")).ok()) return s;
  int experts = 0;
  if (!(s = json.Int({"num_experts"}, 0, 1 << 20, 0, &experts)).ok()) return s;
  if (experts > 0) return json.Error("num_experts", "mixture-of-experts layers (LFM2-MoE) are not supported");
  // The FFN width: Liquid's auto-adjust (2/3, an optional multiplier, rounded
  // up to block_multiple_of), as Lfm2MLP and llama.cpp's converter compute it.
  int ff = 0, multiple_of = 256;
  bool auto_adjust = false;
  float multiplier = 1.0f;
  if (!(s = json.Int({"block_ff_dim", "intermediate_size"}, 1, kHfMaxHiddenDim, std::nullopt, &ff)).ok()) return s;
  if (!(s = json.Bool({"block_auto_adjust_ff_dim"}, false, &auto_adjust)).ok()) return s;
  if (auto_adjust) {
    if (!(s = json.Int({"block_multiple_of"}, 1, kHfMaxHiddenDim, 256, &multiple_of)).ok()) return s;
    if (!(s = json.Float({"block_ffn_dim_multiplier"}, 1e-3, 1e3, 1.0, &multiplier)).ok()) return s;
    ff = static_cast<int>(2 * static_cast<int64_t>(ff) / 3);
    if (json.Find({"block_ffn_dim_multiplier"}) != nullptr) ff = static_cast<int>(multiplier * ff);
    ff = multiple_of * ((ff + multiple_of - 1) / multiple_of);
  }
  c->hidden_dim = ff;
  c->rope_layout = RopeLayout::kHalves;
  if (!(s = ReadLfm2LayerKinds(json, c)).ok()) return s;
  return ReadRopeScaling(json, c);
}

absl::Status WriteLfm2Config(const ModelConfig& c, nlohmann::ordered_json* json) {
  nlohmann::ordered_json& j = *json;
  j["architectures"] = {"Lfm2ForCausalLM"};
  j["model_type"] = "lfm2";
  j["hidden_size"] = c.dim;
  j["num_attention_heads"] = c.n_heads;
  j["num_key_value_heads"] = c.n_kv_heads;
  j["num_hidden_layers"] = c.n_layers;
  j["norm_eps"] = c.norm_eps;
  j["rope_theta"] = c.rope_theta;
  j["vocab_size"] = c.vocab_size;
  j["tie_embedding"] = c.tied_embeddings;
  nlohmann::ordered_json idxs = nlohmann::ordered_json::array(), types = nlohmann::ordered_json::array();
  for (int l = 0; l < c.n_layers; ++l) {
    const bool attention = c.layer_kind(l) == LayerKind::kAttention;
    if (attention) idxs.push_back(l);
    types.push_back(attention ? "full_attention" : "conv");
  }
  j["full_attn_idxs"] = idxs;
  j["layer_types"] = types;
  j["conv_L_cache"] = c.conv_kernel;
  j["conv_bias"] = false;
  j["block_ff_dim"] = c.hidden_dim;
  j["intermediate_size"] = c.hidden_dim;
  j["block_auto_adjust_ff_dim"] = false;
  j["block_multiple_of"] = 1;
  j["max_position_embeddings"] = c.max_seq_len;
  return c.rope_freq_factors.empty() ? absl::OkStatus()
                                     : absl::InvalidArgumentError("LFM2 with RoPE scaling has no config.json form");
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

constexpr HfLayerTensor kQwen3Layer[] = {
    {&LayerWeights::attn_norm, "input_layernorm.weight", HfDim::kOne, HfDim::kDim},
    {&LayerWeights::wq, "self_attn.q_proj.weight", HfDim::kQ, HfDim::kDim},
    {&LayerWeights::wk, "self_attn.k_proj.weight", HfDim::kKv, HfDim::kDim},
    {&LayerWeights::wv, "self_attn.v_proj.weight", HfDim::kKv, HfDim::kDim},
    {&LayerWeights::wo, "self_attn.o_proj.weight", HfDim::kDim, HfDim::kQ},
    {&LayerWeights::q_norm, "self_attn.q_norm.weight", HfDim::kOne, HfDim::kHeadDim},
    {&LayerWeights::k_norm, "self_attn.k_norm.weight", HfDim::kOne, HfDim::kHeadDim},
    {&LayerWeights::ffn_norm, "post_attention_layernorm.weight", HfDim::kOne, HfDim::kDim},
    {&LayerWeights::w_gate, "mlp.gate_proj.weight", HfDim::kHidden, HfDim::kDim},
    {&LayerWeights::w_up, "mlp.up_proj.weight", HfDim::kHidden, HfDim::kDim},
    {&LayerWeights::w_down, "mlp.down_proj.weight", HfDim::kDim, HfDim::kHidden},
};

// transformers' modeling_lfm2.py names (the final norm is model.embedding_norm).
constexpr HfLayerTensor kLfm2Layer[] = {
    {&LayerWeights::attn_norm, "operator_norm.weight", HfDim::kOne, HfDim::kDim},
    {&LayerWeights::conv_in, "conv.in_proj.weight", HfDim::kThreeDim, HfDim::kDim, HfHeadRows::kNone,
     HfLayers::kShortConv},
    {&LayerWeights::conv_kernel, "conv.conv.weight", HfDim::kDim, HfDim::kConvWidth, HfHeadRows::kNone,
     HfLayers::kShortConv, /*unit_middle_dim=*/true},
    {&LayerWeights::conv_out, "conv.out_proj.weight", HfDim::kDim, HfDim::kDim, HfHeadRows::kNone,
     HfLayers::kShortConv},
    {&LayerWeights::wq, "self_attn.q_proj.weight", HfDim::kQ, HfDim::kDim, HfHeadRows::kNone, HfLayers::kAttention},
    {&LayerWeights::wk, "self_attn.k_proj.weight", HfDim::kKv, HfDim::kDim, HfHeadRows::kNone, HfLayers::kAttention},
    {&LayerWeights::wv, "self_attn.v_proj.weight", HfDim::kKv, HfDim::kDim, HfHeadRows::kNone, HfLayers::kAttention},
    {&LayerWeights::wo, "self_attn.out_proj.weight", HfDim::kDim, HfDim::kQ, HfHeadRows::kNone,
     HfLayers::kAttention},
    {&LayerWeights::q_norm, "self_attn.q_layernorm.weight", HfDim::kOne, HfDim::kHeadDim, HfHeadRows::kNone,
     HfLayers::kAttention},
    {&LayerWeights::k_norm, "self_attn.k_layernorm.weight", HfDim::kOne, HfDim::kHeadDim, HfHeadRows::kNone,
     HfLayers::kAttention},
    {&LayerWeights::ffn_norm, "ffn_norm.weight", HfDim::kOne, HfDim::kDim},
    {&LayerWeights::w_gate, "feed_forward.w1.weight", HfDim::kHidden, HfDim::kDim},
    {&LayerWeights::w_up, "feed_forward.w3.weight", HfDim::kHidden, HfDim::kDim},
    {&LayerWeights::w_down, "feed_forward.w2.weight", HfDim::kDim, HfDim::kHidden},
};

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
    {
        .class_name = "Qwen3ForCausalLM",
        .model_type = "qwen3",
        .engine_arch = Architecture::kQwen3,
        .read_config = ReadQwen3Config,
        .write_config = WriteQwen3Config,
        .embedding = "model.embed_tokens.weight",
        .final_norm = "model.norm.weight",
        .lm_head = "lm_head.weight",
        .layer_prefix = "model.layers.",
        .layer_tensors = kQwen3Layer,
        .ignored_layer_tensors = kRotaryInvFreq,
    },
    {
        .class_name = "Lfm2ForCausalLM",
        .model_type = "lfm2",
        .engine_arch = Architecture::kLfm2,
        .read_config = ReadLfm2Config,
        .write_config = WriteLfm2Config,
        .embedding = "model.embed_tokens.weight",
        .final_norm = "model.embedding_norm.weight",
        .lm_head = "lm_head.weight",
        .layer_prefix = "model.layers.",
        .layer_tensors = kLfm2Layer,
        .ignored_layer_tensors = {},
    },
    // Qwen3.5 dense (hf_qwen35.h): the text-only class, then the Hub's
    // multimodal one, whose language model sits under model.language_model.
    {
        .class_name = "Qwen3_5ForCausalLM",
        .model_type = "qwen3_5_text",
        .engine_arch = Architecture::kQwen35,
        .read_config = ReadQwen35Config,
        .write_config = WriteQwen35Config,
        .embedding = "model.embed_tokens.weight",
        .final_norm = "model.norm.weight",
        .lm_head = "lm_head.weight",
        .layer_prefix = "model.layers.",
        .layer_tensors = Qwen35LayerTensors(),
        .ignored_layer_tensors = {},
        .final_norm_values = HfValues::kOnePlus,
        .skipped_parts = Qwen35SkippedParts(),
    },
    {
        .class_name = "Qwen3_5ForConditionalGeneration",
        .model_type = "qwen3_5",
        .engine_arch = Architecture::kQwen35,
        .read_config = ReadQwen35MultimodalConfig,
        .write_config = WriteQwen35MultimodalConfig,
        .embedding = "model.language_model.embed_tokens.weight",
        .final_norm = "model.language_model.norm.weight",
        .lm_head = "lm_head.weight",
        .layer_prefix = "model.language_model.layers.",
        .layer_tensors = Qwen35LayerTensors(),
        .ignored_layer_tensors = {},
        .final_norm_values = HfValues::kOnePlus,
        .skipped_parts = Qwen35SkippedParts(),
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
    case HfDim::kThreeDim: return 3 * static_cast<int64_t>(c.dim);
    case HfDim::kConvWidth: return c.conv_kernel;
    case HfDim::kQGate: return 2 * static_cast<int64_t>(c.n_heads) * c.head_dim;
    case HfDim::kConvChannels:
      return 2 * static_cast<int64_t>(c.delta_net.num_k_heads) * c.delta_net.head_k_dim +
             static_cast<int64_t>(c.delta_net.num_v_heads) * c.delta_net.head_v_dim;
    case HfDim::kValueDim: return static_cast<int64_t>(c.delta_net.num_v_heads) * c.delta_net.head_v_dim;
    case HfDim::kValueHeads: return c.delta_net.num_v_heads;
    case HfDim::kValueHeadDim: return c.delta_net.head_v_dim;
    case HfDim::kDeltaConvWidth: return c.delta_net.conv_kernel;
  }
  return 0;
}

bool HfLayerHolds(const HfLayerTensor& t, const ModelConfig& c, int layer) {
  switch (t.layers) {
    case HfLayers::kAll: return true;
    case HfLayers::kAttention: return c.layer_kind(layer) == LayerKind::kAttention;
    case HfLayers::kShortConv: return c.layer_kind(layer) == LayerKind::kShortConv;
    case HfLayers::kGatedDelta: return c.layer_kind(layer) == LayerKind::kGatedDelta;
  }
  return false;
}

int64_t RotateHalfRowOf(int64_t adjacent_row, int head_dim) {
  const int64_t head = adjacent_row / head_dim, r = adjacent_row % head_dim;
  return head * head_dim + (r % 2) * (head_dim / 2) + r / 2;
}

absl::Status ReadLayerTypes(const HfConfigJson& json, std::span<const HfLayerType> types, ModelConfig* c,
                            bool* listed) {
  std::string_view key;
  const nlohmann::json* list = json.Find({"layer_types"}, &key);
  *listed = list != nullptr;
  if (list == nullptr) return absl::OkStatus();
  if (!list->is_array() || static_cast<int>(list->size()) != c->n_layers) {
    return json.Error(key, absl::StrCat("must list the kind of each of the ", c->n_layers, " layers"));
  }
  c->layer_kinds.clear();
  for (int l = 0; l < c->n_layers; ++l) {
    const nlohmann::json& t = (*list)[l];
    const std::string name = t.is_string() ? t.get<std::string>() : std::string();
    for (const HfLayerType& type : types) {
      if (name == type.name) c->layer_kinds.push_back(type.kind);
    }
    if (static_cast<int>(c->layer_kinds.size()) != l + 1) {
      std::string supported;
      for (const HfLayerType& type : types)
        absl::StrAppend(&supported, supported.empty() ? "" : " and ", std::string(type.name));
      return json.Error(key, absl::StrCat("[", l, "] is ", t.dump(), " (", supported, " are supported)"));
    }
  }
  return absl::OkStatus();
}

absl::Status ReadLlamaLikeShape(const HfConfigJson& json, const LlamaLikeDefaults& defaults, ModelConfig* c) {
  absl::Status s;
  if (!(s = json.Int({"hidden_size"}, 2, kHfMaxDim, std::nullopt, &c->dim)).ok()) return s;
  if (!(s = json.Int({"intermediate_size"}, 1, kHfMaxHiddenDim, std::nullopt, &c->hidden_dim)).ok()) return s;
  if (!(s = json.Int({"num_hidden_layers"}, 1, kHfMaxLayers, std::nullopt, &c->n_layers)).ok()) return s;
  if (!(s = json.Int({"num_attention_heads"}, 1, c->dim, std::nullopt, &c->n_heads)).ok()) return s;
  if (!(s = json.Int({"num_key_value_heads"}, 1, c->n_heads, c->n_heads, &c->n_kv_heads)).ok()) return s;
  if (c->n_heads % c->n_kv_heads != 0) {
    return json.Error("num_key_value_heads",
                      absl::StrCat(c->n_kv_heads, " does not divide num_attention_heads ", c->n_heads));
  }
  std::optional<int64_t> default_head = defaults.head_dim;
  if (!default_head && c->dim % c->n_heads == 0) default_head = c->dim / c->n_heads;
  if (!default_head && json.Find({"head_dim"}) == nullptr) {
    return json.Error("head_dim", absl::StrCat("is missing and hidden_size ", c->dim,
                                               " is not a multiple of num_attention_heads ", c->n_heads));
  }
  if (!(s = json.Int({"head_dim"}, 2, kHfMaxDim, default_head, &c->head_dim)).ok()) return s;
  if (c->head_dim % 2 != 0) return json.Error("head_dim", absl::StrCat(c->head_dim, " is odd; RoPE rotates pairs"));
  if (!(s = json.Int({"vocab_size"}, 1, kHfMaxVocab, std::nullopt, &c->vocab_size)).ok()) return s;
  if (!(s = json.Int({"max_position_embeddings"}, 1, kHfMaxContext, defaults.max_position_embeddings, &c->max_seq_len))
           .ok()) {
    return s;
  }
  if (!(s = json.Float({"rms_norm_eps"}, 1e-12, 1, 1e-6, &c->norm_eps)).ok()) return s;
  if (!(s = json.Float({"rope_theta", "rope_parameters.rope_theta"}, 1.0 + 1e-6, 1e12, 10000.0, &c->rope_theta)).ok()) {
    return s;
  }
  if (!(s = json.Bool({"tie_word_embeddings"}, defaults.tie_word_embeddings, &c->tied_embeddings)).ok()) return s;
  std::string act;
  if (!(s = json.String({"hidden_act", "hidden_activation"}, "silu", &act)).ok()) return s;
  if (act != "silu") {
    return json.Error("hidden_act", absl::StrCat("\"", act, "\" is not supported (the engine's FFN is SwiGLU: silu)"));
  }
  if (!(s = RequireFalse(json, "attention_bias", "the engine's attention has no biases")).ok()) return s;
  return RequireFalse(json, "mlp_bias", "the engine's FFN has no biases");
}

absl::Status ReadLlamaLikeConfig(const HfConfigJson& json, bool tie_default, ModelConfig* c) {
  absl::Status s;
  if (!(s = ReadLlamaLikeShape(json, LlamaLikeDefaults{.tie_word_embeddings = tie_default}, c)).ok()) return s;
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
  if (!(s = params.Int({"original_max_position_embeddings"}, 1, kHfMaxContext, std::nullopt, &original)).ok()) return s;
  if (high <= low) {
    return params.Error("high_freq_factor", absl::StrCat(high, " must be greater than low_freq_factor ", low));
  }
  // transformers' _compute_llama3_parameters as divisors of each pair's
  // frequency (what llama.cpp's converter writes as rope_freqs.weight).
  c->rope_freq_factors = Llama3RopeFactors(c->rope_theta, c->head_dim, factor, low, high, original);
  c->llama3_rope_scaling = ModelConfig::Llama3RopeScaling{factor, low, high, original};
  return absl::OkStatus();
}

absl::Status WriteLlamaLikeConfig(const ModelConfig& c, nlohmann::ordered_json* json) {
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
  if (c.llama3_rope_scaling) {
    const ModelConfig::Llama3RopeScaling& r = *c.llama3_rope_scaling;
    j["rope_scaling"] = {{"rope_type", "llama3"},
                         {"factor", r.factor},
                         {"low_freq_factor", r.low_freq_factor},
                         {"high_freq_factor", r.high_freq_factor},
                         {"original_max_position_embeddings", r.original_context}};
  } else if (!c.rope_freq_factors.empty()) {
    return absl::InvalidArgumentError(
        "RoPE frequency factors without their llama3 rope_scaling parameters (a GGUF's rope_freqs.weight) have "
        "no config.json form");
  }
  return absl::OkStatus();
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
