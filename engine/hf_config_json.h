// Typed reads of a Hugging Face config file (config.json,
// generation_config.json) with the aliases real configs use: each read names
// the keys it accepts, the first present one wins, and a wrong type or an
// out-of-range value is an error naming the file and the key. A key given as
// "a.b" is field b of object a (transformers v5 moved rope_theta into
// "rope_parameters"). A null value counts as absent, as in transformers.
#ifndef DOOMSCOPE_ENGINE_HF_CONFIG_JSON_H_
#define DOOMSCOPE_ENGINE_HF_CONFIG_JSON_H_

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace doomscope::engine {

using HfKeys = std::initializer_list<std::string_view>;

class HfConfigJson {
 public:
  // Reads and parses `path` (a JSON object).
  static absl::StatusOr<HfConfigJson> Read(const std::string& path);
  HfConfigJson(nlohmann::json json, std::string path) : json_(std::move(json)), path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  const nlohmann::json& json() const { return json_; }

  // The value of the first of `keys` present (and not null), or null; `*key`
  // receives that key.
  const nlohmann::json* Find(HfKeys keys, std::string_view* key = nullptr) const;

  // Each reads the first present key of `keys` into *out. Absent: `fallback`
  // when given, else an error saying the (first) key is missing.
  absl::Status Int(HfKeys keys, int64_t lo, int64_t hi, std::optional<int64_t> fallback, int* out) const;
  absl::Status Float(HfKeys keys, double lo, double hi, std::optional<double> fallback, float* out) const;
  absl::Status Bool(HfKeys keys, std::optional<bool> fallback, bool* out) const;
  absl::Status String(HfKeys keys, std::optional<std::string> fallback, std::string* out) const;
  // An integer or a list of integers (eos_token_id), each in [lo, hi]; absent: empty.
  absl::Status IntList(HfKeys keys, int64_t lo, int64_t hi, std::vector<int32_t>* out) const;

  // InvalidArgument "PATH: KEY: message".
  absl::Status Error(std::string_view key, std::string_view message) const;

 private:
  nlohmann::json json_;
  std::string path_;
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_HF_CONFIG_JSON_H_
