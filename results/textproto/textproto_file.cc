#include "results/textproto/textproto_file.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "results/files/regular_file.h"

namespace doomscope {
namespace {

// Text-format files are configuration: a few KiB. Anything near this size is
// not one, and reading it whole would only waste memory.
constexpr int64_t kMaxTextProtoBytes = 64 << 20;

class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    if (first_.empty()) first_ = absl::StrCat(line + 1, ":", column + 1, ": ", message);
  }
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

}  // namespace

absl::Status ParseTextProto(std::string_view text, const std::string& name, google::protobuf::Message* message) {
  message->Clear();
  google::protobuf::TextFormat::Parser parser;
  FirstError errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), message)) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ":", errors.first().empty() ? std::string("not a valid text proto") : errors.first()));
  }
  return absl::OkStatus();
}

absl::Status ReadTextProtoFile(const std::string& path, google::protobuf::Message* message) {
  std::string text;
  if (absl::Status st = ReadFileToString(path, &text, kMaxTextProtoBytes); !st.ok()) return st;
  return ParseTextProto(text, path, message);
}

}  // namespace doomscope
