#include "results/dashboard/html_report.h"

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "results/record_file.h"
#include "results/run_dir.h"
#include "results/sample_errors.h"
#include "results/stage_report.h"
#include "tests/results/dashboard/dashboard_fixtures.h"
#include "tests/test_support.h"

namespace doomscope::results {
namespace {

using ::doomscope::testing::MakeStageARecords;
using ::doomscope::testing::MakeTempDir;
using ::doomscope::testing::ReadFile;

void WriteRun(const std::string& dir, const std::vector<SampleRecord>& records) {
  auto w = RecordWriter::OpenForAppend(ShardRecordPath(dir, 0, 1));
  ASSERT_TRUE(w.ok()) << w.status();
  for (const auto& r : records) ASSERT_TRUE((*w)->Append(r).ok());
  ASSERT_TRUE((*w)->Flush().ok());
}

int Count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) ++n;
  return n;
}

TEST(HtmlReport, StageRowsFollowTheReportOrderWithItsRatios) {
  const std::vector<SampleRecord> records = MakeStageARecords(30);
  const std::string html = RenderDashboardHtml({{"runs/a", records, {}}}, DashboardOptions{});
  const StageReport report = BuildStageReport(records);
  ASSERT_EQ(report.rows.size(), 16u);  // 4 checkpoints x 2 tasks x 2 sampling configs
  size_t last = 0;
  for (const StageRow& row : report.rows) {
    const std::string marker = absl::StrCat(
        "data-checkpoint=\"", row.key.checkpoint, "\" data-stage=\"", StageName(row.key.stage),
        "\" data-task=\"", row.key.task, "\" data-sampling=\"", row.key.sampling,
        "\" data-ratio=\"", absl::StrFormat("%.6f", row.doom_loop_ratio), "\"");
    const size_t at = html.find(marker);
    ASSERT_NE(at, std::string::npos) << marker;
    EXPECT_GT(at, last) << marker;
    last = at;
  }
  // Every chart is there, as inline SVG, and nothing is fetched from a network.
  for (const char* title : {"Doom-loop ratio per stage", "Task accuracy per stage", "Loop periods",
                            "Loop onsets", "Finish reasons", "Wasted-token share"}) {
    EXPECT_NE(html.find(absl::StrCat("aria-label=\"", title, "\"")), std::string::npos) << title;
  }
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  // Without JavaScript the page still shows doom loops with their unit marked.
  EXPECT_NE(html.find("<mark class=\"ds-unit\">"), std::string::npos);
}

TEST(HtmlReport, HostileTextCannotBreakOutOfTheDataBlob) {
  std::vector<SampleRecord> records = MakeStageARecords(2);
  records[0].set_checkpoint("<script>alert(1)</script>");
  records[0].set_text("</script><script>alert(2)</script><!-- \xff");
  records[0].set_prompt("</SCRIPT >");
  const std::string html = RenderDashboardHtml({{"runs/<a>", records, {}}}, DashboardOptions{});
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_EQ(html.find("</SCRIPT"), std::string::npos);
  // Exactly two script elements: the JSON blob and the code.
  EXPECT_EQ(Count(html, "<script"), 2);
  EXPECT_EQ(Count(html, "</script>"), 2);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
}

TEST(HtmlReport, RunVsRunPairsSamplesAndCountsTransitions) {
  std::vector<SampleRecord> base = MakeStageARecords(20);
  std::vector<SampleRecord> cand = base;
  // In the candidate, the first two doom loops of stories-sft/gsm8k-mini/greedy
  // recover and one clean sample starts looping.
  int recovered = 0, newly = 0;
  for (auto& r : cand) {
    if (r.checkpoint() != "stories-sft" || r.task() != "gsm8k-mini" || r.sampling() != "greedy") {
      continue;
    }
    const bool doom = r.findings().verdict().doom_loop();
    if (doom && recovered < 2) {
      r = testing::MakeFixtureRecord(r.checkpoint(), r.stage(), r.task(), r.sampling(),
                                     std::stoi(r.item_id().substr(r.item_id().rfind('-') + 1)),
                                     r.rollout(), 0, true);
      ++recovered;
    } else if (!doom && newly < 1) {
      r = testing::MakeFixtureRecord(r.checkpoint(), r.stage(), r.task(), r.sampling(),
                                     std::stoi(r.item_id().substr(r.item_id().rfind('-') + 1)),
                                     r.rollout(), 1, false);
      ++newly;
    }
  }
  ASSERT_EQ(recovered, 2);
  ASSERT_EQ(newly, 1);
  const std::string html =
      RenderDashboardHtml({{"runs/base", base, {}}, {"runs/cand", cand, {}}}, DashboardOptions{});
  EXPECT_NE(html.find("id=\"compare\""), std::string::npos);
  EXPECT_EQ(Count(html, "class=\"ds-row compare-row\""), 16);
  EXPECT_NE(html.find("data-task=\"gsm8k-mini\" data-sampling=\"greedy\" data-newly=\"1\" "
                      "data-recovered=\"2\""),
            std::string::npos);
  EXPECT_EQ(Count(html, "data-newly=\"0\" data-recovered=\"0\""), 15);
}

