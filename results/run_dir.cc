#include "results/run_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <set>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/text_format.h"
#include "results/json/jsonl.h"
#include "results/record_file.h"
#include "results/textproto/textproto_file.h"

namespace doomscope::results {
namespace fs = std::filesystem;
namespace {

std::vector<std::string> ShardFiles(const std::string& dir, absl::Status* status) {
  std::vector<std::string> files;
  std::error_code ec;
  const fs::path records = RecordsDir(dir);
  if (!fs::exists(records, ec)) return files;
  for (fs::directory_iterator it(records, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".tfrecord" && it->is_regular_file()) files.push_back(it->path().string());
  }
  if (ec) *status = absl::UnavailableError(absl::StrCat(records.string(), ": cannot list: ", ec.message()));
  std::sort(files.begin(), files.end());
  return files;
}

std::string UtcStamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

absl::Status SyncPath(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return absl::UnavailableError(absl::StrCat(path, ": cannot open to sync"));
  const int rc = ::fsync(fileno(f));
  std::fclose(f);
  if (rc != 0) return absl::UnavailableError(absl::StrCat(path, ": fsync failed"));
  return absl::OkStatus();
}

}  // namespace

std::string ManifestPath(const std::string& dir) { return (fs::path(dir) / "manifest").string(); }
std::string RecordsDir(const std::string& dir) { return (fs::path(dir) / "records").string(); }
std::string SummaryPath(const std::string& dir) { return (fs::path(dir) / "summary.json").string(); }

std::string ShardRecordPath(const std::string& dir, int shard, int num_shards) {
  return (fs::path(RecordsDir(dir)) / absl::StrFormat("shard-%d-of-%d.tfrecord", shard, num_shards)).string();
}

absl::StatusOr<RunManifest> ReadManifest(const std::string& dir) {
  const std::string path = ManifestPath(dir);
  std::error_code ec;
  if (!fs::exists(path, ec)) return absl::NotFoundError(absl::StrCat(path, ": no run manifest"));
  RunManifest m;
  if (absl::Status s = ReadTextProtoFile(path, &m); !s.ok()) return s;
  return m;
}

absl::Status WriteManifest(const std::string& dir, const RunManifest& m) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat(dir, ": cannot create folder: ", ec.message()));
  std::string text;
  if (!google::protobuf::TextFormat::PrintToString(m, &text)) {
    return absl::InternalError(absl::StrCat(ManifestPath(dir), ": cannot print manifest"));
  }
  return json::WriteFileAtomically(ManifestPath(dir), "# doomscope RunManifest (textproto)\n" + text);
}

absl::StatusOr<RunContents> LoadRunDir(const std::string& dir, ReadMode mode) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return absl::NotFoundError(absl::StrCat(dir, ": no such run folder"));
  const bool has_records = fs::is_directory(RecordsDir(dir), ec);
  RunContents out;
  absl::StatusOr<RunManifest> manifest = ReadManifest(dir);
  if (manifest.ok()) {
    out.manifest = *std::move(manifest);
  } else if (absl::IsNotFound(manifest.status()) && has_records) {
    out.warnings.push_back(absl::StrCat(ManifestPath(dir), ": missing; reporting the records without it"));
  } else if (absl::IsNotFound(manifest.status())) {
    return absl::NotFoundError(absl::StrCat(dir, ": not a doomscope run folder (no manifest, no records/)"));
  } else {
    return manifest.status();
  }
  absl::Status list_status;
  const std::vector<std::string> files = ShardFiles(dir, &list_status);
  if (!list_status.ok()) return list_status;
  absl::flat_hash_set<std::string> seen;
  for (const std::string& file : files) {
    ReadStats stats;
    int64_t duplicates = 0;
    absl::Status s = ReadRecordFile(
        file,
        [&](SampleRecord r) {
          if (!r.sample_id().empty() && !seen.insert(r.sample_id()).second) {
            ++duplicates;
            return;
          }
          out.records.push_back(std::move(r));
        },
        &stats, mode);
    if (!s.ok()) return s;
    if (stats.corrupt_bytes > 0) {
      out.warnings.push_back(absl::StrCat(file, ": skipped ", stats.corrupt_bytes, " corrupt bytes in ",
                                          stats.corrupt_regions, " place(s); every valid record around them is "
                                          "kept (`doomscope repair ", dir, "` sets the bad bytes aside)"));
    }
    if (stats.torn_tail_bytes > 0) {
      out.warnings.push_back(absl::StrCat(file, ": dropped a torn tail of ", stats.torn_tail_bytes,
                                          " bytes (a write cut short by a crash; resume reruns those samples)"));
    }
    if (duplicates > 0) {
      out.warnings.push_back(absl::StrCat(file, ": ", duplicates, " samples already stored earlier were ignored"));
    }
  }
  return out;
}

namespace {

absl::StatusOr<int> OpenLockFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return absl::UnavailableError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  return fd;
}

int Flock(int fd, int op) {
  int rc;
  do {
    rc = ::flock(fd, op);
  } while (rc != 0 && errno == EINTR);
  return rc;
}

}  // namespace

