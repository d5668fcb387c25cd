#include "engine/hf_model.h"

#include <sys/stat.h>

#include <cstring>
#include <memory>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/hf_json.h"
#include "engine/hf_tensor_layout.h"
#include "engine/quantize.h"
#include "engine/weight_check.h"
#include "engine/weight_storage.h"

namespace doomscope::engine {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

const char* DimName(HfDim d) {
  switch (d) {
    case HfDim::kOne: return "1";
    case HfDim::kDim: return "hidden_size";
    case HfDim::kHidden: return "intermediate_size";
    case HfDim::kQ: return "num_attention_heads x head_dim";
    case HfDim::kKv: return "num_key_value_heads x head_dim";
    case HfDim::kVocab: return "vocab_size";
    case HfDim::kHeadDim: return "head_dim";
    case HfDim::kThreeDim: return "3 x hidden_size";
    case HfDim::kConvWidth: return "conv_L_cache";
    case HfDim::kQGate: return "2 x num_attention_heads x head_dim";
    case HfDim::kConvChannels:
      return "2 x linear_num_key_heads x linear_key_head_dim + linear_num_value_heads x linear_value_head_dim";
    case HfDim::kValueDim: return "linear_num_value_heads x linear_value_head_dim";
    case HfDim::kValueHeads: return "linear_num_value_heads";
    case HfDim::kValueHeadDim: return "linear_value_head_dim";
    case HfDim::kDeltaConvWidth: return "linear_conv_kernel_dim";
  }
  return "?";
}

// A tensor outside the layers (embedding, final norm, lm_head), described as a table row.
HfLayerTensor TopLevel(std::string_view name, HfDim rows, HfDim cols, HfValues values = HfValues::kAsStored) {
  return HfLayerTensor{.field = nullptr, .name = name, .rows = rows, .cols = cols, .values = values};
}

// Builds ModelWeights from the checkpoint's tensors, one table entry at a time.
class WeightsBuilder {
 public:
  WeightsBuilder(const HfArchitecture& arch, const ModelConfig& config, const SafetensorsCheckpoint& checkpoint)
      : arch_(arch), config_(config), checkpoint_(checkpoint), storage_(std::make_shared<WeightStorage>()) {}

  absl::StatusOr<HfModel> Build();

 private:
  // Maps tensor `name` as `spec` describes it (spec.name is ignored).
  absl::Status Take(const std::string& name, const HfLayerTensor& spec, TensorView* out);
  // `t`'s values in the engine's layout (hf_tensor_layout.h), copied to the heap.
  TensorView Rewrite(const SafetensorsTensor& t, DType dtype, int64_t rows, int64_t cols, const HfTensorLayout& layout);
  // A tensor the checkpoint has that nothing took is an error, unless the
  // table allows it or it belongs to a skipped part (counted in *skipped).
  absl::Status CheckNothingLeft(const std::string& lm_head_if_ignored, std::vector<std::string>* skipped) const;

