#include "engine/gguf_reader.h"

#include <cstring>
#include <limits>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace doomscope::engine {

const char* GgufTypeName(GgufType t) {
  switch (t) {
    case GgufType::kUint8: return "uint8";
    case GgufType::kInt8: return "int8";
    case GgufType::kUint16: return "uint16";
    case GgufType::kInt16: return "int16";
    case GgufType::kUint32: return "uint32";
    case GgufType::kInt32: return "int32";
    case GgufType::kFloat32: return "float32";
    case GgufType::kBool: return "bool";
    case GgufType::kString: return "string";
    case GgufType::kArray: return "array";
    case GgufType::kUint64: return "uint64";
    case GgufType::kInt64: return "int64";
    case GgufType::kFloat64: return "float64";
  }
  return "?";
}

std::string GgmlTypeName(uint32_t type) {
  static constexpr std::pair<uint32_t, const char*> kNames[] = {
      {0, "F32"},      {1, "F16"},     {2, "Q4_0"},     {3, "Q4_1"},    {6, "Q5_0"},
      {7, "Q5_1"},     {8, "Q8_0"},    {9, "Q8_1"},     {10, "Q2_K"},   {11, "Q3_K"},
      {12, "Q4_K"},    {13, "Q5_K"},   {14, "Q6_K"},    {15, "Q8_K"},   {16, "IQ2_XXS"},
      {17, "IQ2_XS"},  {18, "IQ3_XXS"}, {19, "IQ1_S"},  {20, "IQ4_NL"}, {21, "IQ3_S"},
      {22, "IQ2_S"},   {23, "IQ4_XS"}, {24, "I8"},      {25, "I16"},    {26, "I32"},
      {27, "I64"},     {28, "F64"},    {29, "IQ1_M"},   {30, "BF16"},   {34, "TQ1_0"},
      {35, "TQ2_0"}};
  for (auto [id, name] : kNames) {
    if (id == type) return name;
  }
  return absl::StrCat("type ", type);
}

std::optional<GgmlBlockLayout> GgmlLayout(uint32_t type) {
  switch (static_cast<GgmlType>(type)) {
    case GgmlType::kF32: return GgmlBlockLayout{1, 4};
    case GgmlType::kF16: return GgmlBlockLayout{1, 2};
    case GgmlType::kBF16: return GgmlBlockLayout{1, 2};
    case GgmlType::kF64: return GgmlBlockLayout{1, 8};
    case GgmlType::kI8: return GgmlBlockLayout{1, 1};
    case GgmlType::kI16: return GgmlBlockLayout{1, 2};
    case GgmlType::kI32: return GgmlBlockLayout{1, 4};
    case GgmlType::kI64: return GgmlBlockLayout{1, 8};
    case GgmlType::kQ4_0: return GgmlBlockLayout{32, 18};
    case GgmlType::kQ4_1: return GgmlBlockLayout{32, 20};
    case GgmlType::kQ5_0: return GgmlBlockLayout{32, 22};
    case GgmlType::kQ5_1: return GgmlBlockLayout{32, 24};
    case GgmlType::kQ8_0: return GgmlBlockLayout{32, 34};
    case GgmlType::kQ8_1: return GgmlBlockLayout{32, 36};
    case GgmlType::kQ2_K: return GgmlBlockLayout{256, 84};
    case GgmlType::kQ3_K: return GgmlBlockLayout{256, 110};
    case GgmlType::kQ4_K: return GgmlBlockLayout{256, 144};
    case GgmlType::kQ5_K: return GgmlBlockLayout{256, 176};
    case GgmlType::kQ6_K: return GgmlBlockLayout{256, 210};
    case GgmlType::kQ8_K: return GgmlBlockLayout{256, 292};
    default: return std::nullopt;
  }
}

bool GgufValue::is_integer() const {
  switch (type) {
    case GgufType::kUint8: case GgufType::kInt8: case GgufType::kUint16: case GgufType::kInt16:
    case GgufType::kUint32: case GgufType::kInt32: case GgufType::kUint64: case GgufType::kInt64:
      return true;
    default:
      return false;
  }
}

