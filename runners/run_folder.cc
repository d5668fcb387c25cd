#include "runners/run_folder.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "runners/run_manifest.h"

namespace doomscope {
namespace {

bool SameRun(const RunManifest& a, const RunManifest& b) {
  if (a.suite().SerializeAsString() != b.suite().SerializeAsString()) return false;
  if (a.files_size() != b.files_size()) return false;
  for (int i = 0; i < a.files_size(); ++i) {
    if (a.files(i).path() != b.files(i).path() || a.files(i).sha256() != b.files(i).sha256()) return false;
  }
  return true;
}

// With another run live: only the same suite and files, and never a shard
// file another process is writing or a second layout that overlaps it.
absl::Status CheckBesideLiveRun(const std::string& dir, const RunManifest& manifest, const Shard& shard) {
  absl::StatusOr<RunManifest> previous = results::ReadManifest(dir);
  if (!previous.ok()) return previous.status();
  if (!SameRun(*previous, manifest)) {
    const std::vector<std::string> changed = ChangedCheckpoints(*previous, manifest);
    return absl::FailedPreconditionError(absl::StrCat(
        dir, ": another run of ",
        changed.empty() ? "a different suite" : absl::StrCat("other files for ", absl::StrJoin(changed, ", ")),
        " is writing into this folder; wait for it to end or use another --out"));
  }
  absl::StatusOr<std::vector<results::ShardFile>> files = results::ListShardFiles(dir);
  if (!files.ok()) return files.status();
  const std::string mine = results::ShardRecordPath(dir, shard.index, shard.count);
  for (const results::ShardFile& f : *files) {
    if (!results::RecordFileInUse(f.path)) continue;
    if (f.path == mine) {
      return absl::FailedPreconditionError(absl::StrCat(
          dir, ": another run is writing shard ", shard.index, "/", shard.count, " into this folder; wait for it"));
    }
    if (f.count != shard.count) {
      return absl::FailedPreconditionError(absl::StrCat(
          dir, ": a run sharded ", f.index, "/", f.count, " is writing into this folder; shards ", shard.index, "/",
          shard.count, " would overlap it and store samples twice (use --shard i/", f.count, ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int64_t> PrepareRunFolder(const std::string& dir, const results::RunDirLock& lock,
                                         const RunManifest& manifest, const Shard& shard, std::FILE* log) {
  if (!lock.alone()) {
    if (absl::Status s = CheckBesideLiveRun(dir, manifest, shard); !s.ok()) return s;
    return 0;  // the live run's manifest is this one
  }
  int64_t set_aside = 0;
  absl::StatusOr<RunManifest> previous = results::ReadManifest(dir);
  if (previous.ok()) {
    const std::vector<std::string> changed = ChangedCheckpoints(*previous, manifest);
    if (!changed.empty()) {
      absl::StatusOr<int64_t> moved = results::SetAsideCheckpoints(dir, changed);
      if (!moved.ok()) return moved.status();
      set_aside = *moved;
      if (log != nullptr) {
        std::fprintf(log,
                     "checkpoint files changed since the last run into %s: %s; their %lld stored samples were "
                     "moved to %s/stale/ and will be generated again\n",
                     dir.c_str(), absl::StrJoin(changed, ", ").c_str(), static_cast<long long>(*moved), dir.c_str());
      }
    }
  } else if (!absl::IsNotFound(previous.status())) {
    return previous.status();
  }
  if (absl::Status s = results::WriteManifest(dir, manifest); !s.ok()) return s;
  return set_aside;
}

}  // namespace doomscope
