// Jury coverage (results/jury_coverage.h): a jury report says which samples
// it saw; samples stored after it, or a report older than the samples, are
// told apart from a current one, with the command that brings it up to date.
#include "results/jury_coverage.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "results/jury_store.h"
#include "results/record_file.h"
#include "results/run_dir.h"
#include "tests/test_support.h"

namespace doomscope::results {
namespace {

using ::testing::HasSubstr;

std::vector<SampleRecord> Records(int n) {
  std::vector<SampleRecord> out;
  for (int i = 0; i < n; ++i) {
    SampleRecord r;
    r.set_sample_id(absl::StrCat("id-", i));
    out.push_back(r);
  }
  return out;
}

// A judged folder: a jury of two judges, both voting on the first `voted`
// samples, its manifest naming `jury_path`, the run's suite at "suite.textproto".
std::string JudgedDir(const std::vector<SampleRecord>& records, int voted, const std::string& jury_path) {
  const std::string dir = testing::MakeTempDir("coverage");
  RunManifest run;
  run.set_suite_path("suite.textproto");
  EXPECT_TRUE(WriteManifest(dir, run).ok());
  JuryManifest jury;
  jury.set_jury_path(jury_path);
  for (const char* name : {"rep", "lp"}) {
    JudgeIdentity* id = jury.add_judge();
    id->set_name(name);
    id->set_fingerprint(absl::StrCat(name, "-fp"));
  }
  EXPECT_TRUE(WriteJuryManifest(dir, jury).ok());
  auto w = RecordWriter::OpenForAppend(VoteFilePath(dir, 0, 1));
  EXPECT_TRUE(w.ok());
  for (int i = 0; i < voted; ++i) {
    for (const JudgeIdentity& id : jury.judge()) {
      JudgeVote v;
      v.set_sample_id(records[static_cast<size_t>(i)].sample_id());
      v.set_judge(id.name());
      v.set_fingerprint(id.fingerprint());
      v.set_score(1);
      EXPECT_TRUE((*w)->AppendMessage(v).ok());
    }
  }
  EXPECT_TRUE((*w)->Flush().ok());
  return dir;
}

TEST(JuryCoverageTest, SamplesStoredAfterThePassMakeTheReportStale) {
  const std::vector<SampleRecord> judged = Records(6);
  const std::string dir = JudgedDir(judged, 6, "jury.textproto");
  json::Value report = json::Object{{"samples", 6}};
  report.Set("coverage", JuryCoverageJson(judged));

  absl::StatusOr<JuryCoverage> now = CheckJuryCoverage(dir, judged, report);
  ASSERT_TRUE(now.ok()) << now.status();
  EXPECT_TRUE(now->judged);
  EXPECT_TRUE(now->current);
  EXPECT_EQ(now->covered, 6);
  EXPECT_EQ(JuryCoverageNote(*now), "");

  // A resume stored three more samples; the report has not seen them.
  const std::vector<SampleRecord> grown = Records(9);
  absl::StatusOr<JuryCoverage> later = CheckJuryCoverage(dir, grown, report);
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_FALSE(later->current);
  EXPECT_EQ(later->covered, 6);
  EXPECT_EQ(later->samples, 9);
  EXPECT_EQ(JuryCoverageNote(*later),
            absl::StrCat("jury covers 6 of 9 samples — run `doomscope judge ", dir, " --jury jury.textproto` to update"));
}

TEST(JuryCoverageTest, AReportOlderThanItsVotesIsStaleAndTheSuiteJuryNeedsNoFlag) {
  const std::vector<SampleRecord> records = Records(4);
  // Every sample has its votes, but the report was written when only three were stored.
  const std::string dir = JudgedDir(records, 4, "suite.textproto");
  json::Value report = json::Object{{"samples", 3}};
  report.Set("coverage", JuryCoverageJson(std::span<const SampleRecord>(records).first(3)));
  absl::StatusOr<JuryCoverage> c = CheckJuryCoverage(dir, records, report);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->current);
  EXPECT_EQ(c->covered, 4);
  EXPECT_EQ(c->reported, 3);
  const std::string note = JuryCoverageNote(*c);
  EXPECT_THAT(note, HasSubstr("predates the stored samples (it covered 3, 4 are stored now)"));
  EXPECT_THAT(note, HasSubstr(absl::StrCat("`doomscope judge ", dir, "`")));  // the suite's own jury
}

TEST(JuryCoverageTest, AFolderNeverJudgedHasNoNote) {
  const std::string dir = testing::MakeTempDir("coverage");
  absl::StatusOr<JuryCoverage> c = CheckJuryCoverage(dir, Records(2), json::Value());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->judged);
  EXPECT_EQ(JuryCoverageNote(*c), "");
}

TEST(JuryCoverageTest, FingerprintIgnoresOrderButNotMembership) {
  std::vector<SampleRecord> a = Records(3);
  std::vector<SampleRecord> b = {a[2], a[0], a[1]};
  EXPECT_EQ(SampleIdsFingerprint(a), SampleIdsFingerprint(b));
  b[0].set_sample_id("id-9");
  EXPECT_NE(SampleIdsFingerprint(a), SampleIdsFingerprint(b));
}

}  // namespace
}  // namespace doomscope::results