namespace {

bool IsUnsigned(GgufType t) {
  return t == GgufType::kUint8 || t == GgufType::kUint16 || t == GgufType::kUint32 ||
         t == GgufType::kUint64 || t == GgufType::kBool;
}
bool IsSigned(GgufType t) {
  return t == GgufType::kInt8 || t == GgufType::kInt16 || t == GgufType::kInt32 ||
         t == GgufType::kInt64;
}

// Encoded size of a scalar of type `t`; 0 for strings and arrays.
size_t ScalarBytes(GgufType t) {
  switch (t) {
    case GgufType::kUint8: case GgufType::kInt8: case GgufType::kBool: return 1;
    case GgufType::kUint16: case GgufType::kInt16: return 2;
    case GgufType::kUint32: case GgufType::kInt32: case GgufType::kFloat32: return 4;
    case GgufType::kUint64: case GgufType::kInt64: case GgufType::kFloat64: return 8;
    default: return 0;
  }
}

// The fewest bytes one encoded value of type `t` can take (to bound allocations).
size_t MinEncodedBytes(GgufType t) {
  if (t == GgufType::kString) return 8;
  if (t == GgufType::kArray) return 12;
  return ScalarBytes(t);
}

bool ValidType(uint32_t t) { return t <= static_cast<uint32_t>(GgufType::kFloat64); }

uint64_t AlignUp(uint64_t x, uint64_t alignment) { return (x + alignment - 1) / alignment * alignment; }

}  // namespace

// Parses the header, metadata and tensor directory; all reads are bounds-checked.
class GgufParser {
 public:
  explicit GgufParser(std::shared_ptr<const MappedFile> file)
      : file_(std::move(file)), r_(file_->bytes(), file_->path()) {}

  absl::StatusOr<GgufFile> Run();

 private:
  bool ReadString(std::string* out, std::string_view field, uint64_t max_length);
  bool ReadScalar(GgufType t, GgufValue* v, std::string_view field);
  bool ReadValue(GgufType t, GgufValue* v, std::string_view field, int depth);
  bool ReadArray(GgufValue* v, std::string_view field, int depth);
  absl::Status ReadTensorInfo(uint64_t index, GgufTensorInfo* t);
  absl::Status Invalid(std::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(file_->path(), ": ", std::string(message)));
  }

  std::shared_ptr<const MappedFile> file_;
  ByteReader r_;
};

bool GgufParser::ReadString(std::string* out, std::string_view field, uint64_t max_length) {
  uint64_t len = 0;
  if (!r_.ReadU64(&len, absl::StrCat(std::string(field), " length"))) return false;
  if (len > max_length) {
    return r_.Fail(absl::StrCat(std::string(field), " length ", len, " exceeds the limit ", max_length));
  }
  std::span<const std::byte> bytes;
  if (!r_.ReadSpan(static_cast<size_t>(len), &bytes, field)) return false;
  out->assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return true;
}

bool GgufParser::ReadScalar(GgufType t, GgufValue* v, std::string_view field) {
  v->type = t;
  switch (t) {
    case GgufType::kUint8: case GgufType::kBool: {
      uint8_t x;
      if (!r_.ReadU8(&x, field)) return false;
      if (t == GgufType::kBool && x > 1) {
        return r_.Fail(absl::StrCat(std::string(field), ": bool value ", x, " is not 0 or 1"));
      }
      v->uint_value = x;
      return true;
    }
    case GgufType::kInt8: {
      uint8_t x;
      if (!r_.ReadU8(&x, field)) return false;
      v->int_value = static_cast<int8_t>(x);
      return true;
    }
    case GgufType::kUint16: case GgufType::kInt16: {
      std::span<const std::byte> b;
      if (!r_.ReadSpan(2, &b, field)) return false;
      uint16_t x;
      std::memcpy(&x, b.data(), 2);
      if (t == GgufType::kUint16) v->uint_value = x; else v->int_value = static_cast<int16_t>(x);
      return true;
    }
    case GgufType::kUint32: {
      uint32_t x;
      if (!r_.ReadU32(&x, field)) return false;
      v->uint_value = x;
      return true;
    }
    case GgufType::kInt32: {
      int32_t x;
      if (!r_.ReadI32(&x, field)) return false;
      v->int_value = x;
      return true;
    }
    case GgufType::kFloat32: {
      float x;
      if (!r_.ReadF32(&x, field)) return false;
      v->float_value = x;
      return true;
    }
    case GgufType::kUint64: {
      return r_.ReadU64(&v->uint_value, field);
    }
    case GgufType::kInt64: {
      uint64_t x;
      if (!r_.ReadU64(&x, field)) return false;
      v->int_value = static_cast<int64_t>(x);
      return true;
    }
    case GgufType::kFloat64: {
      uint64_t x;
      if (!r_.ReadU64(&x, field)) return false;
      std::memcpy(&v->float_value, &x, 8);
      return true;
    }
    case GgufType::kString:
      return ReadString(&v->string_value, field, std::numeric_limits<uint64_t>::max());
    case GgufType::kArray:
      break;
  }
  return r_.Fail(absl::StrCat(std::string(field), ": not a scalar type"));
}

