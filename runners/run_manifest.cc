#include "runners/run_manifest.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>

#include "absl/status/status.h"
#include "detectors/config_defaults.h"
#include "detectors/detector_version.h"
#include "runners/command.h"
#include "results/hash/sha256.h"

namespace doomscope {
namespace fs = std::filesystem;
namespace {

absl::Status HashInto(const std::string& path, RunManifest* manifest) {
  std::error_code ec;
  std::vector<std::string> files;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      if (entry.is_regular_file()) files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(path);
  }
  for (const std::string& file : files) {
    bool seen = false;
    for (const FileHash& h : manifest->files()) seen |= h.path() == file;
    if (seen) continue;
    absl::StatusOr<std::string> sha = Sha256File(file);
    if (!sha.ok()) return sha.status();
    FileHash* h = manifest->add_files();
    h->set_path(file);
    h->set_sha256(*sha);
    h->set_size(static_cast<int64_t>(fs::file_size(file, ec)));
  }
  return absl::OkStatus();
}

// The hashes of one checkpoint's files in a manifest, keyed by path (a folder
// checkpoint contributes every file under it).
std::map<std::string, std::string> CheckpointFiles(const RunManifest& m, const CheckpointConfig& c) {
  std::map<std::string, std::string> out;
  for (const FileHash& h : m.files()) {
    bool mine = h.path() == c.path() || h.path() == c.tokenizer() ||
                (!c.path().empty() && h.path().rfind(c.path() + "/", 0) == 0);
    if (mine) out[h.path()] = h.sha256();
  }
  return out;
}

}  // namespace

std::string CheckpointSha256(const RunManifest& m, const CheckpointConfig& c) {
  for (const FileHash& h : m.files()) {
    if (h.path() == c.path() || (!c.path().empty() && h.path().rfind(c.path() + "/", 0) == 0)) return h.sha256();
  }
  return "";
}


absl::StatusOr<RunManifest> BuildManifest(const SuiteConfig& suite, const std::string& suite_path,
                                          const Backend& backend) {
  RunManifest m;
  *m.mutable_suite() = suite;
  *m.mutable_suite()->mutable_detector() = FilledDetectorConfig(suite.detector());
  m.set_suite_path(suite_path);
  for (const std::string& file : backend.InputFiles(suite)) {
    if (absl::Status s = HashInto(file, &m); !s.ok()) return s;
  }
  m.set_engine_version(backend.Version());
  m.set_doomscope_version(std::string(DoomscopeVersion()));
  m.set_detector_version(kDetectorVersion);
  m.set_created_unix_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());
  return m;
}

std::vector<std::string> ChangedCheckpoints(const RunManifest& previous, const RunManifest& current) {
  std::vector<std::string> changed;
  for (const CheckpointConfig& now : current.suite().checkpoint()) {
    const CheckpointConfig* before = nullptr;
    for (const CheckpointConfig& c : previous.suite().checkpoint()) {
      if (c.name() == now.name()) before = &c;
    }
    if (before == nullptr) continue;  // new checkpoint: nothing stored under its name... unless
                                      // records exist from an older manifest; treated as changed below
    // Another dtype is another model as far as its samples go.
    if (CheckpointFiles(previous, *before) != CheckpointFiles(current, now) || before->stage() != now.stage() ||
        before->dtype() != now.dtype()) {
      changed.push_back(now.name());
    }
  }
  return changed;
}

}  // namespace doomscope