  const HfArchitecture& arch_;
  const ModelConfig& config_;
  const SafetensorsCheckpoint& checkpoint_;
  std::shared_ptr<WeightStorage> storage_;
  absl::flat_hash_set<std::string> used_;
};

TensorView WeightsBuilder::Rewrite(const SafetensorsTensor& t, DType dtype, int64_t rows, int64_t cols,
                                   const HfTensorLayout& layout) {
  const std::byte* in = t.data.data();
  if (layout.values != HfValues::kAsStored) {
    // Transformed values are float32 (transformers computes them so).
    std::vector<float> stored(static_cast<size_t>(rows * cols));
    DecodeFloats(dtype, t.data, stored);
    std::span<std::byte> copy = storage_->Allocate(stored.size() * sizeof(float));
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t from_row = layout.rows.StoredIndexOf(r);
      for (int64_t c = 0; c < cols; ++c) {
        const float v = HfEngineValue(layout.values, stored[from_row * cols + layout.cols.StoredIndexOf(c)]);
        std::memcpy(copy.data() + (r * cols + c) * sizeof(float), &v, sizeof(float));
      }
    }
    return TensorView{DType::kF32, rows, cols, copy.data()};
  }
  // Rows (or single elements) moved, or data not aligned to its element size.
  const size_t element = DTypeBytes(dtype, 1), row_bytes = DTypeBytes(dtype, static_cast<size_t>(cols));
  std::span<std::byte> copy = storage_->Allocate(t.data.size());
  for (int64_t r = 0; r < rows; ++r) {
    const std::byte* from = in + layout.rows.StoredIndexOf(r) * row_bytes;
    std::byte* to = copy.data() + r * row_bytes;
    if (layout.cols.identity()) {
      std::memcpy(to, from, row_bytes);
      continue;
    }
    for (int64_t c = 0; c < cols; ++c) {
      std::memcpy(to + c * element, from + layout.cols.StoredIndexOf(c) * element, element);
    }
  }
  return TensorView{dtype, rows, cols, copy.data()};
}

absl::Status WeightsBuilder::Take(const std::string& name, const HfLayerTensor& spec, TensorView* out) {
  const SafetensorsTensor* t = checkpoint_.Find(name);
  if (t == nullptr) {
    return absl::NotFoundError(absl::StrCat(checkpoint_.source(), ": tensor '", name, "' is missing (",
                                            std::string(arch_.class_name), " needs it)"));
  }
  used_.insert(name);
  const std::string& file = checkpoint_.PathOf(*t);
  const std::optional<DType> dtype = EngineDTypeOf(t->dtype);
  if (!dtype) {
    return absl::InvalidArgumentError(absl::StrCat(file, ": tensor '", name, "' is ", t->dtype,
                                                   "; the engine reads F32, F16 and BF16 (quantized checkpoints: "
                                                   "use the unquantized one with --dtype q8_0)"));
  }
  const int64_t rows = HfDimSize(spec.rows, config_), cols = HfDimSize(spec.cols, config_);
  std::vector<uint64_t> want = {static_cast<uint64_t>(rows), static_cast<uint64_t>(cols)};
  if (spec.rows == HfDim::kOne) want = {static_cast<uint64_t>(cols)};
  if (spec.unit_middle_dim) want.insert(want.begin() + 1, 1);
  if (t->shape != want) {
    return absl::InvalidArgumentError(
        absl::StrCat(file, ": tensor '", name, "' has shape [", absl::StrJoin(t->shape, ", "),
                     "] but config.json implies [", absl::StrJoin(want, ", "), "] (",
                     spec.rows == HfDim::kOne ? "" : absl::StrCat(DimName(spec.rows), ", "), DimName(spec.cols), ")"));
  }
  const HfTensorLayout layout = HfLayoutOf(arch_, spec, config_);
  const bool aligned = reinterpret_cast<uintptr_t>(t->data.data()) % DTypeBytes(*dtype, 1) == 0;
  if (layout.values != HfValues::kAsStored || !layout.rows.identity() || !layout.cols.identity() || !aligned) {
    *out = Rewrite(*t, *dtype, rows, cols, layout);
  } else {
    *out = TensorView{*dtype, rows, cols, t->data.data()};
  }
  // After the rewrite: an A_log whose exp overflows is as unusable as a NaN.
  if (absl::Status s = CheckTensorFinite(*out, name); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(file, ": ", s.message()));
  }
  return absl::OkStatus();
}

