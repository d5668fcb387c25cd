#include "engine/hf_writer.h"

#include <cstring>
#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"
#include "engine/atomic_file.h"
#include "engine/hf_architectures.h"
#include "engine/hf_json.h"
#include "engine/hf_model.h"
#include "engine/hf_tensor_layout.h"
#include "engine/hf_tokenizer_writer.h"
#include "engine/mapped_file.h"
#include "engine/quantize.h"
#include "engine/safetensors_checkpoint.h"
#include "engine/safetensors_reader.h"
#include "engine/safetensors_writer.h"

namespace doomscope::engine {
namespace {

namespace fs = std::filesystem;

absl::Status WriteJson(const std::string& path, const nlohmann::ordered_json& json) {
  return WriteFileAtomically(path, json.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
}

const char* TorchDTypeName(DType t) {
  switch (t) {
    case DType::kF32: return "float32";
    case DType::kF16: return "float16";
    case DType::kBF16: return "bfloat16";
    case DType::kQ8_0: return "q8_0";
  }
  return "?";
}

// Adds `view` as tensor `name` in its stored layout (hf_tensor_layout.h),
// 1-D with `one_dimensional`, [rows][1][cols] with `unit_middle_dim` (a
// Conv1d kernel). Transformed values are stored as float32, each checked to
// load back as the same bits.
absl::Status AddView(SafetensorsWriter& w, const std::string& name, const TensorView& view, bool one_dimensional,
                     bool unit_middle_dim, const HfTensorLayout& layout) {
  const std::optional<std::string_view> dtype = SafetensorsNameOf(view.dtype);
  if (!dtype) {
    return absl::InvalidArgumentError(absl::StrCat("tensor '", name, "' is ", DTypeName(view.dtype),
                                                   ", which safetensors cannot hold (write f32, f16 or bf16)"));
  }
  std::vector<uint64_t> shape = {static_cast<uint64_t>(view.rows), static_cast<uint64_t>(view.cols)};
  if (one_dimensional) shape = {static_cast<uint64_t>(view.rows * view.cols)};
  if (unit_middle_dim) shape.insert(shape.begin() + 1, 1);
  if (layout.values != HfValues::kAsStored) {
    std::vector<float> engine(static_cast<size_t>(view.rows * view.cols));
    DecodeFloats(view.dtype, std::span<const std::byte>(view.data, view.bytes()), engine);
    auto stored = std::make_shared<std::vector<float>>(engine.size());
    for (int64_t r = 0; r < view.rows; ++r) {
      for (int64_t c = 0; c < view.cols; ++c) {
        absl::StatusOr<float> v = HfStoredValue(layout.values, engine[r * view.cols + c]);
        if (!v.ok()) return absl::InvalidArgumentError(absl::StrCat("tensor '", name, "': ", v.status().message()));
        (*stored)[layout.rows.StoredIndexOf(r) * view.cols + layout.cols.StoredIndexOf(c)] = *v;
      }
    }
    return w.AddTensor(name, "F32", std::move(shape),
                       [stored](std::span<std::byte> out) { std::memcpy(out.data(), stored->data(), out.size()); });
  }
  return w.AddTensor(name, std::string(*dtype), std::move(shape), [view, layout](std::span<std::byte> out) {
    const size_t element = DTypeBytes(view.dtype, 1),
                 row_bytes = DTypeBytes(view.dtype, static_cast<size_t>(view.cols));
    for (int64_t r = 0; r < view.rows; ++r) {
      const std::byte* from = view.data + r * row_bytes;
      std::byte* to = out.data() + layout.rows.StoredIndexOf(r) * row_bytes;
      if (layout.cols.identity()) {
        std::memcpy(to, from, row_bytes);
        continue;
      }
      for (int64_t c = 0; c < view.cols; ++c) {
        std::memcpy(to + layout.cols.StoredIndexOf(c) * element, from + c * element, element);
      }
    }
  });
}

absl::Status AddWeights(const HfArchitecture& arch, const ModelWeights& w, SafetensorsWriter& out) {
  absl::Status s;
  const HfTensorLayout plain;
  HfTensorLayout final_norm;
  final_norm.values = arch.final_norm_values;
  if (!(s = AddView(out, std::string(arch.embedding), w.token_embedding, false, false, plain)).ok()) return s;
  if (!(s = AddView(out, std::string(arch.final_norm), w.final_norm, true, false, final_norm)).ok()) return s;
  if (!w.config.tied_embeddings &&
      !(s = AddView(out, std::string(arch.lm_head), w.classifier, false, false, plain)).ok()) {
    return s;
  }
  for (size_t i = 0; i < w.layers.size(); ++i) {
    for (const HfLayerTensor& t : arch.layer_tensors) {
      if (!HfLayerHolds(t, w.config, static_cast<int>(i))) continue;
      const std::string name = absl::StrCat(std::string(arch.layer_prefix), i, ".", std::string(t.name));
      if (!(s = AddView(out, name, w.layers[i].*t.field, t.rows == HfDim::kOne, t.unit_middle_dim,
                        HfLayoutOf(arch, t, w.config)))
               .ok()) {
        return s;
      }
    }
  }
  return absl::OkStatus();
}

// The largest token id `tokenizer_json` defines (vocabulary and added tokens).
absl::StatusOr<int64_t> MaxTokenId(const std::string& path) {
  absl::StatusOr<nlohmann::json> t = ReadJsonObjectFile(path, 64, size_t{1} << 30);
  if (!t.ok()) return t.status();
  int64_t max_id = -1;
  auto take = [&](const nlohmann::json& id) {
    if (id.is_number_integer()) max_id = std::max(max_id, id.get<int64_t>());
  };
  if (auto model = t->find("model"); model != t->end() && model->is_object()) {
    if (auto vocab = model->find("vocab"); vocab != model->end() && vocab->is_object()) {
      for (const auto& [piece, id] : vocab->items()) take(id);
    }
  }
  if (auto added = t->find("added_tokens"); added != t->end() && added->is_array()) {
    for (const nlohmann::json& a : *added) {
      if (a.is_object() && a.contains("id")) take(a["id"]);
    }
  }
  if (max_id < 0) return absl::InvalidArgumentError(absl::StrCat(path, ": defines no tokens (not a tokenizer.json?)"));
  return max_id;
}

absl::Status CopyFile(const std::string& from, const std::string& to) {
  absl::StatusOr<std::shared_ptr<const MappedFile>> f = MappedFile::Open(from);
  if (!f.ok()) return f.status();
  return WriteFileAtomically(to, std::string_view(reinterpret_cast<const char*>((*f)->data()), (*f)->size()));
}

absl::Status WriteTokenizer(const HfWriteOptions& options, const ModelConfig& c, const std::string& dir) {
  if (!options.tokenizer_json.empty()) {
    absl::StatusOr<int64_t> max_id = MaxTokenId(options.tokenizer_json);
    if (!max_id.ok()) return max_id.status();
    if (*max_id >= c.vocab_size) {
      return absl::InvalidArgumentError(absl::StrCat(options.tokenizer_json, ": token id ", *max_id,
                                                     " does not fit the model's vocabulary of ", c.vocab_size));
    }
    if (absl::Status s = CopyFile(options.tokenizer_json, dir + "/tokenizer.json"); !s.ok()) return s;
    const std::string config = (fs::path(options.tokenizer_json).parent_path() / "tokenizer_config.json").string();
    std::error_code ec;
    if (fs::is_regular_file(config, ec)) return CopyFile(config, dir + "/tokenizer_config.json");
    return absl::OkStatus();
  }
  if (options.vocab == nullptr) {
    return absl::InvalidArgumentError("no tokenizer to write (a vocabulary or a tokenizer.json)");
  }
  const TokenizerVocab& v = *options.vocab;
  if (static_cast<int>(v.pieces.size()) > c.vocab_size) {
    return absl::InvalidArgumentError(
        absl::StrCat(v.source, ": ", v.pieces.size(), " tokens do not fit the model's vocabulary of ", c.vocab_size));
  }
  absl::StatusOr<nlohmann::ordered_json> tokenizer = HfTokenizerJson(v);
  if (!tokenizer.ok()) return tokenizer.status();
  if (absl::Status s = WriteJson(dir + "/tokenizer.json", *tokenizer); !s.ok()) return s;
  return WriteJson(dir + "/tokenizer_config.json", HfTokenizerConfigJson(v, c.max_seq_len));
}

}  // namespace

absl::Status WriteHfFolder(const ModelWeights& w, const HfWriteOptions& options, const std::string& dir) {
  const HfArchitecture* arch = HfArchitectureFor(w.config.arch);
  if (arch == nullptr) {
    return absl::InvalidArgumentError("this architecture has no Hugging Face form in the table (hf_architectures.cc)");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::PermissionDeniedError(absl::StrCat(dir, ": cannot create the folder: ", ec.message()));

  SafetensorsWriter tensors;
  tensors.AddMetadata("format", "pt");
  if (absl::Status s = AddWeights(*arch, w, tensors); !s.ok()) return s;
  nlohmann::ordered_json config = nlohmann::ordered_json::object();
  if (absl::Status s = arch->write_config(w.config, &config); !s.ok()) return s;
  config["torch_dtype"] = TorchDTypeName(w.token_embedding.dtype);
  nlohmann::ordered_json generation = nlohmann::ordered_json::object();
  if (options.vocab != nullptr) {
    for (nlohmann::ordered_json* j : {&config, &generation}) {
      (*j)["bos_token_id"] = options.vocab->bos_id;
      (*j)["eos_token_id"] = options.vocab->eos_id;
    }
  }
  absl::Status s = tensors.WriteFile(absl::StrCat(dir, "/", std::string(kSafetensorsSingleFile)));
  if (s.ok()) s = WriteJson(absl::StrCat(dir, "/", std::string(kHfConfigFile)), config);
  if (s.ok()) s = WriteJson(absl::StrCat(dir, "/", std::string(kHfGenerationConfigFile)), generation);
  if (s.ok()) s = WriteTokenizer(options, w.config, dir);
  return s;
}

}  // namespace doomscope::engine