bool GgufParser::ReadValue(GgufType t, GgufValue* v, std::string_view field, int depth) {
  if (t == GgufType::kArray) return ReadArray(v, field, depth);
  return ReadScalar(t, v, field);
}

bool GgufParser::ReadArray(GgufValue* v, std::string_view field, int depth) {
  v->type = GgufType::kArray;
  if (depth >= kGgufMaxArrayDepth) {
    return r_.Fail(absl::StrCat(std::string(field), ": arrays nested deeper than ", kGgufMaxArrayDepth));
  }
  uint32_t elem_type = 0;
  uint64_t n = 0;
  if (!r_.ReadU32(&elem_type, absl::StrCat(std::string(field), " element type")) ||
      !r_.ReadU64(&n, absl::StrCat(std::string(field), " array length"))) {
    return false;
  }
  if (!ValidType(elem_type)) {
    return r_.Fail(absl::StrCat(std::string(field), ": unknown array element type ", elem_type));
  }
  const GgufType et = static_cast<GgufType>(elem_type);
  v->array_type = et;
  v->array_size = n;
  // Every element takes at least MinEncodedBytes: reject lengths the file cannot hold
  // before reserving memory for them.
  if (n > r_.remaining() / MinEncodedBytes(et)) {
    return r_.Fail(absl::StrCat(std::string(field), ": array of ", n, " ", GgufTypeName(et),
                                " cannot fit in the ", r_.remaining(), " bytes left"));
  }
  const size_t count = static_cast<size_t>(n);
  if (et == GgufType::kString) {
    v->array_strings.resize(count);
    for (size_t i = 0; i < count; ++i) {
      if (!ReadString(&v->array_strings[i], absl::StrCat(std::string(field), "[", i, "]"),
                      std::numeric_limits<uint64_t>::max())) {
        return false;
      }
    }
    return true;
  }
  if (et == GgufType::kArray) {
    v->array_arrays.resize(count);
    for (size_t i = 0; i < count; ++i) {
      if (!ReadArray(&v->array_arrays[i], absl::StrCat(std::string(field), "[", i, "]"), depth + 1)) {
        return false;
      }
    }
    return true;
  }
  // Numeric arrays: read elements in one pass over a bounds-checked span.
  const size_t width = ScalarBytes(et);
  std::span<const std::byte> raw;
  if (!r_.ReadSpan(count * width, &raw, field)) return false;
  GgufValue scratch;
  auto at = [&](size_t i) { return raw.data() + i * width; };
  if (et == GgufType::kFloat32 || et == GgufType::kFloat64) {
    v->array_floats.resize(count);
    for (size_t i = 0; i < count; ++i) {
      if (et == GgufType::kFloat32) {
        float f;
        std::memcpy(&f, at(i), 4);
        v->array_floats[i] = f;
      } else {
        std::memcpy(&v->array_floats[i], at(i), 8);
      }
    }
    return true;
  }
  auto load_unsigned = [&](size_t i) -> uint64_t {
    uint64_t x = 0;
    std::memcpy(&x, at(i), width);  // little-endian host: low bytes first
    return x;
  };
  if (IsUnsigned(et)) {
    v->array_uints.resize(count);
    for (size_t i = 0; i < count; ++i) {
      v->array_uints[i] = load_unsigned(i);
      if (et == GgufType::kBool && v->array_uints[i] > 1) {
        return r_.Fail(absl::StrCat(std::string(field), "[", i, "]: bool value ", v->array_uints[i],
                                    " is not 0 or 1"));
      }
    }
    return true;
  }
  v->array_ints.resize(count);
  const int shift = static_cast<int>(64 - 8 * width);
  for (size_t i = 0; i < count; ++i) {
    // Sign-extend from `width` bytes.
    v->array_ints[i] = static_cast<int64_t>(load_unsigned(i) << shift) >> shift;
  }
  return true;
}

