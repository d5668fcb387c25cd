#include "engine/safetensors_checkpoint.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/hf_json.h"

namespace doomscope::engine {
namespace {

// {"metadata": {...}, "weight_map": {...}}; metadata may hold small objects.
constexpr int kIndexDepth = 3;

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// weight_map in name order: tensor -> shard file name.
using WeightMap = std::map<std::string, std::string>;

absl::StatusOr<WeightMap> ParseIndex(const nlohmann::json& index, const std::string& name) {
  if (!index.is_object()) return absl::InvalidArgumentError(absl::StrCat(name, ": expected a JSON object"));
  auto it = index.find("weight_map");
  if (it == index.end()) return absl::InvalidArgumentError(absl::StrCat(name, ": \"weight_map\" is missing"));
  if (!it->is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": \"weight_map\" must be an object, found ", JsonTypeName(*it)));
  }
  WeightMap map;
  for (const auto& [tensor, shard] : it->items()) {
    if (!shard.is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": weight_map[\"", tensor, "\"] must be a file name, found ", JsonTypeName(shard)));
    }
    std::string file = shard.get<std::string>();
    // Shards are files of the folder itself: no paths, so an index cannot point outside it.
    if (file.empty() || file == "." || file == ".." || file.find('/') != std::string::npos ||
        file.find('\\') != std::string::npos || file.find('\0') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": weight_map[\"", tensor, "\"] = \"", file,
                                                     "\" is not a file name in the checkpoint folder"));
    }
    map.emplace(tensor, std::move(file));
  }
  if (map.empty()) return absl::InvalidArgumentError(absl::StrCat(name, ": \"weight_map\" lists no tensors"));
  return map;
}

// The shard names of `map`, each with the first tensor mapped to it (for messages).
std::map<std::string, std::string> ShardsOf(const WeightMap& map) {
  std::map<std::string, std::string> shards;
  for (const auto& [tensor, shard] : map) shards.emplace(shard, tensor);
  return shards;
}

absl::Status CheckAgreement(const WeightMap& map, const std::string& index_name,
                            const std::vector<std::string>& shard_names, const std::vector<SafetensorsFile>& files) {
  std::map<std::string_view, size_t> owner;
  for (size_t i = 0; i < files.size(); ++i) {
    for (const SafetensorsTensor& t : files[i].tensors()) {
      auto [it, inserted] = owner.emplace(t.name, i);
      if (!inserted) {
        return absl::InvalidArgumentError(absl::StrCat(
            "tensor '", t.name, "' is in two shards: ", files[it->second].path(), " and ", files[i].path()));
      }
    }
  }
  for (const auto& [tensor, shard] : map) {
    auto it = owner.find(tensor);
    if (it == owner.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(index_name, " maps tensor '", tensor, "' to ", shard, ", but no shard contains it"));
    }
    if (shard_names[it->second] != shard) {
      return absl::InvalidArgumentError(absl::StrCat(index_name, " maps tensor '", tensor, "' to ", shard,
                                                     ", but it is in ", files[it->second].path()));
    }
  }
  for (const auto& [tensor, i] : owner) {
    if (!map.contains(std::string(tensor))) {
      return absl::InvalidArgumentError(absl::StrCat("tensor '", std::string(tensor), "' of ", files[i].path(),
                                                     " is not in the weight_map of ", index_name));
    }
  }
  return absl::OkStatus();
}

std::string FolderHint(const std::string& dir) {
  if (Exists(dir + "/adapter_model.safetensors")) {
    return " (adapter_model.safetensors is a LoRA adapter: merge it into its base model first)";
  }
  if (Exists(dir + "/pytorch_model.bin") || Exists(dir + "/pytorch_model.bin.index.json")) {
    return " (pytorch_model.bin is a PyTorch pickle, which doomscope does not read: save the model with "
           "safe_serialization=True)";
  }
  std::error_code ec;
  std::vector<std::string> others;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".safetensors") others.push_back(entry.path().filename().string());
  }
  if (!others.empty()) {
    std::sort(others.begin(), others.end());
    return absl::StrCat(" (it has ", absl::StrJoin(others, ", "), ", but a Hugging Face model's weights are named ",
                        std::string(kSafetensorsSingleFile), ")");
  }
  return "";
}

}  // namespace

