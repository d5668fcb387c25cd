#include "engine/gguf_writer.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "engine/atomic_file.h"

namespace doomscope::engine {
namespace {

uint64_t AlignUp(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

template <typename T>
void Put(std::string* out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out->append(buf, sizeof(T));
}

void PutString(std::string* out, const std::string& s) {
  Put<uint64_t>(out, s.size());
  out->append(s);
}

void PutScalar(std::string* out, GgufType t, uint64_t u, int64_t i, double f) {
  switch (t) {
    case GgufType::kUint8: case GgufType::kBool: Put<uint8_t>(out, static_cast<uint8_t>(u)); break;
    case GgufType::kInt8: Put<int8_t>(out, static_cast<int8_t>(i)); break;
    case GgufType::kUint16: Put<uint16_t>(out, static_cast<uint16_t>(u)); break;
    case GgufType::kInt16: Put<int16_t>(out, static_cast<int16_t>(i)); break;
    case GgufType::kUint32: Put<uint32_t>(out, static_cast<uint32_t>(u)); break;
    case GgufType::kInt32: Put<int32_t>(out, static_cast<int32_t>(i)); break;
    case GgufType::kFloat32: Put<float>(out, static_cast<float>(f)); break;
    case GgufType::kUint64: Put<uint64_t>(out, u); break;
    case GgufType::kInt64: Put<int64_t>(out, i); break;
    case GgufType::kFloat64: Put<double>(out, f); break;
    case GgufType::kString: case GgufType::kArray: break;
  }
}

void PutValue(std::string* out, const GgufValue& v) {
  if (v.type == GgufType::kString) {
    PutString(out, v.string_value);
    return;
  }
  if (v.type != GgufType::kArray) {
    PutScalar(out, v.type, v.uint_value, v.int_value, v.float_value);
    return;
  }
  Put<uint32_t>(out, static_cast<uint32_t>(v.array_type));
  switch (v.array_type) {
    case GgufType::kString:
      Put<uint64_t>(out, v.array_strings.size());
      for (const std::string& s : v.array_strings) PutString(out, s);
      break;
    case GgufType::kArray:
      Put<uint64_t>(out, v.array_arrays.size());
      for (const GgufValue& a : v.array_arrays) PutValue(out, a);
      break;
    case GgufType::kFloat32: case GgufType::kFloat64:
      Put<uint64_t>(out, v.array_floats.size());
      for (double f : v.array_floats) PutScalar(out, v.array_type, 0, 0, f);
      break;
    case GgufType::kInt8: case GgufType::kInt16: case GgufType::kInt32: case GgufType::kInt64:
      Put<uint64_t>(out, v.array_ints.size());
      for (int64_t i : v.array_ints) PutScalar(out, v.array_type, 0, i, 0);
      break;
    default:  // unsigned and bool
      Put<uint64_t>(out, v.array_uints.size());
      for (uint64_t u : v.array_uints) PutScalar(out, v.array_type, u, 0, 0);
      break;
  }
}

GgufValue Scalar(GgufType t) {
  GgufValue v;
  v.type = t;
  return v;
}

}  // namespace

GgufWriter::GgufWriter(uint32_t alignment) : alignment_(alignment) {
  if (alignment_ != kGgufDefaultAlignment) AddUint32("general.alignment", alignment_);
}

void GgufWriter::AddValue(std::string key, GgufValue v) { metadata_.emplace_back(std::move(key), std::move(v)); }

void GgufWriter::AddUint32(std::string key, uint32_t x) {
  GgufValue v = Scalar(GgufType::kUint32);
  v.uint_value = x;
  AddValue(std::move(key), std::move(v));
}
void GgufWriter::AddInt32(std::string key, int32_t x) {
  GgufValue v = Scalar(GgufType::kInt32);
  v.int_value = x;
  AddValue(std::move(key), std::move(v));
}
void GgufWriter::AddUint64(std::string key, uint64_t x) {
  GgufValue v = Scalar(GgufType::kUint64);
  v.uint_value = x;
  AddValue(std::move(key), std::move(v));
}
void GgufWriter::AddFloat32(std::string key, float x) {
  GgufValue v = Scalar(GgufType::kFloat32);
  v.float_value = x;
  AddValue(std::move(key), std::move(v));
}
void GgufWriter::AddBool(std::string key, bool x) {
  GgufValue v = Scalar(GgufType::kBool);
  v.uint_value = x ? 1 : 0;
  AddValue(std::move(key), std::move(v));
}
void GgufWriter::AddString(std::string key, std::string x) {
  GgufValue v = Scalar(GgufType::kString);
  v.string_value = std::move(x);
  AddValue(std::move(key), std::move(v));
}
void GgufWriter::AddStringArray(std::string key, std::vector<std::string> x) {
  GgufValue v = Scalar(GgufType::kArray);
  v.array_type = GgufType::kString;
  v.array_size = x.size();
  v.array_strings = std::move(x);
  AddValue(std::move(key), std::move(v));
}
void GgufWriter::AddFloat32Array(std::string key, std::span<const float> x) {
  GgufValue v = Scalar(GgufType::kArray);
  v.array_type = GgufType::kFloat32;
  v.array_size = x.size();
  v.array_floats.assign(x.begin(), x.end());
  AddValue(std::move(key), std::move(v));
}
void GgufWriter::AddInt32Array(std::string key, std::span<const int32_t> x) {
  GgufValue v = Scalar(GgufType::kArray);
  v.array_type = GgufType::kInt32;
  v.array_size = x.size();
  v.array_ints.assign(x.begin(), x.end());
  AddValue(std::move(key), std::move(v));
}

absl::Status GgufWriter::AddTensor(std::string name, std::vector<int64_t> ne, uint32_t ggml_type, FillFn fill) {
  for (const Tensor& t : tensors_) {
    if (t.info.name == name) return absl::InvalidArgumentError(absl::StrCat("duplicate tensor '", name, "'"));
  }
  std::optional<GgmlBlockLayout> layout = GgmlLayout(ggml_type);
  if (!layout) return absl::InvalidArgumentError(absl::StrCat("tensor '", name, "': unknown type ", ggml_type));
  if (ne.empty() || ne.size() > kGgufMaxDims) {
    return absl::InvalidArgumentError(absl::StrCat("tensor '", name, "': ", ne.size(), " dimensions"));
  }
  uint64_t elements = 1;
  for (int64_t n : ne) {
    if (n < 1) return absl::InvalidArgumentError(absl::StrCat("tensor '", name, "': dimension ", n));
    elements *= static_cast<uint64_t>(n);
  }
  if (ne[0] % layout->block_elements != 0) {
    return absl::InvalidArgumentError(absl::StrCat("tensor '", name, "': ne[0] = ", ne[0], " is not a multiple of ",
                                                   GgmlTypeName(ggml_type), "'s block size ",
                                                   layout->block_elements));
  }
  Tensor t;
  t.info.name = std::move(name);
  t.info.ne = std::move(ne);
  t.info.type = ggml_type;
  t.info.n_elements = elements;
  t.info.n_bytes = elements / layout->block_elements * layout->block_bytes;
  t.info.offset = data_size_;
  data_size_ = AlignUp(data_size_ + t.info.n_bytes, alignment_);
  t.fill = std::move(fill);
  tensors_.push_back(std::move(t));
  return absl::OkStatus();
}

absl::Status GgufWriter::AddTensorBytes(std::string name, std::vector<int64_t> ne, uint32_t ggml_type,
                                        std::span<const std::byte> bytes) {
  auto copy = std::make_shared<std::vector<std::byte>>(bytes.begin(), bytes.end());
  const std::string copy_name = name;
  absl::Status s = AddTensor(std::move(name), std::move(ne), ggml_type, [copy](std::span<std::byte> out) {
    std::memcpy(out.data(), copy->data(), std::min(out.size(), copy->size()));
  });
  if (!s.ok()) return s;
  if (tensors_.back().info.n_bytes != bytes.size()) {
    uint64_t want = tensors_.back().info.n_bytes;
    data_size_ = tensors_.back().info.offset;
    tensors_.pop_back();
    return absl::InvalidArgumentError(absl::StrCat("tensor '", copy_name, "': ", bytes.size(),
                                                   " bytes given, its shape and type need ", want));
  }
  return absl::OkStatus();
}

std::string GgufWriter::EncodeHeader() const {
  std::string out;
  Put<uint32_t>(&out, kGgufMagic);
  Put<uint32_t>(&out, 3);
  Put<uint64_t>(&out, tensors_.size());
  Put<uint64_t>(&out, metadata_.size());
  for (const auto& [key, value] : metadata_) {
    PutString(&out, key);
    Put<uint32_t>(&out, static_cast<uint32_t>(value.type));
    PutValue(&out, value);
  }
  for (const Tensor& t : tensors_) {
    PutString(&out, t.info.name);
    Put<uint32_t>(&out, static_cast<uint32_t>(t.info.ne.size()));
    for (int64_t n : t.info.ne) Put<uint64_t>(&out, static_cast<uint64_t>(n));
    Put<uint32_t>(&out, t.info.type);
    Put<uint64_t>(&out, t.info.offset);
  }
  out.resize(AlignUp(out.size(), alignment_), '\0');
  return out;
}

uint64_t GgufWriter::FileSize() const {
  // The last tensor is padded too, as llama.cpp's writer does.
  return EncodeHeader().size() + data_size_;
}

absl::Status GgufWriter::Emit(const std::function<absl::Status(std::span<const std::byte>)>& sink) const {
  const std::string header = EncodeHeader();
  if (absl::Status s = sink(std::as_bytes(std::span(header.data(), header.size()))); !s.ok()) return s;
  std::vector<std::byte> buffer;
  for (const Tensor& t : tensors_) {
    const uint64_t padded = AlignUp(t.info.n_bytes, alignment_);
    buffer.assign(padded, std::byte{0});
    t.fill(std::span(buffer.data(), t.info.n_bytes));
    if (absl::Status s = sink(buffer); !s.ok()) return s;
  }
  return absl::OkStatus();
}

std::string GgufWriter::WriteToString() const {
  std::string out;
  out.reserve(FileSize());
  (void)Emit([&](std::span<const std::byte> bytes) {
    out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return absl::OkStatus();
  });
  return out;
}

absl::Status GgufWriter::WriteFile(const std::string& path) const {
  return WriteFileAtomically(path, [this](const ByteSink& sink) { return Emit(sink); });
}

}  // namespace doomscope::engine
