#include "results/record_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "results/crc32c.h"

namespace doomscope::results {
namespace {

constexpr size_t kHeaderBytes = 12;              // length + its CRC
constexpr size_t kWriteThreshold = 4u << 20;     // buffered bytes before a write(2)
constexpr size_t kReadChunk = 1u << 20;

void PutLe64(uint64_t v, char* out) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
void PutLe32(uint32_t v, char* out) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
uint64_t GetLe64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
uint32_t GetLe32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

absl::Status ErrnoError(const std::string& what, const std::string& path) {
  return absl::UnavailableError(absl::StrCat(path, ": ", what, ": ", std::strerror(errno)));
}

// Reads exactly `n` bytes at `offset` (n small enough for memory: bounded by
// the file size, which the caller checked).
absl::Status PreadAll(int fd, const std::string& path, int64_t offset, size_t n, std::string* out) {
  out->resize(n);
  size_t done = 0;
  while (done < n) {
    const ssize_t got = ::pread(fd, out->data() + done, n - done, static_cast<off_t>(offset + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("read", path);
    }
    if (got == 0) return absl::DataLossError(absl::StrCat(path, ": file shrank while reading at offset ", offset));
    done += static_cast<size_t>(got);
  }
  return absl::OkStatus();
}

bool AllZero(int fd, const std::string& path, int64_t from, int64_t size) {
  std::string chunk;
  for (int64_t off = from; off < size;) {
    const size_t n = static_cast<size_t>(std::min<int64_t>(kReadChunk, size - off));
    if (!PreadAll(fd, path, off, n, &chunk).ok()) return false;
    for (char c : chunk) {
      if (c != 0) return false;
    }
    off += static_cast<int64_t>(n);
  }
  return true;
}

struct ScanResult {
  int64_t valid_end = 0;   // end of the last valid frame
  int64_t torn_bytes = 0;  // bytes after it (a torn tail)
  int64_t records = 0;
};

// Walks the frames of an open file; `payload_fn` (may be null) sees each valid
// payload with its offset and may reject it.
absl::StatusOr<ScanResult> ScanFrames(
    int fd, const std::string& path,
    const std::function<absl::Status(int64_t offset, const std::string& payload)>& payload_fn) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoError("stat", path);
  const int64_t size = st.st_size;
  ScanResult r;
  std::string header, payload, crc_bytes;
  int64_t off = 0;
  while (off < size) {
    const int64_t left = size - off;
    if (left < static_cast<int64_t>(kHeaderBytes)) break;  // torn: partial header
    if (absl::Status s = PreadAll(fd, path, off, kHeaderBytes, &header); !s.ok()) return s;
    const uint64_t length = GetLe64(header.data());
    if (UnmaskCrc(GetLe32(header.data() + 8)) != Crc32c(std::string_view(header.data(), 8))) {
      if (AllZero(fd, path, off, size)) break;  // torn: zero-filled end
      return absl::DataLossError(absl::StrCat(path, ": offset ", off,
                                              ": record length checksum mismatch (corrupt record file)"));
    }
    const uint64_t frame_left = static_cast<uint64_t>(left) - kHeaderBytes;
    if (length > frame_left || frame_left - length < 4) break;  // torn: frame runs past the end
    if (absl::Status s = PreadAll(fd, path, off + static_cast<int64_t>(kHeaderBytes), length, &payload); !s.ok()) {
      return s;
    }
    const int64_t crc_off = off + static_cast<int64_t>(kHeaderBytes + length);
    if (absl::Status s = PreadAll(fd, path, crc_off, 4, &crc_bytes); !s.ok()) return s;
    const int64_t frame_end = crc_off + 4;
    if (UnmaskCrc(GetLe32(crc_bytes.data())) != Crc32c(payload)) {
      if (frame_end == size) break;  // torn: the last frame's bytes did not all land
      return absl::DataLossError(absl::StrCat(path, ": offset ", off,
                                              ": record payload checksum mismatch (corrupt record file)"));
    }
    if (payload_fn) {
      if (absl::Status s = payload_fn(off, payload); !s.ok()) return s;
    }
    ++r.records;
    off = frame_end;
  }
  r.valid_end = off;
  r.torn_bytes = size - off;
  return r;
}

}  // namespace

std::string FrameRecord(const std::string& payload) {
  std::string out(kHeaderBytes + payload.size() + 4, '\0');
  PutLe64(payload.size(), out.data());
  PutLe32(MaskCrc(Crc32c(std::string_view(out.data(), 8))), out.data() + 8);
  std::memcpy(out.data() + kHeaderBytes, payload.data(), payload.size());
  PutLe32(MaskCrc(Crc32c(payload)), out.data() + kHeaderBytes + payload.size());
  return out;
}

absl::StatusOr<std::unique_ptr<RecordWriter>> RecordWriter::OpenForAppend(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) return absl::UnavailableError(absl::StrCat(parent.string(), ": cannot create folder: ", ec.message()));
  }
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("open for append", path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": another process is writing this record file (is a run with the same shard "
                             "still going?)"));
    }
    errno = err;
    return ErrnoError("lock", path);
  }
  absl::StatusOr<ScanResult> scan = ScanFrames(fd, path, nullptr);
  if (!scan.ok()) {
    ::close(fd);
    return scan.status();
  }
  if (scan->torn_bytes > 0) {
    if (::ftruncate(fd, static_cast<off_t>(scan->valid_end)) != 0 || ::fdatasync(fd) != 0) {
      absl::Status s = ErrnoError("truncate torn tail", path);
      ::close(fd);
      return s;
    }
  }
  if (::lseek(fd, 0, SEEK_END) < 0) {
    absl::Status s = ErrnoError("seek", path);
    ::close(fd);
    return s;
  }
  return std::unique_ptr<RecordWriter>(new RecordWriter(path, fd, scan->torn_bytes));
}

