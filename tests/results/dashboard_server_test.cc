#include "results/dashboard_server.h"

#include <httplib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "results/json/json.h"
#include "results/record_file.h"
#include "results/report_json.h"
#include "results/run_dir.h"
#include "results/stage_report.h"
#include "tests/results/dashboard_fixtures.h"
#include "tests/test_support.h"

namespace doomscope::results {
namespace {

using ::doomscope::testing::MakeStageARecords;
using ::doomscope::testing::MakeTempDir;
using ::doomscope::testing::ReadFile;
using ::doomscope::testing::WriteFile;

void Append(const std::string& dir, const std::vector<SampleRecord>& records) {
  auto w = RecordWriter::OpenForAppend(ShardRecordPath(dir, 0, 1));
  ASSERT_TRUE(w.ok()) << w.status();
  for (const auto& r : records) ASSERT_TRUE((*w)->Append(r).ok());
  ASSERT_TRUE((*w)->Flush().ok());
}

json::Value Get(httplib::Client& cli, const std::string& path, int want_status = 200) {
  auto res = cli.Get(path.c_str());
  if (!res) {
    ADD_FAILURE() << "no response for " << path;
    return {};
  }
  EXPECT_EQ(res->status, want_status) << path << ": " << res->body;
  auto v = json::Parse(res->body);
  EXPECT_TRUE(v.ok()) << path << ": " << res->body.substr(0, 200);
  return v.ok() ? *v : json::Value();
}

class DashboardServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("serve");
    all_ = MakeStageARecords(6);  // 96 records
    first_.assign(all_.begin(), all_.begin() + 64);
    Append(dir_, first_);
    ASSERT_TRUE(WriteSummary(dir_, BuildStageReport(first_)).ok());
    DashboardServerOptions options;
    options.port = 0;
    auto server = DashboardServer::Start(dir_, options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    ASSERT_GT(server_->port(), 0);
    cli_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    cli_->set_connection_timeout(5);
    cli_->set_read_timeout(10);
  }

  std::string dir_;
  std::vector<SampleRecord> all_, first_;
  std::unique_ptr<DashboardServer> server_;
  std::unique_ptr<httplib::Client> cli_;
};

TEST_F(DashboardServerTest, SummaryEqualsSummaryJsonAndFollowsAppends) {
  const json::Value summary = Get(*cli_, "/api/summary");
  auto on_disk = json::Parse(ReadFile(SummaryPath(dir_)));
  ASSERT_TRUE(on_disk.ok());
  EXPECT_EQ(summary, *on_disk);

  // A run appends the rest while the server is up.
  Append(dir_, std::vector<SampleRecord>(all_.begin() + 64, all_.end()));
  const json::Value after = Get(*cli_, "/api/summary");
  EXPECT_EQ(after, StageReportToJson(BuildStageReport(all_)));
  EXPECT_FALSE(after == summary);
  EXPECT_EQ(Get(*cli_, "/api/samples?limit=0").Find("total")->as_int(), 96);
}

TEST_F(DashboardServerTest, SamplesFilterAndPage) {
  int64_t doom = 0;
  for (const auto& r : first_) {
    doom += r.checkpoint() == "stories-pt" && r.findings().verdict().doom_loop();
  }
  ASSERT_GT(doom, 2);
  const json::Value page =
      Get(*cli_, "/api/samples?checkpoint=stories-pt&verdict=doom_loop&offset=1&limit=2");
  EXPECT_EQ(page.Find("total")->as_int(), doom);
  EXPECT_EQ(page.Find("offset")->as_int(), 1);
  const auto& samples = page.Find("samples")->as_array();
  ASSERT_EQ(samples.size(), 2u);
  for (const auto& s : samples) {
    EXPECT_EQ(s.Find("checkpoint")->as_string(), "stories-pt");
    EXPECT_EQ(s.Find("verdict")->as_string(), "doom_loop");
    ASSERT_NE(s.Find("loop"), nullptr);
  }
  int64_t json_tasks = 0;
  for (const auto& r : first_) json_tasks += r.task() == "json-extract";
  EXPECT_EQ(Get(*cli_, "/api/samples?task=json-extract&limit=500").Find("total")->as_int(),
            json_tasks);
  Get(*cli_, "/api/samples?limit=abc", 400);
  Get(*cli_, "/api/samples?limit=501", 400);
  Get(*cli_, "/api/samples?offset=-1", 400);
  Get(*cli_, "/api/samples?verdict=nonsense", 400);
}

TEST_F(DashboardServerTest, PageIsTheLiveDashboard) {
  auto res = cli_->Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("data-live-ms=\""), std::string::npos);
  EXPECT_NE(res->body.find("class=\"ds-row stage-row\""), std::string::npos);
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
}

TEST_F(DashboardServerTest, ServesFilesInsideTheFolderOnly) {
  const std::string outside = MakeTempDir("outside");
  WriteFile(outside + "/secret.txt", "top secret");
  std::filesystem::create_symlink(outside + "/secret.txt", dir_ + "/link.txt");
  std::filesystem::create_symlink(outside, dir_ + "/linkdir");

  auto ok = cli_->Get("/files/summary.json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, ReadFile(SummaryPath(dir_)));

  const std::string rel_to_outside =
      std::filesystem::relative(outside + "/secret.txt", dir_).string();  // ../outside-x/secret.txt
  for (const std::string& path : std::vector<std::string>{
           "/files/../" + rel_to_outside,
           "/files/" + rel_to_outside,
           "/files/%2e%2e/" + rel_to_outside,
           "/files/%2E%2E%2F" + rel_to_outside,
           "/files/records/../../" + rel_to_outside,
           "/files//etc/passwd",
           "/files/" + outside + "/secret.txt",
           "/files/link.txt",
           "/files/linkdir/secret.txt",
           "/../etc/passwd",
           "/%2e%2e/%2e%2e/etc/passwd",
           "/files/",
           "/files/records",  // a folder, not a file
           "/nothing-here",
       }) {
    auto res = cli_->Get(path.c_str());
    ASSERT_TRUE(res) << path;
    EXPECT_TRUE(res->status == 403 || res->status == 404) << path << " -> " << res->status;
    EXPECT_EQ(res->body.find("top secret"), std::string::npos) << path;
  }
  // Writes are not routes.
  auto post = cli_->Post("/api/summary", "x", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_NE(post->status, 200);
}

TEST_F(DashboardServerTest, StopsCleanly) {
  const int port = server_->port();
  server_->Stop();
  server_->Stop();  // idempotent
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(1);
  EXPECT_FALSE(cli.Get("/api/summary"));
}

TEST(DashboardServer, RefusesAMissingFolderAndABusyPort) {
  EXPECT_FALSE(DashboardServer::Start("/nonexistent/doomscope", {}).ok());
  const std::string dir = MakeTempDir("serve2");
  DashboardServerOptions options;
  options.port = 0;
  auto first = DashboardServer::Start(dir, options);
  ASSERT_TRUE(first.ok());
  options.port = (*first)->port();
  auto second = DashboardServer::Start(dir, options);
  EXPECT_FALSE(second.ok());
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
}

}  // namespace
}  // namespace doomscope::results
