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
#include "results/files/regular_file.h"
#include "results/hash/crc32c.h"

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

// What to do about a corrupt file, for the error that names it.
std::string Hint(const std::string& path) {
  const std::filesystem::path p(path);
  const std::filesystem::path dir = p.parent_path().filename() == "records" ? p.parent_path().parent_path() : p.parent_path();
  return absl::StrCat(" (`doomscope repair ", dir.string(), "` keeps every valid record and sets the bad bytes aside)");
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
                                              ": record length checksum mismatch (corrupt record file)", Hint(path)));
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
                                              ": record payload checksum mismatch (corrupt record file)", Hint(path)));
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

// A frame that starts at data[off] and passes both checksums; its end, or 0.
size_t ValidFrameEnd(std::string_view data, size_t off) {
  if (data.size() - off < kHeaderBytes + 4) return 0;
  if (UnmaskCrc(GetLe32(data.data() + off + 8)) != Crc32c(data.substr(off, 8))) return 0;
  const uint64_t length = GetLe64(data.data() + off);
  if (length > data.size() - off - kHeaderBytes - 4) return 0;
  const std::string_view payload = data.substr(off + kHeaderBytes, length);
  if (UnmaskCrc(GetLe32(data.data() + off + kHeaderBytes + length)) != Crc32c(payload)) return 0;
  return off + kHeaderBytes + length + 4;
}

// Salvage: walks a whole file in memory, handing every valid frame's payload
// to `payload_fn` (which may refuse it: then it counts as corrupt), and
// resynchronising after a bad region at the next offset where a valid frame
// starts. What follows the last valid frame is a torn tail when it looks like
// one (the rules at the top of record_file.h), else corrupt.
ScanResult SalvageFrames(std::string_view data, ReadStats* stats,
                         const std::function<bool(int64_t offset, std::string_view payload)>& payload_fn) {
  ScanResult r;
  size_t off = 0;
  size_t bad_start = std::string_view::npos;
  auto close_bad = [&](size_t end) {
    if (bad_start == std::string_view::npos) return;
    stats->corrupt_bytes += static_cast<int64_t>(end - bad_start);
    ++stats->corrupt_regions;
    bad_start = std::string_view::npos;
  };
  while (off < data.size()) {
    const size_t end = ValidFrameEnd(data, off);
    if (end != 0 && payload_fn(static_cast<int64_t>(off), data.substr(off + kHeaderBytes, end - off - kHeaderBytes - 4))) {
      close_bad(off);
      ++r.records;
      off = end;
      r.valid_end = static_cast<int64_t>(off);
      continue;
    }
    if (bad_start == std::string_view::npos) bad_start = off;
    ++off;
  }
  if (bad_start != std::string_view::npos) {
    // The end of the file after the last valid frame: a torn tail is a short
    // header, a zero-filled end, or a frame whose declared length runs past
    // the end; anything else there is corruption.
    const std::string_view rest = data.substr(bad_start);
    bool torn = rest.size() < kHeaderBytes || rest.find_first_not_of('\0') == std::string_view::npos;
    if (!torn && UnmaskCrc(GetLe32(rest.data() + 8)) == Crc32c(rest.substr(0, 8))) {
      // A frame running past the end, or ending exactly at it with a bad
      // payload checksum (its last bytes did not land).
      const uint64_t length = GetLe64(rest.data());
      const uint64_t after_header = rest.size() - kHeaderBytes;
      torn = length > after_header || after_header - length <= 4;
    }
    if (torn) {
      r.torn_bytes = static_cast<int64_t>(rest.size());
      bad_start = std::string_view::npos;
    } else {
      close_bad(data.size());
    }
  }
  return r;
}


}  // namespace

void AppendReadWarnings(const std::string& path, const ReadStats& stats, std::string_view what,
                        std::vector<std::string>* warnings) {
  if (stats.torn_tail_bytes > 0) {
    warnings->push_back(absl::StrCat(path, ": dropped a torn last ", std::string(what), " (", stats.torn_tail_bytes,
                                     " bytes; a crash mid-write)"));
  }
  if (stats.corrupt_regions > 0) {
    warnings->push_back(absl::StrCat(path, ": skipped ", stats.corrupt_bytes, " corrupt bytes in ",
                                     stats.corrupt_regions, " places"));
  }
}

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