absl::Status WeightsBuilder::CheckNothingLeft(const std::string& lm_head_if_ignored,
                                              std::vector<std::string>* skipped) const {
  std::vector<int> skipped_count(arch_.skipped_parts.size(), 0);
  for (const SafetensorsTensor* t : checkpoint_.Tensors()) {
    if (used_.contains(t->name) || t->name == lm_head_if_ignored) continue;
    bool ignored = false;
    if (t->name.starts_with(arch_.layer_prefix)) {
      const std::string_view rest = std::string_view(t->name).substr(arch_.layer_prefix.size());
      const size_t dot = rest.find('.');
      for (std::string_view suffix : arch_.ignored_layer_tensors) {
        ignored |= dot != std::string_view::npos && rest.substr(dot + 1) == suffix;
      }
    }
    for (size_t p = 0; p < arch_.skipped_parts.size() && !ignored; ++p) {
      if (t->name.starts_with(arch_.skipped_parts[p].prefix)) {
        ++skipped_count[p];
        ignored = true;
      }
    }
    if (!ignored) {
      return absl::InvalidArgumentError(absl::StrCat(
          checkpoint_.PathOf(*t), ": tensor '", t->name, "' is not part of ", std::string(arch_.class_name),
          " as the engine runs it; running without it would give wrong outputs (a bias, an adapter, or a "
          "config.json that does not match the weights?)"));
    }
  }
  for (size_t p = 0; p < arch_.skipped_parts.size(); ++p) {
    if (skipped_count[p] == 0) continue;
    const HfSkippedPart& part = arch_.skipped_parts[p];
    skipped->push_back(absl::StrCat(std::string(part.what), " (", std::string(part.prefix), "*, ", skipped_count[p],
                                    " tensors): not run"));
  }
  return absl::OkStatus();
}

absl::StatusOr<HfModel> WeightsBuilder::Build() {
  HfModel m;
  m.architecture = &arch_;
  ModelWeights& w = m.weights;
  w.config = config_;
  w.source_path = checkpoint_.source();
  absl::Status s;
  const std::string embedding(arch_.embedding), final_norm(arch_.final_norm), lm_head(arch_.lm_head);
  if (!(s = Take(embedding, TopLevel(embedding, HfDim::kVocab, HfDim::kDim), &w.token_embedding)).ok()) return s;
  if (!(s = Take(final_norm, TopLevel(final_norm, HfDim::kOne, HfDim::kDim, arch_.final_norm_values), &w.final_norm))
           .ok()) {
    return s;
  }
  if (config_.tied_embeddings) {
    w.classifier = w.token_embedding;
  } else if (!(s = Take(lm_head, TopLevel(lm_head, HfDim::kVocab, HfDim::kDim), &w.classifier)).ok()) {
    return absl::Status(s.code(), absl::StrCat(s.message(), "; config.json says tie_word_embeddings is false"));
  }
  w.layers.resize(config_.n_layers);
  for (int i = 0; i < config_.n_layers; ++i) {
    const std::string prefix = absl::StrCat(std::string(arch_.layer_prefix), i, ".");
    w.layers[i].kind = config_.layer_kind(i);
    for (const HfLayerTensor& t : arch_.layer_tensors) {
      if (!HfLayerHolds(t, config_, i)) continue;
      if (!(s = Take(prefix + std::string(t.name), t, &(w.layers[i].*t.field))).ok()) return s;
    }
  }
  if (!(s = CheckNothingLeft(config_.tied_embeddings ? lm_head : std::string(), &w.skipped)).ok()) return s;
  for (const SafetensorsFile& f : checkpoint_.files()) storage_->Keep(f.file());
  m.copied_bytes = storage_->allocated_bytes();
  w.storage = std::move(storage_);
  return m;
}

}  // namespace