SafetensorsCheckpoint SafetensorsCheckpoint::FromFile(SafetensorsFile file) {
  SafetensorsCheckpoint c;
  c.source_ = file.path();
  c.files_.push_back(std::move(file));
  c.Index();
  return c;
}

absl::StatusOr<SafetensorsCheckpoint> SafetensorsCheckpoint::Assemble(const nlohmann::json& index,
                                                                      const std::string& index_name,
                                                                      const ShardOpener& open_shard) {
  absl::StatusOr<WeightMap> map = ParseIndex(index, index_name);
  if (!map.ok()) return map.status();
  SafetensorsCheckpoint c;
  c.source_ = index_name;
  std::vector<std::string> names;
  for (const auto& [shard, first_tensor] : ShardsOf(*map)) {
    std::optional<absl::StatusOr<SafetensorsFile>> file = open_shard(shard);
    if (!file.has_value()) {
      return absl::NotFoundError(
          absl::StrCat(index_name, " maps tensor '", first_tensor, "' to shard ", shard, ", which is missing"));
    }
    if (!file->ok()) return file->status();
    names.push_back(shard);
    c.files_.push_back(**std::move(file));
  }
  if (absl::Status s = CheckAgreement(*map, index_name, names, c.files_); !s.ok()) return s;
  c.Index();
  return c;
}

absl::StatusOr<SafetensorsCheckpoint> SafetensorsCheckpoint::FromIndex(
    std::string_view index_json, const std::string& index_name,
    std::vector<std::pair<std::string, SafetensorsFile>> shards) {
  absl::StatusOr<nlohmann::json> json = ParseStrictJson(index_json, index_name, kIndexDepth);
  if (!json.ok()) return json.status();
  return Assemble(*json, index_name, [&](const std::string& shard) -> std::optional<absl::StatusOr<SafetensorsFile>> {
    for (auto& [name, file] : shards) {
      if (name == shard) return file;
    }
    return std::nullopt;
  });
}

absl::StatusOr<SafetensorsCheckpoint> SafetensorsCheckpoint::OpenFolder(const std::string& dir) {
  const std::string index_path = absl::StrCat(dir, "/", std::string(kSafetensorsIndexFile));
  if (Exists(index_path)) {
    absl::StatusOr<nlohmann::json> json = ReadJsonObjectFile(index_path, kIndexDepth);
    if (!json.ok()) return json.status();
    return Assemble(*json, index_path, [&](const std::string& shard) -> std::optional<absl::StatusOr<SafetensorsFile>> {
      const std::string path = absl::StrCat(dir, "/", shard);
      if (!Exists(path)) return std::nullopt;
      return SafetensorsFile::Open(path);
    });
  }
  const std::string single = absl::StrCat(dir, "/", std::string(kSafetensorsSingleFile));
  if (!Exists(single)) {
    return absl::NotFoundError(absl::StrCat(dir, ": no ", std::string(kSafetensorsSingleFile), " and no ",
                                            std::string(kSafetensorsIndexFile), FolderHint(dir)));
  }
  absl::StatusOr<SafetensorsFile> file = SafetensorsFile::Open(single);
  if (!file.ok()) return file.status();
  return FromFile(*std::move(file));
}

void SafetensorsCheckpoint::Index() {
  by_name_.clear();
  for (size_t i = 0; i < files_.size(); ++i) {
    for (const SafetensorsTensor& t : files_[i].tensors()) by_name_.emplace(t.name, std::make_pair(i, &t));
  }
}

const SafetensorsTensor* SafetensorsCheckpoint::Find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second.second;
}

const std::string& SafetensorsCheckpoint::PathOf(const SafetensorsTensor& t) const {
  auto it = by_name_.find(t.name);
  return it == by_name_.end() ? source_ : files_[it->second.first].path();
}

std::vector<const SafetensorsTensor*> SafetensorsCheckpoint::Tensors() const {
  std::vector<const SafetensorsTensor*> all;
  for (const SafetensorsFile& f : files_) {
    for (const SafetensorsTensor& t : f.tensors()) all.push_back(&t);
  }
  return all;
}

}  // namespace doomscope::engine