TEST(HtmlReport, WriteHtmlReportLoadsRunFoldersAndNamesBadOnes) {
  const std::string dir = MakeTempDir("html-run");
  WriteRun(dir, MakeStageARecords(5));
  const std::string out = dir + "/report.html";
  ASSERT_TRUE(WriteHtmlReport({dir}, out).ok());
  const std::string html = ReadFile(out);
  EXPECT_EQ(html.rfind("<!doctype html>", 0), 0u);
  EXPECT_EQ(Count(html, "class=\"ds-row stage-row\""), 16);
  const absl::Status missing = WriteHtmlReport({dir + "/nope"}, dir + "/x.html");
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(std::string(missing.message()).find(dir + "/nope"), std::string::npos) << missing;
  EXPECT_FALSE(WriteHtmlReport({}, out).ok());
}

// Errored samples get a section of their own and stay out of the stage table:
// the page's sample count and rows are the records'.
TEST(HtmlReport, ErroredSamplesAreListedApartFromTheRatios) {
  const std::string dir = MakeTempDir("html-errors");
  const std::vector<SampleRecord> records = MakeStageARecords(5);
  WriteRun(dir, records);
  {
    auto w = RecordWriter::OpenForAppend(ShardErrorPath(dir, 0, 1));
    ASSERT_TRUE(w.ok()) << w.status();
    for (int i = 0; i < 3; ++i) {
      SampleError e;
      e.set_sample_id(absl::StrCat("never-generated-", i));
      e.set_checkpoint("sft-<x>");
      e.set_task("gsm8k");
      e.set_error_class(i == 0 ? "timeout" : "http 502");
      e.set_message("POST http://gpu:8000/v1/completions: HTTP 502: bad gateway");
      ASSERT_TRUE((*w)->AppendMessage(e).ok());
    }
    // An error of a sample that was generated since: superseded, not shown.
    SampleError old;
    old.set_sample_id(records[0].sample_id());
    old.set_checkpoint(records[0].checkpoint());
    old.set_task(records[0].task());
    old.set_error_class("connection");
    ASSERT_TRUE((*w)->AppendMessage(old).ok());
    ASSERT_TRUE((*w)->Flush().ok());
  }
  absl::StatusOr<DashboardRun> run = LoadDashboardRun(dir, records, {});
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_EQ(run->errors.size(), 1u);
  EXPECT_EQ(run->errors[0].errored, 3);
  const std::string html = RenderDashboardHtml({*run}, DashboardOptions{});
  EXPECT_NE(html.find("<section id=\"errors\"><h2>Errored samples</h2>"), std::string::npos);
  EXPECT_NE(html.find("<td>sft-&lt;x&gt;</td><td>gsm8k</td><td class=\"num\">3</td><td>http 502 2, timeout 1</td>"),
            std::string::npos);
  EXPECT_NE(html.find("3 samples errored and are not counted"), std::string::npos);
  EXPECT_EQ(html.find(">connection 1<"), std::string::npos);
  EXPECT_NE(html.find(absl::StrCat(records.size(), " samples · ")), std::string::npos);
  // Without errors there is no section.
  EXPECT_EQ(RenderDashboardHtml({{"runs/a", records, {}}}, DashboardOptions{}).find("id=\"errors\""),
            std::string::npos);
}

// 100,000 samples (4 checkpoints x 2 tasks x 2 configs x 6,250 prompts),
// about a third of them looping to a 256-token cap: the file must stay under
// 25 MB, with text kept only for the bounded sample per cell.
TEST(HtmlReport, HundredThousandSamplesStayUnder25MB) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<SampleRecord> records = MakeStageARecords(6250);
  ASSERT_EQ(records.size(), 100000u);
  int64_t text_bytes = 0;
  for (const auto& r : records) text_bytes += static_cast<int64_t>(r.text().size() + r.prompt().size());
  const auto t1 = std::chrono::steady_clock::now();
  const std::string html = RenderDashboardHtml({{"runs/big", records, {}}}, DashboardOptions{});
  const auto t2 = std::chrono::steady_clock::now();
  std::printf("100k samples: %lld bytes of prompt+output text -> %zu bytes of HTML "
              "(generate %.2f s, render %.2f s)\n",
              static_cast<long long>(text_bytes), html.size(),
              std::chrono::duration<double>(t1 - t0).count(),
              std::chrono::duration<double>(t2 - t1).count());
  EXPECT_LT(html.size(), 25u << 20);
  EXPECT_GT(text_bytes, static_cast<int64_t>(html.size()));  // the compaction did work
  // 16 cells x 24 kept texts, stated in the page.
  EXPECT_NE(html.find("at most 24 samples per (checkpoint, task, sampling) cell (384 in all"),
            std::string::npos);
  EXPECT_EQ(Count(html, "\"id\":\""), 384);
}

}  // namespace
}  // namespace doomscope::results
