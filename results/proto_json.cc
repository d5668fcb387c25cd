#include "results/proto_json.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"

namespace doomscope::results {
namespace {

namespace pb = google::protobuf;

std::string LowerEnumName(const pb::EnumValueDescriptor* e) {
  if (e == nullptr || e->number() == 0) return "unspecified";
  return absl::AsciiStrToLower(e->name());
}

// Field `f` of `m` (element `index` when repeated).
json::Value FieldValue(const pb::Message& m, const pb::FieldDescriptor* f, int index) {
  const pb::Reflection* r = m.GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      return json::Value(static_cast<int64_t>(rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f)));
    case pb::FieldDescriptor::CPPTYPE_INT64:
      return json::Value(static_cast<int64_t>(rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f)));
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      return json::Value(static_cast<int64_t>(rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f)));
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      return json::Value(absl::StrCat(rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f)));
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      return json::Value(rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f));
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      return json::Value(static_cast<double>(rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f)));
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      return json::Value(rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f));
    case pb::FieldDescriptor::CPPTYPE_STRING:
      return json::Value(rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f));
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      return json::Value(LowerEnumName(rep ? r->GetRepeatedEnum(m, f, index) : r->GetEnum(m, f)));
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      return MessageToJson(rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f));
  }
  return json::Value();
}

}  // namespace

json::Value MessageToJson(const pb::Message& m) {
  const pb::Descriptor* d = m.GetDescriptor();
  const pb::Reflection* r = m.GetReflection();
  json::Object obj;
  obj.reserve(static_cast<size_t>(d->field_count()));
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    if (f->is_repeated()) {
      json::Array arr;
      const int n = r->FieldSize(m, f);
      arr.reserve(static_cast<size_t>(n));
      for (int k = 0; k < n; ++k) arr.push_back(FieldValue(m, f, k));
      obj.emplace_back(f->name(), json::Value(std::move(arr)));
    } else {
      obj.emplace_back(f->name(), FieldValue(m, f, 0));
    }
  }
  return json::Value(std::move(obj));
}

}  // namespace doomscope::results
