#include "runners/judged_run.h"

#include <utility>

namespace doomscope {

absl::StatusOr<std::optional<JudgedRun>> LoadJudgedRun(const std::string& dir,
                                                       std::span<const SampleRecord> records) {
  absl::StatusOr<JuryManifest> manifest = results::ReadJuryManifest(dir);
  if (absl::IsNotFound(manifest.status())) return std::optional<JudgedRun>();
  if (!manifest.ok()) return manifest.status();
  absl::StatusOr<results::StoredVotes> votes = results::LoadVotes(dir);
  if (!votes.ok()) return votes.status();
  JudgedRun out;
  out.votes = std::make_unique<results::StoredVotes>(*std::move(votes));
  out.manifest = *std::move(manifest);
  out.warnings = out.votes->warnings;
  const results::StoredVotes* stored = out.votes.get();
  out.view = jury::BuildJuryView(records, out.manifest, [stored](const std::string& id, const JudgeIdentity& judge) {
    return stored->Find(id, judge);
  });
  return std::optional<JudgedRun>(std::move(out));
}

}  // namespace doomscope
