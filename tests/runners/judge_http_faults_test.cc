// Acceptance (issue 13): an openai judge against a judge server on loopback
// that injects timeouts, HTTP 500s, garbage JSON, unparseable answers and
// slow responses. The pass completes within its bounded timeouts, every
// abstention is counted by class, and a later pass asks again only for the
// retryable ones.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "results/json/json.h"
#include "results/jury_store.h"
#include "results/record_file.h"
#include "results/run_dir.h"
#include "runners/jury_pass.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

// Serves /v1/chat/completions; the fault is named in the sample's output
// ("FAULT:timeout"), which the rubric carries to the server.
class FaultyJudgeServer {
 public:
  FaultyJudgeServer() {
    server_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      ++requests_;
      std::string fault = "ok";
      for (const char* f : {"timeout", "500", "garbage", "nonsense", "slow"}) {
        if (!healthy_ && req.body.find(absl::StrCat("FAULT:", f)) != std::string::npos) fault = f;
      }
      if (fault == "timeout") Sleep(3000);  // past the judge's 1 s timeout
      if (fault == "slow") Sleep(300);      // slow, within it
      if (fault == "500") {
        res.status = 500;
        res.set_content(R"({"error": {"message": "injected failure"}})", "application/json");
        return;
      }
      if (fault == "garbage") {
        res.set_content(R"({"choices": [{"message": {"content": "{\"score)", "application/json");
        return;
      }
      const std::string content = fault == "nonsense" ? "What a lovely story." : R"({\"score\": 8})";
      res.set_content(absl::StrCat(R"({"choices": [{"index": 0, "message": {"role": "assistant", "content": ")",
                                   content, R"("}, "finish_reason": "stop"}]})"),
                      "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // The socket listens once bound; connections made before the accept loop
    // starts wait in the backlog. Wait for the loop anyway, bounded.
    for (int i = 0; i < 500 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ~FaultyJudgeServer() {
    stopping_ = true;
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  int requests() const { return requests_; }
  void set_healthy() { healthy_ = true; }

 private:
  // Sleeps in small steps so that stopping the server is never held up.
  void Sleep(int ms) {
    for (int i = 0; i < ms / 10 && !stopping_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> requests_{0};
  std::atomic<bool> healthy_{false};
  std::atomic<bool> stopping_{false};
};

// A run folder whose samples have these output texts (two per prompt).
std::string RunWithOutputs(const std::vector<std::string>& texts) {
  const std::string dir = testing::MakeTempDir("judge-http");
  EXPECT_TRUE(results::WriteManifest(dir, RunManifest()).ok());
  auto writer = results::RecordWriter::OpenForAppend(results::ShardRecordPath(dir, 0, 1));
  EXPECT_TRUE(writer.ok());
  for (size_t i = 0; i < texts.size(); ++i) {
    SampleRecord r;
    r.set_sample_id(absl::StrCat("s", i));
    r.set_checkpoint("c");
    r.set_task("t");
    r.set_item_id(absl::StrCat("item", i / 2));
    r.set_prompt("Write a story.");
    r.set_text(texts[i]);
    EXPECT_TRUE((*writer)->Append(r).ok());
  }
  EXPECT_TRUE((*writer)->Flush().ok());
  return dir;
}

// One openai judge at 127.0.0.1:PORT with a 1 s timeout and one retry.
JuryPassOptions OneJudgeAt(const std::string& dir, int port) {
  JuryPassOptions options;
  options.dir = dir;
  JudgeConfig* judge = options.jury.add_judge();
  judge->set_name("model");
  OpenAIJudge* o = judge->mutable_openai();
  o->set_base_url(absl::StrCat("http://127.0.0.1:", port, "/v1"));
  o->set_model("judge-model");
  o->set_timeout_s(1);
  o->set_max_retries(1);
  o->set_concurrency(4);
  options.progress_out = nullptr;
  return options;
}

TEST(JudgeHttpFaultsTest, FaultsAbstainAreCountedAndNothingHangs) {
  FaultyJudgeServer server;
  ASSERT_GT(server.port(), 0);
  const std::vector<std::string> faults = {"ok", "ok", "ok", "slow", "slow", "500", "500", "garbage", "nonsense",
                                           "timeout"};
  std::vector<std::string> texts;
  for (const std::string& f : faults) texts.push_back("Once upon a time. FAULT:" + f);
  const std::string dir = RunWithOutputs(texts);
  JuryPassOptions options = OneJudgeAt(dir, server.port());

  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<JuryPassOutcome> first = RunJuryPass(options);
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(first.ok()) << first.status();
  // Bounded: 10 samples, 4 at a time, each at most 2 attempts of 1 s plus backoff.
  EXPECT_LT(wall_s, 20) << "the pass must not hang on a slow or silent server";
  const json::Value& report = first->report.Find("judges")->as_array()[0];
  EXPECT_EQ(report.Find("votes")->as_int(), 5);        // ok x3, slow x2
  EXPECT_EQ(report.Find("abstentions")->as_int(), 5);  // 500 x2, garbage, nonsense, timeout
  EXPECT_EQ(report.Find("missing")->as_int(), 0);
  const json::Value* reasons = report.Find("abstain_reasons");
  EXPECT_EQ(reasons->Find("timeout")->as_int(), 1) << json::Serialize(*reasons);
  EXPECT_EQ(reasons->Find("unavailable")->as_int(), 2) << json::Serialize(*reasons);
  EXPECT_EQ(reasons->Find("unparseable")->as_int(), 2) << json::Serialize(*reasons);
  EXPECT_EQ(first->judges[0].retryable, 3);
  EXPECT_NEAR(report.Find("mean_score")->as_double(), 7.0 / 9.0, 1e-12);  // 8 on a 1..10 scale
  EXPECT_EQ(first->report.Find("below_quorum")->as_int(), 5);

  // The server recovers: the next pass asks only for the 3 retryable votes.
  server.set_healthy();
  const int before = server.requests();
  absl::StatusOr<JuryPassOutcome> second = RunJuryPass(options);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->judges[0].asked, 3);
  EXPECT_EQ(server.requests() - before, 3);
  const json::Value& after = second->report.Find("judges")->as_array()[0];
  EXPECT_EQ(after.Find("votes")->as_int(), 8);
  EXPECT_EQ(after.Find("abstentions")->as_int(), 2);  // the unparseable answers stay abstentions
  auto votes = results::LoadVotes(dir);
  ASSERT_TRUE(votes.ok());
  EXPECT_EQ(votes->votes.size(), 10u);
  EXPECT_EQ(votes->superseded, 3);
}

TEST(JudgeHttpFaultsTest, ADeadServerAbstainsQuickly) {
  // A port nobody listens on: connection refused, retried once, abstained.
  int port = 0;
  {
    httplib::Server probe;
    port = probe.bind_to_any_port("127.0.0.1");
  }
  JuryPassOptions options = OneJudgeAt(RunWithOutputs({"hello"}), port);
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<JuryPassOutcome> outcome = RunJuryPass(options);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10);
  EXPECT_EQ(outcome->judges[0].abstained, 1);
  EXPECT_EQ(outcome->judges[0].retryable, 1);
}

}  // namespace
}  // namespace doomscope