absl::StatusOr<const HfArchitecture*> HfArchitectureOf(const HfConfigJson& config) {
  std::string_view key;
  if (const nlohmann::json* names = config.Find({"architectures"}, &key)) {
    if (!names->is_array() || names->empty()) {
      return config.Error(key, absl::StrCat("must be a non-empty list of class names, found ", JsonTypeName(*names)));
    }
    std::vector<std::string> listed;
    for (const nlohmann::json& n : *names) {
      if (!n.is_string()) return config.Error(key, absl::StrCat("entries must be strings, found ", JsonTypeName(n)));
      if (const HfArchitecture* a = FindHfArchitecture(n.get<std::string>())) return a;
      listed.push_back(n.get<std::string>());
    }
    return absl::InvalidArgumentError(absl::StrCat(config.path(), ": architecture ", absl::StrJoin(listed, ", "),
                                                   " is not supported (supported: ", HfArchitectureNames(), ")"));
  }
  std::string model_type;
  if (absl::Status s = config.String({"model_type"}, std::nullopt, &model_type); !s.ok()) {
    return config.Error("architectures", "is missing, and so is model_type: which model is this?");
  }
  if (const HfArchitecture* a = FindHfArchitectureByModelType(model_type)) return a;
  return absl::InvalidArgumentError(absl::StrCat(config.path(), ": model_type \"", model_type,
                                                 "\" is not supported (supported: ", HfArchitectureNames(), ")"));
}

absl::StatusOr<HfModel> HfModelFromParts(const HfConfigJson& config, SafetensorsCheckpoint checkpoint,
                                         const HfConfigJson* generation_config) {
  absl::StatusOr<const HfArchitecture*> arch = HfArchitectureOf(config);
  if (!arch.ok()) return arch.status();
  if (const nlohmann::json* q = config.Find({"quantization_config"})) {
    const std::string method = q->is_object() && q->contains("quant_method") && (*q)["quant_method"].is_string()
                                   ? (*q)["quant_method"].get<std::string>()
                                   : "unknown";
    return config.Error("quantization_config",
                        absl::StrCat("a ", method,
                                     "-quantized checkpoint is not supported; use the unquantized "
                                     "weights (--dtype q8_0 quantizes them on load)"));
  }
  ModelConfig c;
  if (absl::Status s = (*arch)->read_config(config, &c); !s.ok()) return s;
  c.arch = (*arch)->engine_arch;
  absl::StatusOr<HfModel> model = WeightsBuilder(**arch, c, checkpoint).Build();
  if (!model.ok()) return model.status();
  // transformers fills generation_config from config.json when the file is absent.
  absl::StatusOr<HfGenerationConfig> gen =
      ReadHfGenerationConfig(generation_config != nullptr ? *generation_config : config, c.vocab_size);
  if (!gen.ok()) return gen.status();
  model->generation = *std::move(gen);
  return model;
}

absl::StatusOr<HfModel> LoadHfFolder(const std::string& dir) {
  const std::string config_path = absl::StrCat(dir, "/", std::string(kHfConfigFile));
  if (!Exists(config_path)) {
    return absl::NotFoundError(
        absl::StrCat(dir, ": no ", std::string(kHfConfigFile), " (not a Hugging Face model folder)"));
  }
  absl::StatusOr<HfConfigJson> config = HfConfigJson::Read(config_path);
  if (!config.ok()) return config.status();
  // The architecture first: an unsupported model says so before any weight is opened.
  if (absl::StatusOr<const HfArchitecture*> arch = HfArchitectureOf(*config); !arch.ok()) return arch.status();
  std::optional<HfConfigJson> generation;
  const std::string generation_path = absl::StrCat(dir, "/", std::string(kHfGenerationConfigFile));
  if (Exists(generation_path)) {
    absl::StatusOr<HfConfigJson> g = HfConfigJson::Read(generation_path);
    if (!g.ok()) return g.status();
    generation = *std::move(g);
  }
  absl::StatusOr<SafetensorsCheckpoint> checkpoint = SafetensorsCheckpoint::OpenFolder(dir);
  if (!checkpoint.ok()) return checkpoint.status();
  absl::StatusOr<HfModel> model =
      HfModelFromParts(*config, *std::move(checkpoint), generation ? &*generation : nullptr);
  if (!model.ok()) return model.status();
  model->weights.source_path = dir;
  return model;
}

}  // namespace doomscope::engine