RecordWriter::~RecordWriter() {
  if (fd_ >= 0) {
    (void)WriteBuffer();  // best effort: whole frames only, so a reader never sees a torn one from us
    ::close(fd_);
  }
}

absl::Status RecordWriter::Append(const SampleRecord& record) {
  std::string payload;
  if (!record.SerializeToString(&payload)) {
    return absl::InternalError(absl::StrCat(path_, ": cannot serialize record ", record.sample_id()));
  }
  buffer_ += FrameRecord(payload);
  if (buffer_.size() >= kWriteThreshold) return WriteBuffer();
  return absl::OkStatus();
}

absl::Status RecordWriter::WriteBuffer() {
  size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      // Keep what did not land; a partial frame on disk is a torn tail that
      // the next OpenForAppend removes.
      buffer_.erase(0, done);
      return ErrnoError("write", path_);
    }
    done += static_cast<size_t>(n);
  }
  buffer_.clear();
  return absl::OkStatus();
}

absl::Status RecordWriter::Flush() {
  if (absl::Status s = WriteBuffer(); !s.ok()) return s;
  if (::fdatasync(fd_) != 0) return ErrnoError("fdatasync", path_);
  return absl::OkStatus();
}

absl::Status ReadRecordFile(const std::string& path, const std::function<void(SampleRecord)>& fn,
                            ReadStats* stats) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": no such record file"));
    return ErrnoError("open", path);
  }
  absl::StatusOr<ScanResult> scan =
      ScanFrames(fd, path, [&](int64_t offset, const std::string& payload) -> absl::Status {
        SampleRecord record;
        if (!record.ParseFromString(payload)) {
          return absl::DataLossError(
              absl::StrCat(path, ": offset ", offset, ": checksums match but the payload is not a SampleRecord"));
        }
        if (fn) fn(std::move(record));
        return absl::OkStatus();
      });
  ::close(fd);
  if (!scan.ok()) return scan.status();
  if (stats != nullptr) {
    stats->records += scan->records;
    stats->torn_tail_bytes += scan->torn_bytes;
  }
  return absl::OkStatus();
}

}  // namespace doomscope::results
