#include "engine/hf_qwen35.h"

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "engine/gated_delta_rule.h"
#include "engine/hf_json.h"

namespace doomscope::engine {
namespace {

constexpr std::string_view kLinearAttention = "linear_attention";
constexpr std::string_view kFullAttention = "full_attention";

// Layer kinds: layer_types, else every full_attention_interval-th layer is
// full attention (Qwen3_5TextConfig.__post_init__, default 4).
absl::Status ReadLayerKinds(const HfConfigJson& json, ModelConfig* c) {
  constexpr HfLayerType kTypes[] = {{kLinearAttention, LayerKind::kGatedDelta},
                                    {kFullAttention, LayerKind::kAttention}};
  bool listed = false;
  if (absl::Status s = ReadLayerTypes(json, kTypes, c, &listed); !s.ok() || listed) return s;
  int interval = 0;
  if (absl::Status s = json.Int({"full_attention_interval"}, 1, kHfMaxLayers, 4, &interval); !s.ok()) return s;
  c->layer_kinds.assign(c->n_layers, LayerKind::kGatedDelta);
  for (int l = 0; l < c->n_layers; ++l) {
    if ((l + 1) % interval == 0) c->layer_kinds[l] = LayerKind::kAttention;
  }
  return absl::OkStatus();
}

// The Gated DeltaNet's shape: no defaults (a wrong guess would only show as
// a tensor shape error far from its cause).
absl::Status ReadDeltaNet(const HfConfigJson& json, ModelConfig* c) {
  DeltaNetConfig& d = c->delta_net;
  absl::Status s;
  if (!(s = json.Int({"linear_num_key_heads"}, 1, kHfMaxDim, std::nullopt, &d.num_k_heads)).ok()) return s;
  if (!(s = json.Int({"linear_num_value_heads"}, 1, kHfMaxDim, std::nullopt, &d.num_v_heads)).ok()) return s;
  if (!(s = json.Int({"linear_key_head_dim"}, 1, kHfMaxDim, std::nullopt, &d.head_k_dim)).ok()) return s;
  if (!(s = json.Int({"linear_value_head_dim"}, 1, kHfMaxDim, std::nullopt, &d.head_v_dim)).ok()) return s;
  if (!(s = json.Int({"linear_conv_kernel_dim"}, 1, kMaxGatedDeltaConvKernel, 4, &d.conv_kernel)).ok()) return s;
  if (d.num_v_heads % d.num_k_heads != 0) {
    return json.Error("linear_num_value_heads",
                      absl::StrCat(d.num_v_heads, " is not a multiple of linear_num_key_heads ", d.num_k_heads));
  }
  // The loader puts the value heads in llama.cpp's tiled order (hf_tensor_layout.h);
  // q and k are L2-normalized as transformers does.
  d.tiled_key_heads = true;
  d.l2_norm_clamped = false;
  return absl::OkStatus();
}

// rope_parameters (or the older rope_scaling): the default RoPE or M-RoPE,
// whose sections only tell image positions apart (a text token has the same
// position in each: plain rotate-half RoPE, docs/qwen35.md F18), over the
// first head_dim x partial_rotary_factor dimensions.
absl::Status ReadRope(const HfConfigJson& json, ModelConfig* c) {
  c->rope_layout = RopeLayout::kHalves;
  std::string_view key;
  if (const nlohmann::json* params = json.Find({"rope_parameters", "rope_scaling"}, &key)) {
    if (!params->is_object()) return json.Error(key, absl::StrCat("must be an object, found ", JsonTypeName(*params)));
    const HfConfigJson p(*params, absl::StrCat(json.path(), ": ", std::string(key)));
    std::string type;
    if (absl::Status s = p.String({"rope_type", "type"}, "default", &type); !s.ok()) return s;
    if (type != "default" && type != "mrope") {
      return p.Error("rope_type", absl::StrCat("\"", type, "\" is not supported (default and mrope are)"));
    }
    if (const nlohmann::json* sections = p.Find({"mrope_section"})) {
      if (!sections->is_array()) return p.Error("mrope_section", "must be a list of integers");
      for (const nlohmann::json& v : *sections) {
        if (!v.is_number_integer() || v.get<int64_t>() < 0) {
          return p.Error("mrope_section", absl::StrCat("holds ", v.dump(), "; must be non-negative integers"));
        }
      }
    }
  }
  float partial = 0;
  if (absl::Status s =
          json.Float({"rope_parameters.partial_rotary_factor", "partial_rotary_factor"}, 1e-6, 1, 0.25, &partial);
      !s.ok()) {
    return s;
  }
  // transformers: dim = int(head_dim * partial_rotary_factor).
  const int rotary = static_cast<int>(c->head_dim * static_cast<double>(partial));
  if (rotary < 2 || rotary % 2 != 0) {
    return json.Error("partial_rotary_factor",
                      absl::StrCat(partial, " gives ", rotary, " rotary dimensions of head_dim ", c->head_dim,
                                   "; RoPE rotates pairs"));
  }
  c->rope_dims = rotary == c->head_dim ? 0 : rotary;
  return absl::OkStatus();
}

constexpr HfLayerTensor kQwen35Layer[] = {
    {.field = &LayerWeights::attn_norm,
     .name = "input_layernorm.weight",
     .rows = HfDim::kOne,
     .cols = HfDim::kDim,
     .values = HfValues::kOnePlus},
    // Full-attention layers: q_proj holds each head's query rows then its gate rows, as GGUF's attn_q.
    {.field = &LayerWeights::wq,
     .name = "self_attn.q_proj.weight",
     .rows = HfDim::kQGate,
     .cols = HfDim::kDim,
     .layers = HfLayers::kAttention},
    {.field = &LayerWeights::wk,
     .name = "self_attn.k_proj.weight",
     .rows = HfDim::kKv,
     .cols = HfDim::kDim,
     .layers = HfLayers::kAttention},
    {.field = &LayerWeights::wv,
     .name = "self_attn.v_proj.weight",
     .rows = HfDim::kKv,
     .cols = HfDim::kDim,
     .layers = HfLayers::kAttention},
    {.field = &LayerWeights::wo,
     .name = "self_attn.o_proj.weight",
     .rows = HfDim::kDim,
     .cols = HfDim::kQ,
     .layers = HfLayers::kAttention},
    {.field = &LayerWeights::q_norm,
     .name = "self_attn.q_norm.weight",
     .rows = HfDim::kOne,
     .cols = HfDim::kHeadDim,
     .layers = HfLayers::kAttention,
     .values = HfValues::kOnePlus},
    {.field = &LayerWeights::k_norm,
     .name = "self_attn.k_norm.weight",
     .rows = HfDim::kOne,
     .cols = HfDim::kHeadDim,
     .layers = HfLayers::kAttention,
     .values = HfValues::kOnePlus},
    // Linear-attention (Gated DeltaNet) layers.
    {.field = &LayerWeights::ssm_qkv,
     .name = "linear_attn.in_proj_qkv.weight",
     .rows = HfDim::kConvChannels,
     .cols = HfDim::kDim,
     .layers = HfLayers::kGatedDelta,
     .value_heads = HfValueHeads::kRowsAfterQk},
    {.field = &LayerWeights::ssm_gate,
     .name = "linear_attn.in_proj_z.weight",
     .rows = HfDim::kValueDim,
     .cols = HfDim::kDim,
     .layers = HfLayers::kGatedDelta,
     .value_heads = HfValueHeads::kRows},
    {.field = &LayerWeights::ssm_beta,
     .name = "linear_attn.in_proj_b.weight",
     .rows = HfDim::kValueHeads,
     .cols = HfDim::kDim,
     .layers = HfLayers::kGatedDelta,
     .value_heads = HfValueHeads::kRowPerHead},
    {.field = &LayerWeights::ssm_alpha,
     .name = "linear_attn.in_proj_a.weight",
     .rows = HfDim::kValueHeads,
     .cols = HfDim::kDim,
     .layers = HfLayers::kGatedDelta,
     .value_heads = HfValueHeads::kRowPerHead},
    // nn.Conv1d's [C][1][K] kernel: GGUF's ssm_conv1d with its middle axis.
    {.field = &LayerWeights::ssm_conv,
     .name = "linear_attn.conv1d.weight",
     .rows = HfDim::kConvChannels,
     .cols = HfDim::kDeltaConvWidth,
     .layers = HfLayers::kGatedDelta,
     .unit_middle_dim = true,
     .value_heads = HfValueHeads::kRowsAfterQk},
    {.field = &LayerWeights::ssm_dt_bias,
     .name = "linear_attn.dt_bias",
     .rows = HfDim::kOne,
     .cols = HfDim::kValueHeads,
     .layers = HfLayers::kGatedDelta,
     .value_heads = HfValueHeads::kColPerHead},
    {.field = &LayerWeights::ssm_a,
     .name = "linear_attn.A_log",
     .rows = HfDim::kOne,
     .cols = HfDim::kValueHeads,
     .layers = HfLayers::kGatedDelta,
     .values = HfValues::kNegExp,
     .value_heads = HfValueHeads::kColPerHead},
    // The gated norm's weight is used as stored in both formats (Qwen3_5RMSNormGated).
    {.field = &LayerWeights::ssm_norm,
     .name = "linear_attn.norm.weight",
     .rows = HfDim::kOne,
     .cols = HfDim::kValueHeadDim,
     .layers = HfLayers::kGatedDelta},
    {.field = &LayerWeights::ssm_out,
     .name = "linear_attn.out_proj.weight",
     .rows = HfDim::kDim,
     .cols = HfDim::kValueDim,
     .layers = HfLayers::kGatedDelta,
     .value_heads = HfValueHeads::kCols},
    // The pre-FFN norm (GGUF's post_attention_norm).
    {.field = &LayerWeights::ffn_norm,
     .name = "post_attention_layernorm.weight",
     .rows = HfDim::kOne,
     .cols = HfDim::kDim,
     .values = HfValues::kOnePlus},
    {.field = &LayerWeights::w_gate, .name = "mlp.gate_proj.weight", .rows = HfDim::kHidden, .cols = HfDim::kDim},
    {.field = &LayerWeights::w_up, .name = "mlp.up_proj.weight", .rows = HfDim::kHidden, .cols = HfDim::kDim},
    {.field = &LayerWeights::w_down, .name = "mlp.down_proj.weight", .rows = HfDim::kDim, .cols = HfDim::kHidden},
};

constexpr HfSkippedPart kQwen35Skipped[] = {
    {"model.visual.", "vision tower"},
    {"mtp.", "multi-token-prediction layers"},
};

}  // namespace

absl::Status ReadQwen35Config(const HfConfigJson& json, ModelConfig* c) {
  absl::Status s;
  // Qwen3_5TextConfig's defaults: head_dim 256, 32768 positions, untied.
  const LlamaLikeDefaults defaults{.tie_word_embeddings = false, .head_dim = 256, .max_position_embeddings = 32768};
  if (!(s = ReadLlamaLikeShape(json, defaults, c)).ok()) return s;
  for (std::string_view key : {"num_experts", "num_experts_per_tok"}) {
    int experts = 0;
    if (!(s = json.Int({key}, 0, 1 << 20, 0, &experts)).ok()) return s;
    if (experts > 0) return json.Error(key, "mixture-of-experts layers (Qwen3.5-MoE) are not supported");
  }
  // transformers' Qwen3_5Attention always gates its output; a config that says otherwise is another model.
  bool gate = true;
  if (!(s = json.Bool({"attn_output_gate"}, true, &gate)).ok()) return s;
  if (!gate) return json.Error("attn_output_gate", "false is not supported (Qwen3.5's attention gates its output)");
  c->attention_output_gate = true;
  if (!(s = ReadRope(json, c)).ok()) return s;
  if (!(s = ReadLayerKinds(json, c)).ok()) return s;
  return ReadDeltaNet(json, c);
}

absl::Status ReadQwen35MultimodalConfig(const HfConfigJson& json, ModelConfig* c) {
  const nlohmann::json* text = json.Find({"text_config"});
  if (text == nullptr) {
    return json.Error("text_config",
                      "is missing (Qwen3_5ForConditionalGeneration keeps the language model's fields there)");
  }
  if (!text->is_object())
    return json.Error("text_config", absl::StrCat("must be an object, found ", JsonTypeName(*text)));
  const HfConfigJson text_json(*text, absl::StrCat(json.path(), ": text_config"));
  if (absl::Status s = ReadQwen35Config(text_json, c); !s.ok()) return s;
  if (text_json.Find({"tie_word_embeddings"}) != nullptr) return absl::OkStatus();
  return json.Bool({"tie_word_embeddings"}, false, &c->tied_embeddings);
}

absl::Status WriteQwen35Config(const ModelConfig& c, nlohmann::ordered_json* json) {
  nlohmann::ordered_json& j = *json;
  j["architectures"] = {"Qwen3_5ForCausalLM"};
  j["model_type"] = "qwen3_5_text";
  if (absl::Status s = WriteLlamaLikeConfig(c, json); !s.ok()) return s;
  j["attention_bias"] = false;
  j["attn_output_gate"] = true;
  nlohmann::ordered_json types = nlohmann::ordered_json::array();
  for (int l = 0; l < c.n_layers; ++l) {
    types.push_back(std::string(c.layer_kind(l) == LayerKind::kAttention ? kFullAttention : kLinearAttention));
  }
  j["layer_types"] = types;
  const DeltaNetConfig& d = c.delta_net;
  j["linear_conv_kernel_dim"] = d.conv_kernel;
  j["linear_key_head_dim"] = d.head_k_dim;
  j["linear_num_key_heads"] = d.num_k_heads;
  j["linear_num_value_heads"] = d.num_v_heads;
  j["linear_value_head_dim"] = d.head_v_dim;
  const int rotary = c.rope_dims > 0 ? c.rope_dims : c.head_dim;
  const float partial = static_cast<float>(rotary) / static_cast<float>(c.head_dim);
  if (static_cast<int>(c.head_dim * static_cast<double>(partial)) != rotary) {
    return absl::InvalidArgumentError(
        absl::StrCat(rotary, " rotary dimensions of ", c.head_dim, " have no exact partial_rotary_factor"));
  }
  j["partial_rotary_factor"] = partial;
  // M-RoPE sections over the rotary pairs as Qwen3.5's [11, 11, 10] splits 32.
  const int pairs = rotary / 2, t = (pairs + 2) / 3, h = (pairs - t + 1) / 2;
  j["rope_parameters"] = {{"rope_type", "default"},
                          {"rope_theta", c.rope_theta},
                          {"partial_rotary_factor", partial},
                          {"mrope_section", {t, h, pairs - t - h}},
                          {"mrope_interleaved", true}};
  j["mtp_num_hidden_layers"] = 0;
  return absl::OkStatus();
}

absl::Status WriteQwen35MultimodalConfig(const ModelConfig& c, nlohmann::ordered_json* json) {
  nlohmann::ordered_json text = nlohmann::ordered_json::object();
  if (absl::Status s = WriteQwen35Config(c, &text); !s.ok()) return s;
  text.erase("architectures");
  nlohmann::ordered_json& j = *json;
  j["architectures"] = {"Qwen3_5ForConditionalGeneration"};
  j["model_type"] = "qwen3_5";
  j["text_config"] = std::move(text);
  j["tie_word_embeddings"] = c.tied_embeddings;
  return absl::OkStatus();
}

std::span<const HfLayerTensor> Qwen35LayerTensors() { return kQwen35Layer; }

std::span<const HfSkippedPart> Qwen35SkippedParts() { return kQwen35Skipped; }

}  // namespace doomscope::engine