absl::Status GgufParser::ReadTensorInfo(uint64_t index, GgufTensorInfo* t) {
  const std::string field = absl::StrCat("tensor ", index);
  if (!ReadString(&t->name, field + " name", kGgufMaxTensorNameLength)) return r_.status();
  const std::string where = absl::StrCat("tensor ", index, " '", absl::CHexEscape(t->name), "'");
  uint32_t n_dims = 0;
  if (!r_.ReadU32(&n_dims, where + " n_dims")) return r_.status();
  if (n_dims == 0 || n_dims > kGgufMaxDims) {
    return r_.Error(absl::StrCat(where, ": n_dims ", n_dims, " is outside [1, ", kGgufMaxDims, "]"));
  }
  t->ne.resize(n_dims);
  uint64_t elements = 1;
  for (uint32_t d = 0; d < n_dims; ++d) {
    uint64_t ne = 0;
    if (!r_.ReadU64(&ne, absl::StrCat(where, " ne[", d, "]"))) return r_.status();
    if (ne == 0 || ne > (uint64_t{1} << 40)) {
      return r_.Error(absl::StrCat(where, ": ne[", d, "] = ", ne, " is outside [1, 2^40]"));
    }
    if (__builtin_mul_overflow(elements, ne, &elements) || elements > (uint64_t{1} << 50)) {
      return r_.Error(absl::StrCat(where, ": more than 2^50 elements"));
    }
    t->ne[d] = static_cast<int64_t>(ne);
  }
  t->n_elements = elements;
  if (!r_.ReadU32(&t->type, where + " type") || !r_.ReadU64(&t->offset, where + " offset")) {
    return r_.status();
  }
  std::optional<GgmlBlockLayout> layout = GgmlLayout(t->type);
  if (!layout) {
    return r_.Error(absl::StrCat(where, " has ggml type ", GgmlTypeName(t->type),
                                 ", whose layout doomscope does not know"));
  }
  if (t->ne[0] % layout->block_elements != 0) {
    return r_.Error(absl::StrCat(where, ": ne[0] = ", t->ne[0], " is not a multiple of the ",
                                 GgmlTypeName(t->type), " block size ", layout->block_elements));
  }
  t->n_bytes = elements / layout->block_elements * layout->block_bytes;
  return absl::OkStatus();
}

