#include "engine/safetensors_reader.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/hf_json.h"

namespace doomscope::engine {
namespace {

// The header is {name: {dtype, shape: [...], data_offsets: [...]}}: three levels.
constexpr int kHeaderDepth = 3;

struct DTypeInfo {
  std::string_view name;
  int bits;
};
// Every dtype safetensors defines (tensor.rs `Dtype`), sub-byte floats included.
constexpr DTypeInfo kDTypes[] = {
    {"BOOL", 8}, {"U8", 8},   {"I8", 8},    {"F8_E5M2", 8}, {"F8_E4M3", 8}, {"F8_E8M0", 8}, {"I16", 16},
    {"U16", 16}, {"F16", 16}, {"BF16", 16}, {"I32", 32},    {"U32", 32},    {"F32", 32},    {"F64", 64},
    {"I64", 64}, {"U64", 64}, {"C64", 64},  {"F4", 4},      {"F6_E2M3", 6}, {"F6_E3M2", 6},
};

class HeaderError {
 public:
  explicit HeaderError(const std::string& path) : path_(path) {}
  absl::Status operator()(std::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(path_, ": ", std::string(message)));
  }
  absl::Status Tensor(std::string_view tensor, std::string_view message) const {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, ": tensor '", std::string(tensor), "': ", std::string(message)));
  }

 private:
  const std::string& path_;
};

std::string ShapeText(const std::vector<uint64_t>& shape) { return absl::StrCat("[", absl::StrJoin(shape, ", "), "]"); }

absl::Status ReadMetadata(const nlohmann::json& value, const HeaderError& err,
                          std::vector<std::pair<std::string, std::string>>* out) {
  if (value.is_null()) return absl::OkStatus();  // what serde's Option reads as "no metadata"
  if (!value.is_object()) return err(absl::StrCat("__metadata__ must be an object, found ", JsonTypeName(value)));
  for (const auto& [key, v] : value.items()) {
    if (!v.is_string()) {
      return err(absl::StrCat("__metadata__[\"", key, "\"] must be a string, found ", JsonTypeName(v)));
    }
    out->emplace_back(key, v.get<std::string>());
  }
  return absl::OkStatus();
}

absl::Status ReadTensor(const std::string& name, const nlohmann::json& value, uint64_t buffer_size,
                        const HeaderError& err, SafetensorsTensor* t) {
  t->name = name;
  if (!value.is_object()) return err.Tensor(name, absl::StrCat("expected an object, found ", JsonTypeName(value)));
  for (const char* key : {"dtype", "shape", "data_offsets"}) {
    if (!value.contains(key)) return err.Tensor(name, absl::StrCat("\"", key, "\" is missing"));
  }
  const nlohmann::json& dtype = value["dtype"];
  if (!dtype.is_string()) return err.Tensor(name, absl::StrCat("dtype must be a string, found ", JsonTypeName(dtype)));
  t->dtype = dtype.get<std::string>();
  const std::optional<int> bits = SafetensorsDTypeBits(t->dtype);
  if (!bits) return err.Tensor(name, absl::StrCat("unknown dtype \"", t->dtype, "\""));

  const nlohmann::json& shape = value["shape"];
  if (!shape.is_array()) return err.Tensor(name, absl::StrCat("shape must be an array, found ", JsonTypeName(shape)));
  uint64_t numel = 1;
  bool overflow = false;
  for (const nlohmann::json& d : shape) {
    if (!d.is_number_unsigned()) {
      return err.Tensor(name, absl::StrCat("shape entries must be non-negative integers, found ", JsonTypeName(d)));
    }
    const uint64_t dim = d.get<uint64_t>();
    t->shape.push_back(dim);
    overflow |= __builtin_mul_overflow(numel, dim, &numel);
  }
  uint64_t bits_total = 0;
  if (overflow || __builtin_mul_overflow(numel, static_cast<uint64_t>(*bits), &bits_total)) {
    return err.Tensor(name,
                      absl::StrCat("shape ", ShapeText(t->shape), " of ", t->dtype, " overflows a 64-bit byte count"));
  }
  if (bits_total % 8 != 0) {
    return err.Tensor(name, absl::StrCat(numel, " elements of ", *bits, "-bit ", t->dtype, " are not whole bytes"));
  }
  t->numel = numel;
  const uint64_t bytes = bits_total / 8;

  const nlohmann::json& offsets = value["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned()) {
    return err.Tensor(name, "data_offsets must be two non-negative integers [begin, end]");
  }
  t->begin = offsets[0].get<uint64_t>();
  t->end = offsets[1].get<uint64_t>();
  if (t->begin > t->end) {
    return err.Tensor(name, absl::StrCat("data_offsets [", t->begin, ", ", t->end, "] end before they begin"));
  }
  if (t->end > buffer_size) {
    return err.Tensor(name, absl::StrCat("data_offsets [", t->begin, ", ", t->end, "] reach past the ", buffer_size,
                                         " bytes of data in the file (truncated?)"));
  }
  if (t->end - t->begin != bytes) {
    return err.Tensor(name, absl::StrCat("data_offsets [", t->begin, ", ", t->end, "] hold ", t->end - t->begin,
                                         " bytes but shape ", ShapeText(t->shape), " of ", t->dtype, " needs ", bytes));
  }
  return absl::OkStatus();
}

