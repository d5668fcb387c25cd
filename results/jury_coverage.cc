#include "results/jury_coverage.h"

#include <algorithm>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "results/hash/sha256.h"
#include "results/jury_store.h"
#include "results/run_dir.h"

namespace doomscope::results {
namespace {

// How to bring the report up to date: the suite's own jury needs no --jury.
std::string UpdateCommand(const std::string& dir, const JuryManifest& jury) {
  absl::StatusOr<RunManifest> run = ReadManifest(dir);
  const bool from_suite = jury.jury_path().empty() || (run.ok() && run->suite_path() == jury.jury_path());
  return from_suite ? absl::StrCat("doomscope judge ", dir)
                    : absl::StrCat("doomscope judge ", dir, " --jury ", jury.jury_path());
}

int64_t IntField(const json::Value* object, std::string_view key) {
  const json::Value* v = object == nullptr ? nullptr : object->Find(key);
  return v != nullptr && v->is_number() ? v->as_int() : -1;
}

}  // namespace

std::string SampleIdsFingerprint(std::span<const SampleRecord> records) {
  std::vector<std::string_view> ids;
  ids.reserve(records.size());
  for (const SampleRecord& r : records) ids.push_back(r.sample_id());
  std::sort(ids.begin(), ids.end());
  std::string text;
  text.reserve(ids.size() * 33);
  for (std::string_view id : ids) {
    text.append(id);
    text.push_back('\n');
  }
  return Sha256Hex(text);
}

json::Value JuryCoverageJson(std::span<const SampleRecord> records) {
  return json::Object{{"samples", static_cast<int64_t>(records.size())},
                      {"sample_ids_sha256", SampleIdsFingerprint(records)}};
}

absl::StatusOr<JuryCoverage> CheckJuryCoverage(const std::string& dir, std::span<const SampleRecord> records,
                                               const json::Value& report) {
  JuryCoverage out;
  out.samples = static_cast<int64_t>(records.size());
  if (!report.is_object()) return out;
  absl::StatusOr<JuryManifest> manifest = ReadJuryManifest(dir);
  if (absl::IsNotFound(manifest.status())) return out;
  if (!manifest.ok()) return manifest.status();
  absl::StatusOr<StoredVotes> votes = LoadVotes(dir);
  if (!votes.ok()) return votes.status();
  out.judged = true;
  out.update_command = UpdateCommand(dir, *manifest);
  for (const SampleRecord& r : records) {
    bool all = true;
    for (const JudgeIdentity& judge : manifest->judge()) all = all && votes->Find(r.sample_id(), judge) != nullptr;
    out.covered += all ? 1 : 0;
  }
  // Reports written before coverage was recorded only say how many samples
  // they saw.
  const json::Value* coverage = report.Find("coverage");
  const json::Value* fingerprint = coverage == nullptr ? nullptr : coverage->Find("sample_ids_sha256");
  out.reported = coverage != nullptr ? IntField(coverage, "samples") : IntField(&report, "samples");
  const bool same_samples = fingerprint != nullptr && fingerprint->is_string()
                                ? fingerprint->as_string() == SampleIdsFingerprint(records)
                                : out.reported == out.samples;
  out.current = same_samples && out.covered == out.samples;
  return out;
}

std::string JuryCoverageNote(const JuryCoverage& c) {
  if (!c.judged || c.current) return "";
  if (c.covered < c.samples) {
    return absl::StrCat("jury covers ", c.covered, " of ", c.samples, " samples — run `", c.update_command,
                        "` to update");
  }
  return absl::StrCat("the jury report predates the stored samples (it covered ", std::max<int64_t>(c.reported, 0),
                      ", ", c.samples, " are stored now) — run `", c.update_command, "` to update");
}

}  // namespace doomscope::results
