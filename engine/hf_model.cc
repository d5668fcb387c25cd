#include "engine/hf_model.h"

#include <sys/stat.h>

#include <cstring>
#include <memory>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/hf_json.h"
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
  }
  return "?";
}

// Builds ModelWeights from the checkpoint's tensors, one table entry at a time.
class WeightsBuilder {
 public:
  WeightsBuilder(const HfArchitecture& arch, const ModelConfig& config, const SafetensorsCheckpoint& checkpoint)
      : arch_(arch), config_(config), checkpoint_(checkpoint), storage_(std::make_shared<WeightStorage>()) {}

  absl::StatusOr<HfModel> Build();

 private:
  absl::Status Take(const std::string& name, HfDim rows, HfDim cols, HfHeadRows head_rows, TensorView* out);
  // A tensor the checkpoint has that nothing took, unless the table allows it.
  absl::Status CheckNothingLeft(const std::string& lm_head_if_ignored) const;

  const HfArchitecture& arch_;
  const ModelConfig& config_;
  const SafetensorsCheckpoint& checkpoint_;
  std::shared_ptr<WeightStorage> storage_;
  absl::flat_hash_set<std::string> used_;
};

absl::Status WeightsBuilder::Take(const std::string& name, HfDim rows_dim, HfDim cols_dim, HfHeadRows head_rows,
                                  TensorView* out) {
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
  const int64_t rows = HfDimSize(rows_dim, config_), cols = HfDimSize(cols_dim, config_);
  std::vector<uint64_t> want = {static_cast<uint64_t>(rows), static_cast<uint64_t>(cols)};
  if (rows_dim == HfDim::kOne) want = {static_cast<uint64_t>(cols)};
  if (t->shape != want) {
    return absl::InvalidArgumentError(
        absl::StrCat(file, ": tensor '", name, "' has shape [", absl::StrJoin(t->shape, ", "),
                     "] but config.json implies [", absl::StrJoin(want, ", "), "] (",
                     rows_dim == HfDim::kOne ? "" : absl::StrCat(DimName(rows_dim), ", "), DimName(cols_dim), ")"));
  }
  const size_t element = DTypeBytes(*dtype, 1);
  const size_t row_bytes = DTypeBytes(*dtype, static_cast<size_t>(cols));
  const bool permute = arch_.qk_rows_from_rotate_half && head_rows != HfHeadRows::kNone;
  const bool aligned = reinterpret_cast<uintptr_t>(t->data.data()) % element == 0;
  const std::byte* data = t->data.data();
  if (permute || !aligned) {
    std::span<std::byte> copy = storage_->Allocate(t->data.size());
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t source = permute ? RotateHalfRowOf(r, config_.head_dim) : r;
      std::memcpy(copy.data() + r * row_bytes, t->data.data() + source * row_bytes, row_bytes);
    }
    data = copy.data();
  }
  *out = TensorView{*dtype, rows, cols, data};
  return absl::OkStatus();
}

absl::Status WeightsBuilder::CheckNothingLeft(const std::string& lm_head_if_ignored) const {
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
    if (!ignored) {
      return absl::InvalidArgumentError(absl::StrCat(
          checkpoint_.PathOf(*t), ": tensor '", t->name, "' is not part of ", std::string(arch_.class_name),
          " as the engine runs it; running without it would give wrong outputs (a bias, an adapter, or a "
          "config.json that does not match the weights?)"));
    }
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
  if (!(s = Take(embedding, HfDim::kVocab, HfDim::kDim, HfHeadRows::kNone, &w.token_embedding)).ok()) return s;
  if (!(s = Take(final_norm, HfDim::kOne, HfDim::kDim, HfHeadRows::kNone, &w.final_norm)).ok()) return s;
  if (config_.tied_embeddings) {
    w.classifier = w.token_embedding;
  } else if (!(s = Take(lm_head, HfDim::kVocab, HfDim::kDim, HfHeadRows::kNone, &w.classifier)).ok()) {
    return absl::Status(s.code(), absl::StrCat(s.message(), "; config.json says tie_word_embeddings is false"));
  }
  w.layers.resize(config_.n_layers);
  for (int i = 0; i < config_.n_layers; ++i) {
    const std::string prefix = absl::StrCat(std::string(arch_.layer_prefix), i, ".");
    for (const HfLayerTensor& t : arch_.layer_tensors) {
      if (!(s = Take(prefix + std::string(t.name), t.rows, t.cols, t.head_rows, &(w.layers[i].*t.field))).ok()) {
        return s;
      }
    }
  }
  if (!(s = CheckNothingLeft(config_.tied_embeddings ? lm_head : std::string())).ok()) return s;
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
