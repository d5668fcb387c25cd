// JSON Lines input and crash-safe output files.
#ifndef DOOMSCOPE_RESULTS_JSON_JSONL_H_
#define DOOMSCOPE_RESULTS_JSON_JSONL_H_

#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "results/files/regular_file.h"
#include "results/json/json.h"

namespace doomscope::json {

// The default limit on one JSONL line: far above any real generation, well
// below what would exhaust memory.
inline constexpr int64_t kMaxJsonlLineBytes = int64_t{1} << 30;

// Calls `fn(line_number, value)` for every non-blank line of `path` (1-based
// line numbers). A line that is not valid JSON, or that `fn` rejects, stops
// the read with an error "PATH:LINE: ..." unless `on_bad_line` is given: then
// it is called with that error and reading continues.
// The file is opened with OpenRegularFile (a FIFO or folder is refused) and
// read in chunks; a line longer than `max_line_bytes` stops the read with an
// error naming the line (no line, however long, is held twice while `fn` runs).
absl::Status ReadJsonl(
    const std::string& path,
    const std::function<absl::Status(int line, Value value)>& fn,
    const std::function<void(const absl::Status&)>& on_bad_line = nullptr,
    int64_t max_line_bytes = kMaxJsonlLineBytes);

// Whole-file reads live in the file leaf; callers that read JSON files name
// them through here.
using ::doomscope::ReadFileToString;

// Writes to PATH.tmp-PID and renames it over PATH on Commit(), so a reader
// never sees a half-written file and an error leaves an old PATH untouched.
// Destroying an uncommitted writer removes the temporary file.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::string path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  absl::Status Open();
  absl::Status Write(std::string_view bytes);
  absl::Status WriteLine(const Value& v);  // one JSONL line
  absl::Status Commit();                    // flush, fsync, rename

 private:
  std::string path_;
  std::string tmp_path_;
  std::FILE* file_ = nullptr;
  bool committed_ = false;
};

// Writes `contents` to `path` atomically (AtomicFileWriter in one call).
absl::Status WriteFileAtomically(const std::string& path, std::string_view contents);

}  // namespace doomscope::json

#endif  // DOOMSCOPE_RESULTS_JSON_JSONL_H_
