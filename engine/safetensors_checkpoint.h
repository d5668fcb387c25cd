// All the tensors of a Hugging Face checkpoint folder, from one
// `model.safetensors` or from the shards that `model.safetensors.index.json`
// lists ({"metadata": {...}, "weight_map": {tensor name: shard file name}}).
//
// Every file is validated by SafetensorsFile. For a sharded checkpoint the
// index and the shards must agree exactly: every shard the index names
// exists (a plain file name inside the folder), every tensor the index maps
// is in its shard, no tensor is in two shards, and no shard holds a tensor
// the index does not map to it. A mismatch usually means shards of two
// different saves, so it is an error naming the tensor and the files.
#ifndef DOOMSCOPE_ENGINE_SAFETENSORS_CHECKPOINT_H_
#define DOOMSCOPE_ENGINE_SAFETENSORS_CHECKPOINT_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "engine/safetensors_reader.h"
#include "nlohmann/json.hpp"

namespace doomscope::engine {

inline constexpr std::string_view kSafetensorsSingleFile = "model.safetensors";
inline constexpr std::string_view kSafetensorsIndexFile = "model.safetensors.index.json";

// Move-only: the name index points into the files' tensor lists.
class SafetensorsCheckpoint {
 public:
  SafetensorsCheckpoint(SafetensorsCheckpoint&&) = default;
  SafetensorsCheckpoint& operator=(SafetensorsCheckpoint&&) = default;
  SafetensorsCheckpoint(const SafetensorsCheckpoint&) = delete;
  SafetensorsCheckpoint& operator=(const SafetensorsCheckpoint&) = delete;

  // The weights of folder `dir`: the index when there is one, else
  // model.safetensors. The error for a folder with neither says what it holds
  // instead (PyTorch pickles, a LoRA adapter) when it recognizes it.
  static absl::StatusOr<SafetensorsCheckpoint> OpenFolder(const std::string& dir);
  // Shards given directly: an index's text (named `index_name` in errors)
  // and the parsed files it may name, keyed by file name. For tests and fuzzing.
  static absl::StatusOr<SafetensorsCheckpoint> FromIndex(std::string_view index_json, const std::string& index_name,
                                                         std::vector<std::pair<std::string, SafetensorsFile>> shards);
  static SafetensorsCheckpoint FromFile(SafetensorsFile file);

  const SafetensorsTensor* Find(std::string_view name) const;
  // The file a tensor found by Find lives in (for messages).
  const std::string& PathOf(const SafetensorsTensor& t) const;
  // Every tensor, shard by shard, each in file order.
  std::vector<const SafetensorsTensor*> Tensors() const;
  const std::vector<SafetensorsFile>& files() const { return files_; }
  // What the checkpoint was read from: model.safetensors or the index file.
  const std::string& source() const { return source_; }

 private:
  SafetensorsCheckpoint() = default;
  // Opens shard `name` (nullopt when it does not exist).
  using ShardOpener = std::function<std::optional<absl::StatusOr<SafetensorsFile>>(const std::string& name)>;
  // Reads an index's weight_map, opens its shards and checks that they agree.
  static absl::StatusOr<SafetensorsCheckpoint> Assemble(const nlohmann::json& index, const std::string& index_name,
                                                        const ShardOpener& open_shard);
  // Fills by_name_ from files_ (each name once: callers checked that).
  void Index();

  std::vector<SafetensorsFile> files_;
  absl::flat_hash_map<std::string_view, std::pair<size_t, const SafetensorsTensor*>> by_name_;  // -> (file, tensor)
  std::string source_;
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_SAFETENSORS_CHECKPOINT_H_
