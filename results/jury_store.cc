#include "results/jury_store.h"

#include <algorithm>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/text_format.h"
#include "results/json/jsonl.h"
#include "results/textproto/textproto_file.h"

namespace doomscope::results {
namespace fs = std::filesystem;

std::string JuryDir(const std::string& dir) { return (fs::path(dir) / "jury").string(); }
std::string JuryManifestPath(const std::string& dir) { return (fs::path(JuryDir(dir)) / "manifest").string(); }
std::string JuryReportPath(const std::string& dir) { return (fs::path(JuryDir(dir)) / "report.json").string(); }

std::string VoteFilePath(const std::string& dir, int shard, int num_shards) {
  return (fs::path(JuryDir(dir)) / absl::StrFormat("votes-shard-%d-of-%d.tfrecord", shard, num_shards)).string();
}

absl::StatusOr<JuryManifest> ReadJuryManifest(const std::string& dir) {
  const std::string path = JuryManifestPath(dir);
  std::error_code ec;
  if (!fs::exists(path, ec)) return absl::NotFoundError(absl::StrCat(path, ": no jury manifest (run doomscope judge)"));
  JuryManifest manifest;
  if (absl::Status s = ReadTextProtoFile(path, &manifest); !s.ok()) return s;
  return manifest;
}

absl::Status WriteJuryManifest(const std::string& dir, const JuryManifest& manifest) {
  std::error_code ec;
  fs::create_directories(JuryDir(dir), ec);
  if (ec) return absl::UnavailableError(absl::StrCat(JuryDir(dir), ": cannot create folder: ", ec.message()));
  std::string text;
  if (!google::protobuf::TextFormat::PrintToString(manifest, &text)) {
    return absl::InternalError(absl::StrCat(JuryManifestPath(dir), ": cannot print the jury manifest"));
  }
  return json::WriteFileAtomically(JuryManifestPath(dir), "# doomscope JuryManifest (textproto)\n" + text);
}

absl::StatusOr<StoredVotes> LoadVotes(const std::string& dir, ReadMode mode) {
  StoredVotes out;
  std::vector<std::string> files;
  std::error_code ec;
  const fs::path jury = JuryDir(dir);
  if (!fs::is_directory(jury, ec)) return out;
  for (fs::directory_iterator it(jury, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("votes-", 0) == 0 && it->path().extension() == ".tfrecord" && it->is_regular_file()) {
      files.push_back(it->path().string());
    }
  }
  if (ec) return absl::UnavailableError(absl::StrCat(jury.string(), ": cannot list: ", ec.message()));
  std::sort(files.begin(), files.end());
  for (const std::string& file : files) {
    ReadStats stats;
    absl::Status s = ReadFramedFile(
        file,
        [&](std::string_view payload) {
          JudgeVote vote;
          if (!vote.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) return false;
          ++out.frames;
          StoredVotes::Key key(vote.sample_id(), vote.judge(), vote.fingerprint());
          auto [it, inserted] = out.votes.try_emplace(std::move(key), vote);
          if (inserted) return true;
          JudgeVote& kept = it->second;
          const bool kept_final = !(kept.abstained() && kept.retryable());
          if (kept_final) {
            ++out.duplicates;
          } else {
            ++out.superseded;
            kept = std::move(vote);
          }
          return true;
        },
        "JudgeVote", &stats, mode);
    if (!s.ok()) return s;
    AppendReadWarnings(file, stats, "vote", &out.warnings);
  }
  return out;
}

json::Value ReadJuryReport(const std::string& dir) {
  std::string text;
  std::error_code ec;
  if (!fs::exists(JuryReportPath(dir), ec)) return json::Value();
  if (!json::ReadFileToString(JuryReportPath(dir), &text).ok()) return json::Value();
  absl::StatusOr<json::Value> parsed = json::Parse(text);
  return parsed.ok() ? *std::move(parsed) : json::Value();
}

}  // namespace doomscope::results
