#include "engine/hf_config_json.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/hf_json.h"

namespace doomscope::engine {
namespace {

// Configs nest a little (rope_parameters, quantization_config, task params).
constexpr int kConfigDepth = 8;

const nlohmann::json* Lookup(const nlohmann::json& root, std::string_view dotted) {
  const nlohmann::json* v = &root;
  while (true) {
    const size_t dot = dotted.find('.');
    const std::string part(dotted.substr(0, dot));
    if (!v->is_object()) return nullptr;
    auto it = v->find(part);
    if (it == v->end()) return nullptr;
    v = &*it;
    if (dot == std::string_view::npos) return v->is_null() ? nullptr : v;
    dotted.remove_prefix(dot + 1);
  }
}

// The value of the first present key of `keys` (its name in *key); when none
// is present, null after *out takes `fallback`, or an error without one.
template <typename T, typename Out>
absl::StatusOr<const nlohmann::json*> ValueOrFallback(const HfConfigJson& json, HfKeys keys,
                                                      const std::optional<T>& fallback, Out* out,
                                                      std::string_view* key) {
  if (const nlohmann::json* v = json.Find(keys, key)) return v;
  if (!fallback) return json.Error(*keys.begin(), "is missing");
  *out = static_cast<Out>(*fallback);
  return nullptr;
}

}  // namespace

absl::StatusOr<HfConfigJson> HfConfigJson::Read(const std::string& path) {
  absl::StatusOr<nlohmann::json> json = ReadJsonObjectFile(path, kConfigDepth);
  if (!json.ok()) return json.status();
  return HfConfigJson(*std::move(json), path);
}

const nlohmann::json* HfConfigJson::Find(HfKeys keys, std::string_view* key) const {
  for (std::string_view k : keys) {
    if (const nlohmann::json* v = Lookup(json_, k)) {
      if (key != nullptr) *key = k;
      return v;
    }
  }
  return nullptr;
}

absl::Status HfConfigJson::Error(std::string_view key, std::string_view message) const {
  return absl::InvalidArgumentError(absl::StrCat(path_, ": ", std::string(key), ": ", std::string(message)));
}

absl::Status HfConfigJson::Int(HfKeys keys, int64_t lo, int64_t hi, std::optional<int64_t> fallback, int* out) const {
  std::string_view key;
  absl::StatusOr<const nlohmann::json*> found = ValueOrFallback(*this, keys, fallback, out, &key);
  if (!found.ok() || *found == nullptr) return found.status();
  const nlohmann::json* v = *found;
  if (!v->is_number_integer()) return Error(key, absl::StrCat("must be an integer, found ", JsonTypeName(*v)));
  const int64_t value =
      v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : v->get<int64_t>();
  if (value < lo || value > hi) return Error(key, absl::StrCat(value, " is outside [", lo, ", ", hi, "]"));
  *out = static_cast<int>(value);
  return absl::OkStatus();
}

absl::Status HfConfigJson::Float(HfKeys keys, double lo, double hi, std::optional<double> fallback, float* out) const {
  std::string_view key;
  absl::StatusOr<const nlohmann::json*> found = ValueOrFallback(*this, keys, fallback, out, &key);
  if (!found.ok() || *found == nullptr) return found.status();
  const nlohmann::json* v = *found;
  if (!v->is_number()) return Error(key, absl::StrCat("must be a number, found ", JsonTypeName(*v)));
  const double value = v->get<double>();
  if (!std::isfinite(value) || value < lo || value > hi) {
    return Error(key, absl::StrCat(value, " is outside [", lo, ", ", hi, "]"));
  }
  *out = static_cast<float>(value);
  return absl::OkStatus();
}

absl::Status HfConfigJson::Bool(HfKeys keys, std::optional<bool> fallback, bool* out) const {
  std::string_view key;
  absl::StatusOr<const nlohmann::json*> found = ValueOrFallback(*this, keys, fallback, out, &key);
  if (!found.ok() || *found == nullptr) return found.status();
  const nlohmann::json* v = *found;
  if (!v->is_boolean()) return Error(key, absl::StrCat("must be true or false, found ", JsonTypeName(*v)));
  *out = v->get<bool>();
  return absl::OkStatus();
}

absl::Status HfConfigJson::String(HfKeys keys, std::optional<std::string> fallback, std::string* out) const {
  std::string_view key;
  absl::StatusOr<const nlohmann::json*> found = ValueOrFallback(*this, keys, fallback, out, &key);
  if (!found.ok() || *found == nullptr) return found.status();
  const nlohmann::json* v = *found;
  if (!v->is_string()) return Error(key, absl::StrCat("must be a string, found ", JsonTypeName(*v)));
  *out = v->get<std::string>();
  return absl::OkStatus();
}

absl::Status HfConfigJson::IntList(HfKeys keys, int64_t lo, int64_t hi, std::vector<int32_t>* out) const {
  out->clear();
  std::string_view key;
  const nlohmann::json* v = Find(keys, &key);
  if (v == nullptr) return absl::OkStatus();
  auto take = [&](const nlohmann::json& e) -> absl::Status {
    if (!e.is_number_integer() || e.get<int64_t>() < lo || e.get<int64_t>() > hi ||
        (e.is_number_unsigned() && e.get<uint64_t>() > static_cast<uint64_t>(hi))) {
      return Error(key, absl::StrCat("must be an integer in [", lo, ", ", hi, "] or a list of them, found ",
                                     e.is_number_integer() ? e.dump() : JsonTypeName(e)));
    }
    out->push_back(static_cast<int32_t>(e.get<int64_t>()));
    return absl::OkStatus();
  };
  if (!v->is_array()) return take(*v);
  for (const nlohmann::json& e : *v) {
    if (absl::Status s = take(e); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace doomscope::engine