absl::StatusOr<RunDirLock> RunDirLock::Acquire(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat(dir, ": cannot create folder: ", ec.message()));
  absl::StatusOr<int> setup = OpenLockFile((fs::path(dir) / ".setup.lock").string());
  if (!setup.ok()) return setup.status();
  if (Flock(*setup, LOCK_EX) != 0) {
    const std::string why = std::strerror(errno);
    ::close(*setup);
    return absl::UnavailableError(absl::StrCat(dir, ": cannot lock: ", why));
  }
  absl::StatusOr<int> live = OpenLockFile((fs::path(dir) / ".live.lock").string());
  if (!live.ok()) {
    ::close(*setup);
    return live.status();
  }
  // Other runs take their live lock only while holding the setup lock, so the
  // answer stays true until EndSetup, and the exclusive lock can be traded for
  // a shared one without a window.
  const bool alone = Flock(*live, LOCK_EX | LOCK_NB) == 0;
  if (Flock(*live, LOCK_SH) != 0) {
    const std::string why = std::strerror(errno);
    ::close(*setup);
    ::close(*live);
    return absl::UnavailableError(absl::StrCat(dir, ": cannot lock: ", why));
  }
  return RunDirLock(*setup, *live, alone);
}

RunDirLock::RunDirLock(RunDirLock&& other) noexcept
    : setup_fd_(std::exchange(other.setup_fd_, -1)), live_fd_(std::exchange(other.live_fd_, -1)), alone_(other.alone_) {}

RunDirLock& RunDirLock::operator=(RunDirLock&& other) noexcept {
  if (this != &other) {
    this->~RunDirLock();
    setup_fd_ = std::exchange(other.setup_fd_, -1);
    live_fd_ = std::exchange(other.live_fd_, -1);
    alone_ = other.alone_;
  }
  return *this;
}

RunDirLock::~RunDirLock() {
  EndSetup();
  if (live_fd_ >= 0) ::close(live_fd_);
  live_fd_ = -1;
}

void RunDirLock::EndSetup() {
  if (setup_fd_ >= 0) ::close(setup_fd_);
  setup_fd_ = -1;
}

bool RecordFileInUse(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool busy = Flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return busy;
}

absl::StatusOr<std::vector<ShardFile>> ListShardFiles(const std::string& dir) {
  absl::Status status;
  std::vector<ShardFile> out;
  for (const std::string& path : ShardFiles(dir, &status)) {
    ShardFile f;
    f.path = path;
    const std::string name = fs::path(path).stem().string();  // shard-I-of-N
    int index = 0, count = 0;
    char tail = 0;
    if (std::sscanf(name.c_str(), "shard-%d-of-%d%c", &index, &count, &tail) != 2 || count < 1 || index < 0 ||
        index >= count) {
      continue;  // not one of ours
    }
    f.index = index;
    f.count = count;
    out.push_back(std::move(f));
  }
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<int64_t> SetAsideCheckpoints(const std::string& dir,
                                            const std::vector<std::string>& checkpoint_names) {
  const std::set<std::string> names(checkpoint_names.begin(), checkpoint_names.end());
  absl::Status list_status;
  const std::vector<std::string> files = ShardFiles(dir, &list_status);
  if (!list_status.ok()) return list_status;
  int64_t moved = 0;
  std::string stale_dir;
  for (const std::string& file : files) {
    std::vector<SampleRecord> keep, stale;
    ReadStats stats;
    absl::Status s = ReadRecordFile(
        file, [&](SampleRecord r) { (names.count(r.checkpoint()) ? stale : keep).push_back(std::move(r)); },
        &stats);
    if (!s.ok()) return s;
    if (stale.empty()) continue;
    if (RecordFileInUse(file)) {
      return absl::FailedPreconditionError(absl::StrCat(
          file, ": a live run is writing this file; its records cannot be set aside until it ends"));
    }
    if (stale_dir.empty()) {
      const std::string base = (fs::path(dir) / "stale" / UtcStamp()).string();
      stale_dir = base;
      std::error_code ec;
      for (int i = 1; fs::exists(stale_dir, ec); ++i) stale_dir = absl::StrCat(base, "-", i);
    }
    {
      absl::StatusOr<std::unique_ptr<RecordWriter>> w =
          RecordWriter::OpenForAppend((fs::path(stale_dir) / fs::path(file).filename()).string());
      if (!w.ok()) return w.status();
      for (const SampleRecord& r : stale) {
        if (absl::Status a = (*w)->Append(r); !a.ok()) return a;
      }
      if (absl::Status f = (*w)->Flush(); !f.ok()) return f;
    }
    std::string framed;
    for (const SampleRecord& r : keep) {
      std::string payload;
      if (!r.SerializeToString(&payload)) return absl::InternalError(absl::StrCat(file, ": cannot serialize record"));
      framed += FrameRecord(payload);
    }
    if (absl::Status w = json::WriteFileAtomically(file, framed); !w.ok()) return w;
    if (absl::Status w = SyncPath(RecordsDir(dir)); !w.ok()) return w;
    moved += static_cast<int64_t>(stale.size());
  }
  return moved;
}

}  // namespace doomscope::results
