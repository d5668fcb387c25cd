#include "results/files/regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace doomscope {
namespace {

constexpr size_t kReadChunk = 1u << 20;
// Lines at least this long are moved out of the buffer instead of copied.
constexpr size_t kBigLine = 4 * kReadChunk;

absl::Status ErrnoStatus(int err, const std::string& path, std::string_view what) {
  // "cannot open PATH: reason", the wording the readers this replaces used.
  const std::string msg = absl::StrCat(std::string(what), " ", path, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
    case ENOTDIR: return absl::NotFoundError(msg);
    case EACCES:
    case EPERM: return absl::PermissionDeniedError(msg);
    default: return absl::UnavailableError(msg);
  }
}

}  // namespace

ScopedFd::~ScopedFd() {
  if (fd_ >= 0) ::close(fd_);
}

ScopedFd& ScopedFd::operator=(ScopedFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

std::string_view FileTypeName(unsigned mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

absl::Status CheckRegularFile(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoStatus(errno, path, "cannot stat");
  if (S_ISREG(st.st_mode)) return absl::OkStatus();
  if (S_ISDIR(st.st_mode)) return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory, not a file"));
  return absl::InvalidArgumentError(absl::StrCat(path, ": is ", std::string(FileTypeName(st.st_mode)), ", not a regular file"));
}

absl::StatusOr<ScopedFd> OpenRegularFile(const std::string& path) {
  // O_NONBLOCK: a FIFO without a writer would otherwise block this open.
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) {
    if (errno == EISDIR) return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory, not a file"));
    return ErrnoStatus(errno, path, "cannot open");
  }
  if (absl::Status st = CheckRegularFile(fd.get(), path); !st.ok()) return st;
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) {
    return ErrnoStatus(errno, path, "cannot set blocking mode");
  }
  return fd;
}

absl::Status ReadAll(int fd, const std::string& name, std::string* out, int64_t max_bytes) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoStatus(errno, name, "cannot stat");
  if (st.st_size > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": ", st.st_size, " bytes, more than the limit of ", max_bytes));
  }
  out->clear();
  out->reserve(static_cast<size_t>(st.st_size));
  char chunk[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, chunk, sizeof(chunk));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, name, "read error");
    }
    if (n == 0) break;
    if (static_cast<int64_t>(out->size()) + n > max_bytes) {  // the file grew while reading
      return absl::InvalidArgumentError(absl::StrCat(name, ": more than the limit of ", max_bytes, " bytes"));
    }
    out->append(chunk, static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status ReadFileToString(const std::string& path, std::string* out, int64_t max_bytes) {
  absl::StatusOr<ScopedFd> fd = OpenRegularFile(path);
  if (!fd.ok()) return fd.status();
  return ReadAll(fd->get(), path, out, max_bytes);
}

absl::StatusOr<ScopedFd> OpenDirectory(const std::string& path) {
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOTDIR) return absl::InvalidArgumentError(absl::StrCat(path, ": is not a directory"));
    return ErrnoStatus(errno, path, "cannot open folder");
  }
  return fd;
}

absl::StatusOr<ScopedFd> OpenRegularFileBeneath(int dir_fd, std::string_view relative) {
  const std::string name(relative);
  auto refused = [&](std::string_view why) {
    return absl::PermissionDeniedError(absl::StrCat(name, ": ", std::string(why)));
  };
  if (relative.empty() || relative.front() == '/') return refused("not a relative path");
  ScopedFd current;  // the directory walked so far (dir_fd itself at first)
  size_t start = 0;
  while (true) {
    const size_t slash = relative.find('/', start);
    const bool last = slash == std::string_view::npos;
    const std::string part(relative.substr(start, last ? std::string_view::npos : slash - start));
    if (part.empty() || part == "." || part == "..") return refused("empty, \".\" or \"..\" in the path");
    const int parent = current.get() >= 0 ? current.get() : dir_fd;
    // O_NOFOLLOW: a symlink as the last name fails with ELOOP; O_DIRECTORY
    // with it refuses a symlink (or a file) in the middle.
    const int flags = last ? (O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
                           : (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    ScopedFd next(::openat(parent, part.c_str(), flags));
    if (next.get() < 0) {
      if (errno == ELOOP || errno == ENOTDIR) return refused("a symlink or a file where a folder was expected");
      return ErrnoStatus(errno, name, "cannot open");
    }
    if (last) {
      if (absl::Status st = CheckRegularFile(next.get(), name); !st.ok()) return st;
      const int fl = ::fcntl(next.get(), F_GETFL);
      if (fl < 0 || ::fcntl(next.get(), F_SETFL, fl & ~O_NONBLOCK) != 0) {
        return ErrnoStatus(errno, name, "cannot set blocking mode");
      }
      return next;
    }
    current = std::move(next);
    start = slash + 1;
  }
}

absl::StatusOr<LineReader> LineReader::Open(const std::string& path, int64_t max_line_bytes) {
  absl::StatusOr<ScopedFd> fd = OpenRegularFile(path);
  if (!fd.ok()) return fd.status();
  return LineReader(path, *std::move(fd), max_line_bytes);
}

absl::Status LineReader::Fill() {
  // Drop what was consumed, then append one chunk.
  if (begin_ > 0) {
    buffer_.erase(0, begin_);
    begin_ = 0;
  }
  const size_t old = buffer_.size();
  buffer_.resize(old + kReadChunk);
  while (true) {
    const ssize_t n = ::read(fd_.get(), buffer_.data() + old, kReadChunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      buffer_.resize(old);
      return ErrnoStatus(errno, path_, "read error");
    }
    buffer_.resize(old + static_cast<size_t>(n));
    if (n == 0) eof_ = true;
    return absl::OkStatus();
  }
}

absl::StatusOr<bool> LineReader::Next(std::string* line) {
  size_t scanned = begin_;
  while (true) {
    const size_t nl = buffer_.find('\n', scanned);
    if (nl != std::string::npos) {
      if (static_cast<int64_t>(nl - begin_) > max_line_bytes_) break;
      ++line_number_;
      if (nl - begin_ < kBigLine) {
        line->assign(buffer_, begin_, nl - begin_);
        begin_ = nl + 1;
        return true;
      }
      // A long line: hand over the buffer itself rather than a second copy.
      std::string rest = buffer_.substr(nl + 1);
      buffer_.resize(nl);
      buffer_.erase(0, begin_);
      line->swap(buffer_);
      buffer_ = std::move(rest);
      begin_ = 0;
      return true;
    }
    if (static_cast<int64_t>(buffer_.size() - begin_) > max_line_bytes_) break;
    if (eof_) {
      if (begin_ >= buffer_.size()) return false;
      buffer_.erase(0, begin_);
      line->swap(buffer_);
      buffer_.clear();
      begin_ = 0;
      ++line_number_;
      return true;
    }
    scanned = buffer_.size() - begin_;
    if (absl::Status st = Fill(); !st.ok()) return st;
    scanned += begin_;
  }
  return absl::InvalidArgumentError(absl::StrCat(path_, ":", line_number_ + 1, ": line longer than ",
                                                 max_line_bytes_, " bytes (the limit for one line)"));
}

}  // namespace doomscope
