// Opening the files a user names (--suite, --policy, --detector_config, suite
// prompts and data, generations, record files): every read goes through here,
// so the checks are made once, before anything can block.
//
// A FIFO would block the open (or the first read) forever, a device may never
// end, and a folder reads as empty; each is refused with a message that says
// what the path is. The file is opened with O_NONBLOCK, which returns at once
// even for a FIFO without a writer, and the type is checked with fstat on what
// was opened (no window between a check and the open). O_NONBLOCK is then
// cleared: regular files ignore it anyway.
#ifndef DOOMSCOPE_RESULTS_FILES_REGULAR_FILE_H_
#define DOOMSCOPE_RESULTS_FILES_REGULAR_FILE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace doomscope {

// An owned file descriptor, closed on destruction.
class ScopedFd {
 public:
  ScopedFd() = default;
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd();
  ScopedFd(ScopedFd&& other) noexcept : fd_(other.release()) {}
  ScopedFd& operator=(ScopedFd&& other) noexcept;
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;

  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

// What a file type is called in messages ("a directory", "a FIFO", ...).
std::string_view FileTypeName(unsigned mode);

// Opens `path` read-only when it is a regular file. Errors name the path:
// NotFound when it does not exist, InvalidArgument "PATH: is a directory" /
// "PATH: is a FIFO, not a regular file" (and the like for sockets and
// devices), PermissionDenied, else Unavailable with the system's reason.
absl::StatusOr<ScopedFd> OpenRegularFile(const std::string& path);

// The same check for a descriptor opened elsewhere (e.g. with openat).
absl::Status CheckRegularFile(int fd, const std::string& path);

inline constexpr int64_t kNoSizeLimit = INT64_MAX;

// Opens a directory (for OpenRegularFileBeneath).
absl::StatusOr<ScopedFd> OpenDirectory(const std::string& path);

// Opens `relative` beneath the directory `dir_fd` in one walk, a component at
// a time with O_NOFOLLOW, so nothing is checked and then opened again: a
// folder swapped for a symlink mid-walk cannot lead out of the directory.
// `relative` is plain names joined by '/': an empty name, ".", "..", a
// leading '/', or a symlink anywhere is refused (PermissionDenied); what is
// opened must be a regular file (InvalidArgument otherwise); NotFound when a
// name does not exist.
absl::StatusOr<ScopedFd> OpenRegularFileBeneath(int dir_fd, std::string_view relative);

// Reads all of an open file; more than `max_bytes` is an error naming `name`.
absl::Status ReadAll(int fd, const std::string& name, std::string* out, int64_t max_bytes = kNoSizeLimit);

// Reads a whole regular file. A file larger than `max_bytes` is refused
// (InvalidArgument naming the size) before anything is read.
absl::Status ReadFileToString(const std::string& path, std::string* out, int64_t max_bytes = kNoSizeLimit);

// Reads a regular file line by line in chunks (never the whole file at once).
// Lines end at '\n' (not included; a '\r' before it is kept). A line longer
// than `max_line_bytes` is an error naming the file and line, read no further,
// so one hostile line cannot take all memory.
class LineReader {
 public:
  static absl::StatusOr<LineReader> Open(const std::string& path, int64_t max_line_bytes = kNoSizeLimit);

  // Reads the next line into *line; false at the end of the file.
  absl::StatusOr<bool> Next(std::string* line);
  // 1-based number of the line last returned.
  int64_t line_number() const { return line_number_; }
  const std::string& path() const { return path_; }

 private:
  LineReader(std::string path, ScopedFd fd, int64_t max_line_bytes)
      : path_(std::move(path)), fd_(std::move(fd)), max_line_bytes_(max_line_bytes) {}
  absl::Status Fill();

  std::string path_;
  ScopedFd fd_;
  int64_t max_line_bytes_;
  std::string buffer_;
  size_t begin_ = 0;  // unread bytes are buffer_[begin_, buffer_.size())
  bool eof_ = false;
  int64_t line_number_ = 0;
};

}  // namespace doomscope

#endif  // DOOMSCOPE_RESULTS_FILES_REGULAR_FILE_H_
