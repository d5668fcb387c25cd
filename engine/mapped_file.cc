#include "engine/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <new>

#include "absl/strings/str_cat.h"

namespace doomscope::engine {
namespace {

constexpr std::align_val_t kHeapAlignment{64};

std::string ErrnoText(int err) { return std::string(std::strerror(err)); }

}  // namespace

absl::StatusOr<std::shared_ptr<const MappedFile>> MappedFile::Open(const std::string& path) {
  // O_NONBLOCK: opening a FIFO without a writer would otherwise block here
  // forever; the type is then checked on what was opened. (The engine keeps
  // this check of its own: it may not use the results/ file leaf.)
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    int err = errno;
    std::string msg = absl::StrCat(path, ": cannot open: ", ErrnoText(err));
    return err == ENOENT ? absl::NotFoundError(msg) : absl::PermissionDeniedError(msg);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return absl::InternalError(absl::StrCat(path, ": cannot stat: ", ErrnoText(err)));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory, not a file"));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": is ", S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISSOCK(st.st_mode) ? "a socket" : "a device",
        ", not a regular file"));
  }
  size_t size = static_cast<size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return std::shared_ptr<const MappedFile>(new MappedFile(Kind::kEmpty, nullptr, 0, path));
  }
  void* addr = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  int err = errno;
  ::close(fd);  // the mapping keeps its own reference to the file
  if (addr == MAP_FAILED) {
    return absl::InternalError(absl::StrCat(path, ": mmap of ", size, " bytes failed: ", ErrnoText(err)));
  }
  return std::shared_ptr<const MappedFile>(
      new MappedFile(Kind::kMmap, static_cast<const std::byte*>(addr), size, path));
}

std::shared_ptr<const MappedFile> MappedFile::FromBytes(std::span<const std::byte> bytes,
                                                        std::string name) {
  if (bytes.empty()) {
    return std::shared_ptr<const MappedFile>(new MappedFile(Kind::kEmpty, nullptr, 0, std::move(name)));
  }
  auto* buffer = static_cast<std::byte*>(::operator new(bytes.size(), kHeapAlignment));
  std::memcpy(buffer, bytes.data(), bytes.size());
  return std::shared_ptr<const MappedFile>(
      new MappedFile(Kind::kHeap, buffer, bytes.size(), std::move(name)));
}

std::shared_ptr<const MappedFile> MappedFile::FromString(std::string_view bytes, std::string name) {
  return FromBytes(std::as_bytes(std::span<const char>(bytes.data(), bytes.size())), std::move(name));
}

MappedFile::~MappedFile() {
  switch (kind_) {
    case Kind::kEmpty:
      break;
    case Kind::kMmap:
      ::munmap(const_cast<std::byte*>(data_), size_);
      break;
    case Kind::kHeap:
      ::operator delete(const_cast<std::byte*>(data_), kHeapAlignment);
      break;
  }
}

bool ByteReader::Need(size_t n, std::string_view field) {
  if (!status_.ok()) return false;
  if (n <= remaining()) return true;
  status_ = absl::InvalidArgumentError(absl::StrCat(
      name_, ": truncated at offset ", offset_, " reading ", std::string(field), " (needs ", n,
      " bytes, ", remaining(), " left)"));
  return false;
}

bool ByteReader::ReadSpan(size_t n, std::span<const std::byte>* out, std::string_view field) {
  if (!Need(n, field)) return false;
  *out = bytes_.subspan(offset_, n);
  offset_ += n;
  return true;
}

bool ByteReader::Skip(size_t n, std::string_view field) {
  if (!Need(n, field)) return false;
  offset_ += n;
  return true;
}

bool ByteReader::Fail(std::string_view message) {
  if (status_.ok()) status_ = Error(message);
  return false;
}

absl::Status ByteReader::Error(std::string_view message) const {
  if (!status_.ok()) return status_;
  return absl::InvalidArgumentError(
      absl::StrCat(name_, ": at offset ", offset_, ": ", std::string(message)));
}

}  // namespace doomscope::engine
