#include "results/json/jsonl.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace doomscope::json {
namespace {

// A line buffer larger than this is released after parsing, so a huge line
// and its parsed value are not both held while the caller works.
constexpr size_t kKeepLineCapacity = 16u << 20;

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

absl::Status ReadJsonl(const std::string& path,
                       const std::function<absl::Status(int line, Value value)>& fn,
                       const std::function<void(const absl::Status&)>& on_bad_line, int64_t max_line_bytes) {
  absl::StatusOr<LineReader> reader = LineReader::Open(path, max_line_bytes);
  if (!reader.ok()) return reader.status();
  std::string line;
  while (true) {
    absl::StatusOr<bool> more = reader->Next(&line);
    if (!more.ok()) return more.status();  // a read error or an over-long line: stop
    if (!*more) break;
    const int line_no = static_cast<int>(reader->line_number());
    if (IsBlank(line)) continue;
    absl::Status st;
    auto value = Parse(line);
    if (line.capacity() > kKeepLineCapacity) std::string().swap(line);  // one copy of a long line at a time
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