// Sorted by offset, the ranges must tile [0, buffer_size) exactly.
absl::Status CheckTiling(std::vector<const SafetensorsTensor*> sorted, uint64_t buffer_size, const HeaderError& err) {
  std::sort(sorted.begin(), sorted.end(), [](const SafetensorsTensor* a, const SafetensorsTensor* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t covered = 0;
  const SafetensorsTensor* previous = nullptr;
  for (const SafetensorsTensor* t : sorted) {
    if (t->begin < covered) {
      return err(absl::StrCat("tensors '", previous->name, "' [", previous->begin, ", ", previous->end, ") and '",
                              t->name, "' [", t->begin, ", ", t->end, ") overlap"));
    }
    if (t->begin > covered) {
      return err(previous == nullptr
                     ? absl::StrCat("the first ", t->begin, " bytes of data belong to no tensor (the first, '", t->name,
                                    "', starts at ", t->begin, ")")
                     : absl::StrCat(t->begin - covered, " bytes between tensor '", previous->name, "' (ends at ",
                                    covered, ") and tensor '", t->name, "' (starts at ", t->begin,
                                    ") belong to no tensor"));
    }
    covered = t->end;
    previous = t;
  }
  if (covered != buffer_size) {
    return err(absl::StrCat(buffer_size - covered, " bytes after the last tensor",
                            previous == nullptr ? std::string() : absl::StrCat(" ('", previous->name, "')"),
                            " belong to no tensor"));
  }
  return absl::OkStatus();
}

}  // namespace

std::optional<int> SafetensorsDTypeBits(std::string_view dtype) {
  for (const DTypeInfo& d : kDTypes) {
    if (d.name == dtype) return d.bits;
  }
  return std::nullopt;
}

std::optional<DType> EngineDTypeOf(std::string_view safetensors_dtype) {
  if (safetensors_dtype == "F32") return DType::kF32;
  if (safetensors_dtype == "F16") return DType::kF16;
  if (safetensors_dtype == "BF16") return DType::kBF16;
  return std::nullopt;
}

std::optional<std::string_view> SafetensorsNameOf(DType t) {
  switch (t) {
    case DType::kF32: return "F32";
    case DType::kF16: return "F16";
    case DType::kBF16: return "BF16";
    case DType::kQ8_0: return std::nullopt;
  }
  return std::nullopt;
}

absl::StatusOr<SafetensorsFile> SafetensorsFile::Parse(std::shared_ptr<const MappedFile> file) {
  const std::string& path = file->path();
  const HeaderError err(path);
  const uint64_t size = file->size();
  if (size < 8) {
    return err(absl::StrCat("too short for a safetensors file (", size, " bytes; the header length alone is 8)"));
  }
  uint64_t n = 0;
  std::memcpy(&n, file->data(), 8);
  if (n > kSafetensorsMaxHeaderBytes) {
    return err(absl::StrCat("header length ", n, " is over the format's limit of ", kSafetensorsMaxHeaderBytes,
                            " bytes (not a safetensors file?)"));
  }
  if (n > size - 8) {
    return err(absl::StrCat("header length ", n, " is more than the ", size - 8, " bytes after it (truncated?)"));
  }
  const std::string_view header(reinterpret_cast<const char*>(file->data()) + 8, n);
  if (header.empty() || header.front() != '{') return err("the header does not start with '{'");
  absl::StatusOr<nlohmann::json> json = ParseStrictJson(header, absl::StrCat(path, ": header"), kHeaderDepth);
  if (!json.ok()) return json.status();
  if (!json->is_object()) return err("the header is not a JSON object");

  SafetensorsFile out;
  out.data_offset_ = 8 + n;
  const uint64_t buffer_size = size - out.data_offset_;
  for (const auto& [key, value] : json->items()) {
    if (key == "__metadata__") {
      if (absl::Status s = ReadMetadata(value, err, &out.metadata_); !s.ok()) return s;
      continue;
    }
    SafetensorsTensor t;
    if (absl::Status s = ReadTensor(key, value, buffer_size, err, &t); !s.ok()) return s;
    out.tensors_.push_back(std::move(t));
  }
  std::vector<const SafetensorsTensor*> all;
  for (const SafetensorsTensor& t : out.tensors_) all.push_back(&t);
  if (absl::Status s = CheckTiling(all, buffer_size, err); !s.ok()) return s;

  std::sort(out.tensors_.begin(), out.tensors_.end(),
            [](const SafetensorsTensor& a, const SafetensorsTensor& b) { return a.begin < b.begin; });
  const std::byte* buffer = file->data() + out.data_offset_;
  for (size_t i = 0; i < out.tensors_.size(); ++i) {
    SafetensorsTensor& t = out.tensors_[i];
    t.data = std::span<const std::byte>(buffer + t.begin, t.end - t.begin);
    out.index_.emplace(t.name, i);
  }
  out.file_ = std::move(file);
  return out;
}

absl::StatusOr<SafetensorsFile> SafetensorsFile::Open(const std::string& path) {
  absl::StatusOr<std::shared_ptr<const MappedFile>> file = MappedFile::Open(path);
  if (!file.ok()) return file.status();
  return Parse(*std::move(file));
}

const SafetensorsTensor* SafetensorsFile::Find(std::string_view name) const {
  auto it = index_.find(absl::string_view(name.data(), name.size()));
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

}  // namespace doomscope::engine
