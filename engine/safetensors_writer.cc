#include "engine/safetensors_writer.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/safetensors_reader.h"
#include "nlohmann/json.hpp"

namespace doomscope::engine {

void SafetensorsWriter::AddMetadata(std::string key, std::string value) {
  metadata_.emplace_back(std::move(key), std::move(value));
}

absl::Status SafetensorsWriter::AddTensor(std::string name, std::string dtype, std::vector<uint64_t> shape,
                                          FillFn fill) {
  if (name == "__metadata__") return absl::InvalidArgumentError("\"__metadata__\" is not a tensor name");
  for (const Tensor& t : tensors_) {
    if (t.name == name) return absl::InvalidArgumentError(absl::StrCat("tensor '", name, "' added twice"));
  }
  const std::optional<int> bits = SafetensorsDTypeBits(dtype);
  if (!bits) return absl::InvalidArgumentError(absl::StrCat("tensor '", name, "': unknown dtype ", dtype));
  uint64_t total = static_cast<uint64_t>(*bits);
  for (uint64_t d : shape) {
    if (__builtin_mul_overflow(total, d, &total)) {
      return absl::InvalidArgumentError(absl::StrCat("tensor '", name, "': size overflows"));
    }
  }
  if (total % 8 != 0) return absl::InvalidArgumentError(absl::StrCat("tensor '", name, "': not whole bytes"));
  Tensor t{std::move(name), std::move(dtype), std::move(shape), data_size_, data_size_ + total / 8, std::move(fill)};
  data_size_ = t.end;
  tensors_.push_back(std::move(t));
  return absl::OkStatus();
}

std::string SafetensorsWriter::EncodeHeader() const {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata_.empty()) {
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (const auto& [k, v] : metadata_) meta[k] = v;
    header["__metadata__"] = std::move(meta);
  }
  for (const Tensor& t : tensors_) {
    header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {t.begin, t.end}}};
  }
  // Names are ours (ASCII); replace rather than throw if a caller passes invalid UTF-8.
  std::string json = header.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  json.resize((json.size() + 7) / 8 * 8, ' ');
  std::string out(8, '\0');
  const uint64_t n = json.size();
  std::memcpy(out.data(), &n, 8);
  return out + json;
}

uint64_t SafetensorsWriter::FileSize() const { return EncodeHeader().size() + data_size_; }

absl::Status SafetensorsWriter::Emit(const ByteSink& sink) const {
  const std::string header = EncodeHeader();
  if (absl::Status s = sink(std::as_bytes(std::span(header.data(), header.size()))); !s.ok()) return s;
  std::vector<std::byte> buffer;
  for (const Tensor& t : tensors_) {
    buffer.assign(t.end - t.begin, std::byte{0});
    t.fill(buffer);
    if (absl::Status s = sink(buffer); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status SafetensorsWriter::WriteFile(const std::string& path) const {
  return WriteFileAtomically(path, [this](const ByteSink& sink) { return Emit(sink); });
}

std::string SafetensorsWriter::WriteToString() const {
  std::string out;
  (void)Emit([&](std::span<const std::byte> bytes) {
    out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return absl::OkStatus();
  });
  return out;
}

}  // namespace doomscope::engine