absl::StatusOr<GgufFile> GgufParser::Run() {
  GgufFile g;
  g.file_ = file_;
  uint32_t magic = 0;
  if (!r_.ReadU32(&magic, "magic")) return r_.status();
  if (magic != kGgufMagic) {
    return Invalid(absl::StrCat("not a GGUF file (magic 0x", absl::Hex(magic, absl::kZeroPad8),
                                ", expected \"GGUF\")"));
  }
  if (!r_.ReadU32(&g.version_, "version")) return r_.status();
  if (g.version_ == 1) return Invalid("GGUF version 1 is not supported (only 2 and 3)");
  if (g.version_ != 2 && g.version_ != 3) {
    if ((g.version_ & 0xFFFF) == 0) {
      return Invalid(absl::StrCat("version field 0x", absl::Hex(g.version_),
                                  " looks byte-swapped: big-endian GGUF is not supported"));
    }
    return Invalid(absl::StrCat("unsupported GGUF version ", g.version_, " (only 2 and 3)"));
  }
  uint64_t n_tensors = 0, n_kv = 0;
  if (!r_.ReadU64(&n_tensors, "tensor_count") || !r_.ReadU64(&n_kv, "metadata_kv_count")) {
    return r_.status();
  }
  // Smallest encodings: a KV is 8 (key length) + 4 (type) + 1 (uint8); a tensor
  // info is 8 (name length) + 4 (n_dims) + 8 (ne[0]) + 4 (type) + 8 (offset).
  if (n_kv > r_.remaining() / 13) {
    return Invalid(absl::StrCat("metadata_kv_count ", n_kv, " cannot fit in a ", file_->size(), "-byte file"));
  }
  if (n_tensors > r_.remaining() / 32) {
    return Invalid(absl::StrCat("tensor_count ", n_tensors, " cannot fit in a ", file_->size(), "-byte file"));
  }
  g.metadata_.reserve(static_cast<size_t>(n_kv));
  for (uint64_t i = 0; i < n_kv; ++i) {
    std::string key;
    if (!ReadString(&key, absl::StrCat("metadata key ", i), kGgufMaxKeyLength)) return r_.status();
    const std::string field = absl::StrCat("metadata '", absl::CHexEscape(key), "'");
    uint32_t type = 0;
    if (!r_.ReadU32(&type, field + " type")) return r_.status();
    if (!ValidType(type)) return r_.Error(absl::StrCat(field, ": unknown value type ", type));
    GgufValue value;
    if (!ReadValue(static_cast<GgufType>(type), &value, field, 0)) return r_.status();
    if (!g.metadata_index_.try_emplace(key, g.metadata_.size()).second) {
      return Invalid(absl::StrCat("duplicate metadata key '", absl::CHexEscape(key), "'"));
    }
    g.metadata_.emplace_back(std::move(key), std::move(value));
  }
  if (const GgufValue* a = g.Find("general.alignment")) {
    if (a->type != GgufType::kUint32) {
      return Invalid(absl::StrCat("general.alignment has type ", GgufTypeName(a->type), ", expected uint32"));
    }
    if (a->uint_value == 0 || a->uint_value > kGgufMaxAlignment || (a->uint_value & (a->uint_value - 1)) != 0) {
      return Invalid(absl::StrCat("general.alignment ", a->uint_value, " is not a power of two in [1, ",
                                  kGgufMaxAlignment, "]"));
    }
    g.alignment_ = static_cast<uint32_t>(a->uint_value);
  }
  g.tensors_.resize(static_cast<size_t>(n_tensors));
  for (uint64_t i = 0; i < n_tensors; ++i) {
    GgufTensorInfo& t = g.tensors_[static_cast<size_t>(i)];
    if (absl::Status s = ReadTensorInfo(i, &t); !s.ok()) return s;
    if (!g.tensor_index_.try_emplace(t.name, static_cast<size_t>(i)).second) {
      return Invalid(absl::StrCat("duplicate tensor name '", absl::CHexEscape(t.name), "'"));
    }
  }
  g.data_offset_ = AlignUp(r_.offset(), g.alignment_);
  const uint64_t size = file_->size();
  const uint64_t data_size = g.data_offset_ <= size ? size - g.data_offset_ : 0;
  if (n_tensors > 0 && g.data_offset_ > size) {
    return Invalid(absl::StrCat("the data section would start at ", g.data_offset_,
                                ", past the end of the file (", size, " bytes)"));
  }
  for (size_t i = 0; i < g.tensors_.size(); ++i) {
    const GgufTensorInfo& t = g.tensors_[i];
    const std::string where = absl::StrCat("tensor ", i, " '", absl::CHexEscape(t.name), "'");
    if (t.offset % g.alignment_ != 0) {
      return Invalid(absl::StrCat(where, ": offset ", t.offset, " is not a multiple of the alignment ",
                                  g.alignment_));
    }
    if (t.offset > data_size || t.n_bytes > data_size - t.offset) {
      return Invalid(absl::StrCat(where, ": data at offset ", t.offset, " + ", t.n_bytes,
                                  " bytes runs past the end of the data section (", data_size,
                                  " bytes from file offset ", g.data_offset_, ")"));
    }
  }
  return g;
}

absl::StatusOr<GgufFile> GgufFile::Parse(std::shared_ptr<const MappedFile> file) {
  return GgufParser(std::move(file)).Run();
}

absl::StatusOr<GgufFile> GgufFile::Open(const std::string& path) {
  absl::StatusOr<std::shared_ptr<const MappedFile>> file = MappedFile::Open(path);
  if (!file.ok()) return file.status();
  return Parse(*std::move(file));
}

const GgufValue* GgufFile::Find(std::string_view key) const {
  auto it = metadata_index_.find(absl::string_view(key.data(), key.size()));
  return it == metadata_index_.end() ? nullptr : &metadata_[it->second].second;
}

namespace {

absl::Status Missing(const std::string& path, std::string_view key) {
  return absl::NotFoundError(absl::StrCat(path, ": metadata key '", std::string(key), "' is missing"));
}

absl::Status WrongType(const std::string& path, std::string_view key, const GgufValue& v,
                       std::string_view expected) {
  std::string actual = GgufTypeName(v.type);
  if (v.type == GgufType::kArray) actual = absl::StrCat("array of ", GgufTypeName(v.array_type));
  return absl::InvalidArgumentError(absl::StrCat(path, ": metadata key '", std::string(key),
                                                 "' has type ", actual, ", expected ",
                                                 std::string(expected)));
}

}  // namespace

