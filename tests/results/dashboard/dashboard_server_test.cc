#include "results/dashboard/dashboard_server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "results/json/json.h"
#include "results/record_file.h"
#include "results/report_json.h"
#include "results/run_dir.h"
#include "results/stage_report.h"
#include "tests/results/dashboard/dashboard_fixtures.h"
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

// A raw loopback TCP connection, for clients httplib::Client will not imitate.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool Send(const std::string& s) { return ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size()); }
  // What arrives within `ms` (until the peer closes, or `until` has arrived);
  // closed() says whether the peer closed.
  std::string ReadFor(int ms, std::string_view until = {}) {
    std::string out;
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < end) {
      if (!until.empty() && out.find(until) != std::string::npos) break;
      pollfd p{fd_, POLLIN, 0};
      const int left = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count());
      if (::poll(&p, 1, std::max(1, left)) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
};

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

// Issue 14, defect 7: a folder swapped for a symlink to outside between (or
// during) requests must never serve what is outside.
TEST_F(DashboardServerTest, SymlinkSwapRaceNeverLeavesTheFolder) {
  const std::string outside = MakeTempDir("outside-race");
  WriteFile(outside + "/secret.txt", "top secret");
  std::filesystem::create_directories(dir_ + "/swap");
  WriteFile(dir_ + "/swap/secret.txt", "inside");
  std::atomic<bool> stop{false};
  std::thread swapper([&] {
    while (!stop) {
      std::error_code ec;
      std::filesystem::rename(dir_ + "/swap", dir_ + "/swap-real", ec);
      std::filesystem::create_directory_symlink(outside, dir_ + "/swap", ec);
      std::filesystem::remove(dir_ + "/swap", ec);
      std::filesystem::rename(dir_ + "/swap-real", dir_ + "/swap", ec);
    }
  });
  int inside = 0;
  for (int i = 0; i < 3000; ++i) {
    auto res = cli_->Get("/files/swap/secret.txt");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body.find("top secret"), std::string::npos) << "request " << i << " left the folder";
    inside += res->status == 200 && res->body == "inside";
  }
  stop = true;
  swapper.join();
  EXPECT_GT(inside, 0);  // the real file is still served between swaps
}

// Issue 14, defect 8: clients that send a header line every few hundred
// milliseconds must not stall everyone else, and are cut off.
TEST_F(DashboardServerTest, SlowClientsDoNotStallTheServer) {
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 16; ++i) {
    slow.push_back(std::make_unique<RawConnection>(server_->port()));
    ASSERT_TRUE(slow.back()->connected());
    slow.back()->Send("GET /api/summary HTTP/1.1\r\nHost: x\r\n");
  }
  std::atomic<bool> stop{false};
  std::thread dribble([&] {
    for (int k = 0; !stop && k < 40; ++k) {
      for (auto& c : slow) c->Send(absl::StrCat("X-Slow-", k, ": 1\r\n"));
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
  httplib::Client cli("127.0.0.1", server_->port());
  cli.set_connection_timeout(2);
  cli.set_read_timeout(2);
  for (int i = 0; i < 5; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto res = cli.Get("/api/summary");
    ASSERT_TRUE(res) << "request " << i << " got no answer while slow clients were connected";
    EXPECT_EQ(res->status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  // The request deadline (3 s by default) closes the slow connections.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  for (auto& c : slow) {
    c->ReadFor(1000);
    EXPECT_TRUE(c->closed()) << "a slow client was still connected after the request deadline";
  }
  stop = true;
  dribble.join();
}

TEST_F(DashboardServerTest, PostWithoutBodyIsRefusedAtOnce) {
  RawConnection c(server_->port());
  ASSERT_TRUE(c.connected());
  const auto t0 = std::chrono::steady_clock::now();
  c.Send("POST /api/summary HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n");
  const std::string reply = c.ReadFor(1500, "\r\n\r\n");
  EXPECT_TRUE(reply.rfind("HTTP/1.1 413", 0) == 0 || reply.rfind("HTTP/1.1 405", 0) == 0) << reply;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1000));
}

TEST(DashboardServer, CapsConnectionsPerClient) {
  const std::string dir = MakeTempDir("serve-cap");
  DashboardServerOptions options;
  options.port = 0;
  options.http.max_connections_per_client = 2;
  auto server = DashboardServer::Start(dir, options);
  ASSERT_TRUE(server.ok()) << server.status();
  RawConnection a((*server)->port()), b((*server)->port());
  a.Send("GET /api/summary HTTP/1.1\r\n");  // both stay open, mid-request
  b.Send("GET /api/summary HTTP/1.1\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  RawConnection third((*server)->port());
  third.Send("GET /api/summary HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(third.ReadFor(1500, "\r\n\r\n").rfind("HTTP/1.1 503", 0), 0u);
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
