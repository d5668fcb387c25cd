#include "results/json/jsonl.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace doomscope::json {
namespace {

bool IsBlank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

absl::Status ErrnoError(const char* what, const std::string& path) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

}  // namespace

absl::Status ReadFileToString(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("error reading ", path));
  *out = std::move(ss).str();
  return absl::OkStatus();
}

absl::Status ReadJsonl(const std::string& path,
                       const std::function<absl::Status(int line, Value value)>& fn,
                       const std::function<void(const absl::Status&)>& on_bad_line) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (IsBlank(line)) continue;
    absl::Status st;
    auto value = Parse(line);
    if (!value.ok()) {
      st = absl::InvalidArgumentError(
          absl::StrCat(path, ":", line_no, ": invalid JSON: ", value.status().message()));
    } else {
      st = fn(line_no, *std::move(value));
      if (!st.ok()) {
        st = absl::Status(st.code(), absl::StrCat(path, ":", line_no, ": ", st.message()));
      }
    }
    if (st.ok()) continue;
    if (!on_bad_line) return st;
    on_bad_line(st);
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat("error reading ", path));
  return absl::OkStatus();
}

AtomicFileWriter::AtomicFileWriter(std::string path)
    : path_(std::move(path)), tmp_path_(absl::StrCat(path_, ".tmp-", getpid())) {}

AtomicFileWriter::~AtomicFileWriter() {
  if (file_ != nullptr) std::fclose(file_);
  if (!committed_) std::remove(tmp_path_.c_str());
}

absl::Status AtomicFileWriter::Open() {
  file_ = std::fopen(tmp_path_.c_str(), "wb");
  if (file_ == nullptr) return ErrnoError("cannot create", tmp_path_);
  return absl::OkStatus();
}

absl::Status AtomicFileWriter::Write(std::string_view bytes) {
  if (file_ == nullptr) return absl::FailedPreconditionError("AtomicFileWriter not open");
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    return ErrnoError("cannot write", tmp_path_);
  }
  return absl::OkStatus();
}

absl::Status AtomicFileWriter::WriteLine(const Value& v) {
  std::string s = Serialize(v);
  s.push_back('\n');
  return Write(s);
}

absl::Status AtomicFileWriter::Commit() {
  if (file_ == nullptr) return absl::FailedPreconditionError("AtomicFileWriter not open");
  if (std::fflush(file_) != 0 || fsync(fileno(file_)) != 0) return ErrnoError("cannot flush", tmp_path_);
  std::fclose(file_);
  file_ = nullptr;
  if (std::rename(tmp_path_.c_str(), path_.c_str()) != 0) return ErrnoError("cannot rename onto", path_);
  committed_ = true;
  return absl::OkStatus();
}

absl::Status WriteFileAtomically(const std::string& path, std::string_view contents) {
  AtomicFileWriter w(path);
  if (auto st = w.Open(); !st.ok()) return st;
  if (auto st = w.Write(contents); !st.ok()) return st;
  return w.Commit();
}

}  // namespace doomscope::json