absl::StatusOr<uint64_t> GgufFile::GetUint(std::string_view key) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) return Missing(path(), key);
  if (!v->is_integer()) return WrongType(path(), key, *v, "an unsigned integer");
  if (IsSigned(v->type)) {
    if (v->int_value < 0) {
      return absl::InvalidArgumentError(absl::StrCat(path(), ": metadata key '", std::string(key),
                                                     "' is negative (", v->int_value, ")"));
    }
    return static_cast<uint64_t>(v->int_value);
  }
  return v->uint_value;
}

absl::StatusOr<int64_t> GgufFile::GetInt(std::string_view key) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) return Missing(path(), key);
  if (!v->is_integer()) return WrongType(path(), key, *v, "an integer");
  if (IsSigned(v->type)) return v->int_value;
  if (v->uint_value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return absl::InvalidArgumentError(absl::StrCat(path(), ": metadata key '", std::string(key),
                                                   "' = ", v->uint_value, " overflows int64"));
  }
  return static_cast<int64_t>(v->uint_value);
}

absl::StatusOr<double> GgufFile::GetFloat(std::string_view key) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) return Missing(path(), key);
  if (v->type != GgufType::kFloat32 && v->type != GgufType::kFloat64) {
    return WrongType(path(), key, *v, "float32 or float64");
  }
  return v->float_value;
}

absl::StatusOr<bool> GgufFile::GetBool(std::string_view key) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) return Missing(path(), key);
  if (v->type != GgufType::kBool) return WrongType(path(), key, *v, "bool");
  return v->uint_value != 0;
}

absl::StatusOr<std::string> GgufFile::GetString(std::string_view key) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) return Missing(path(), key);
  if (v->type != GgufType::kString) return WrongType(path(), key, *v, "string");
  return v->string_value;
}

absl::StatusOr<uint64_t> GgufFile::GetUintOr(std::string_view key, uint64_t fallback) const {
  if (Find(key) == nullptr) return fallback;
  return GetUint(key);
}

absl::StatusOr<double> GgufFile::GetFloatOr(std::string_view key, double fallback) const {
  if (Find(key) == nullptr) return fallback;
  return GetFloat(key);
}

absl::StatusOr<bool> GgufFile::GetBoolOr(std::string_view key, bool fallback) const {
  if (Find(key) == nullptr) return fallback;
  return GetBool(key);
}

absl::StatusOr<const std::vector<std::string>*> GgufFile::GetStringArray(std::string_view key) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) return Missing(path(), key);
  if (v->type != GgufType::kArray || v->array_type != GgufType::kString) {
    return WrongType(path(), key, *v, "array of string");
  }
  return &v->array_strings;
}

absl::StatusOr<const std::vector<double>*> GgufFile::GetFloatArray(std::string_view key) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) return Missing(path(), key);
  if (v->type != GgufType::kArray ||
      (v->array_type != GgufType::kFloat32 && v->array_type != GgufType::kFloat64)) {
    return WrongType(path(), key, *v, "array of float32");
  }
  return &v->array_floats;
}

absl::StatusOr<std::vector<int64_t>> GgufFile::GetIntArray(std::string_view key) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) return Missing(path(), key);
  if (v->type != GgufType::kArray || v->array_type == GgufType::kBool ||
      !(IsSigned(v->array_type) || IsUnsigned(v->array_type))) {
    return WrongType(path(), key, *v, "array of integers");
  }
  if (IsSigned(v->array_type)) return v->array_ints;
  std::vector<int64_t> out(v->array_uints.size());
  for (size_t i = 0; i < out.size(); ++i) {
    if (v->array_uints[i] > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return absl::InvalidArgumentError(absl::StrCat(path(), ": metadata key '", std::string(key),
                                                     "'[", i, "] overflows int64"));
    }
    out[i] = static_cast<int64_t>(v->array_uints[i]);
  }
  return out;
}

const GgufTensorInfo* GgufFile::FindTensor(std::string_view name) const {
  auto it = tensor_index_.find(absl::string_view(name.data(), name.size()));
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

std::span<const std::byte> GgufFile::TensorData(const GgufTensorInfo& t) const {
  return file_->bytes().subspan(static_cast<size_t>(data_offset_ + t.offset), static_cast<size_t>(t.n_bytes));
}

}  // namespace doomscope::engine