absl::Status RecordWriter::AppendMessage(const google::protobuf::MessageLite& message) {
  std::string payload;
  if (!message.SerializeToString(&payload)) {
    return absl::InternalError(absl::StrCat(path_, ": cannot serialize a ", message.GetTypeName()));
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

absl::Status ReadFramedFile(const std::string& path, const std::function<bool(std::string_view payload)>& parse,
                            std::string_view type_name, ReadStats* stats, ReadMode mode) {
  absl::StatusOr<ScopedFd> fd = OpenRegularFile(path);
  if (!fd.ok()) {
    if (fd.status().code() == absl::StatusCode::kNotFound) {
      return absl::NotFoundError(absl::StrCat(path, ": no such record file"));
    }
    return fd.status();
  }
  if (mode == ReadMode::kSalvage) {
    std::string data;
    if (absl::Status s = ReadAll(fd->get(), path, &data); !s.ok()) return s;
    ReadStats local;
    ReadStats* st = stats != nullptr ? stats : &local;
    const ScanResult scan =
        SalvageFrames(data, st, [&](int64_t, std::string_view payload) { return parse(payload); });
    st->records += scan.records;
    st->torn_tail_bytes += scan.torn_bytes;
    return absl::OkStatus();
  }
  absl::StatusOr<ScanResult> scan =
      ScanFrames(fd->get(), path, [&](int64_t offset, const std::string& payload) -> absl::Status {
        if (!parse(payload)) {
          return absl::DataLossError(absl::StrCat(path, ": offset ", offset,
                                                  ": checksums match but the payload is not a ", std::string(type_name),
                                                  Hint(path)));
        }
        return absl::OkStatus();
      });
  if (!scan.ok()) return scan.status();
  if (stats != nullptr) {
    stats->records += scan->records;
    stats->torn_tail_bytes += scan->torn_bytes;
  }
  return absl::OkStatus();
}

absl::Status ReadRecordFile(const std::string& path, const std::function<void(SampleRecord)>& fn,
                            ReadStats* stats, ReadMode mode) {
  return ReadFramedFile(
      path,
      [&](std::string_view payload) {
        SampleRecord record;
        if (!record.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) return false;
        if (fn) fn(std::move(record));
        return true;
      },
      "SampleRecord", stats, mode);
}

absl::StatusOr<RepairResult> RepairRecordFile(const std::string& path) {
  ScopedFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) return ErrnoError("open", path);
  if (absl::Status st = CheckRegularFile(fd.get(), path); !st.ok()) return st;
  // The same lock a RecordWriter holds: never rewrite a file being appended to.
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": a run is writing this record file; repair it once the run has stopped"));
  }
  RepairResult result;
  std::string data;
  if (absl::Status s = ReadAll(fd.get(), path, &data); !s.ok()) return s;
  std::string clean;
  const ScanResult scan = SalvageFrames(data, &result.stats, [&](int64_t offset, std::string_view payload) {
    SampleRecord record;
    if (!record.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) return false;
    clean.append(data, static_cast<size_t>(offset), kHeaderBytes + payload.size() + 4);
    return true;
  });
  result.stats.records = scan.records;
  result.stats.torn_tail_bytes = scan.torn_bytes;
  if (result.stats.corrupt_bytes == 0) return result;  // nothing in the middle: a torn tail is the writer's job

  // Keep the original whole, synced, before anything replaces it.
  for (int n = 1;; ++n) {
    result.aside_path = absl::StrCat(path, ".corrupt-", n);
    if (!std::filesystem::exists(result.aside_path)) break;
  }
  for (const auto& [target, bytes] : {std::pair<std::string, const std::string*>{result.aside_path, &data},
                                      std::pair<std::string, const std::string*>{path + ".repair-tmp", &clean}}) {
    ScopedFd out(::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (out.get() < 0) return ErrnoError("create", target);
    size_t done = 0;
    while (done < bytes->size()) {
      const ssize_t n = ::write(out.get(), bytes->data() + done, bytes->size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoError("write", target);
      done += static_cast<size_t>(n);
    }
    if (::fsync(out.get()) != 0) return ErrnoError("fsync", target);
  }
  if (::rename((path + ".repair-tmp").c_str(), path.c_str()) != 0) return ErrnoError("rename", path);
  return result;
}

}  // namespace doomscope::results
