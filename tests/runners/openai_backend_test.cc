// The openai backend end to end: the same suite on stories260K run by the
// in-process engine and through doomscope serve-model over loopback gives the
// same tokens, texts and finish reasons sample for sample (greedy and seeded
// sampling); a dead or stalling server ends the run with per-sample failures
// in bounded time, stored as error records that a resume against a healthy
// server turns into samples; the character-level rule closes a looping stream.
#include "runners/openai_backend.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "engine/model_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "results/run_dir.h"
#include "results/sample_errors.h"
#include "results/stage_report.h"
#include "runners/run_suite.h"
#include "runners/serve_model/model_server.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

using ::testing::HasSubstr;

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

class OpenAiBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("openai-backend");
    testing::WriteFile(dir_ + "/prompts.jsonl",
                       "{\"id\": \"a\", \"prompt\": \"Once upon a time\"}\n"
                       "{\"id\": \"b\", \"prompt\": \"Tom and Sue went to the park\"}\n"
                       "{\"id\": \"c\", \"prompt\": \"The little bird\"}\n"
                       "{\"id\": \"d\", \"prompt\": \"One day, a big dog\"}\n");
  }

  // A suite over stories260K with `backend` as its backend block.
  std::string WriteSuite(const std::string& name, const std::string& backend) {
    const std::string path = dir_ + "/" + name + ".textproto";
    testing::WriteFile(path, absl::StrCat(R"pb(
name: "openai-check"
checkpoint { name: "stories260K" stage: PRETRAIN path: ")pb",
                                          testing::SharedPath("models/stories260K/stories260K.bin"),
                                          R"pb(" tokenizer: ")pb",
                                          testing::SharedPath("models/stories260K/tok512.bin"), R"pb(" }
task { name: "stories" kind: PROMPTS_JSONL prompts: "prompts.jsonl" }
sampling { name: "greedy" temperature: 0 max_new_tokens: 96 }
sampling { name: "warm" temperature: 0.9 top_p: 0.95 samples: 2 seed: 7 max_new_tokens: 64 }
)pb",
                                          backend));
    return path;
  }

  absl::StatusOr<RunOutcome> Run(const std::string& suite, const std::string& out) {
    RunOptions o;
    o.suite_path = suite;
    o.out_dir = out;
    o.progress_out = nullptr;
    return RunSuite(o);
  }

  std::string dir_;
};

TEST_F(OpenAiBackendTest, ServeModelGivesTheInProcessEnginesSamples) {
  absl::StatusOr<engine::LoadedModel> model = engine::LoadModel(
      testing::SharedPath("models/stories260K/stories260K.bin"), testing::SharedPath("models/stories260K/tok512.bin"));
  ASSERT_TRUE(model.ok()) << model.status();
  serve::ModelServerOptions options;
  options.port = 0;
  options.engine.threads = 1;
  options.model_name = "stories260K";
  absl::StatusOr<std::unique_ptr<serve::ModelServer>> server =
      serve::ModelServer::Start(*std::move(model), std::nullopt, options);
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string url = absl::StrCat("http://127.0.0.1:", (*server)->port(), "/v1");

  absl::StatusOr<RunOutcome> local = Run(WriteSuite("local", "backend { engine { max_batch: 4 } }"), dir_ + "/local");
  ASSERT_TRUE(local.ok()) << local.status();
  absl::StatusOr<RunOutcome> remote = Run(
      WriteSuite("remote", absl::StrCat("backend { openai { base_url: \"", url, "\" concurrency: 3 timeout_s: 60 } }")),
      dir_ + "/remote");
  ASSERT_TRUE(remote.ok()) << remote.status();
  EXPECT_EQ(remote->failed, 0);
  ASSERT_EQ(remote->generated, local->generated);
  EXPECT_EQ(remote->generated, 12);

  auto a = results::LoadRunDir(dir_ + "/local");
  auto b = results::LoadRunDir(dir_ + "/remote");
  ASSERT_TRUE(a.ok() && b.ok());
  std::map<std::string, const SampleRecord*> by_id;
  for (const SampleRecord& r : a->records) by_id[r.sample_id()] = &r;
  ASSERT_EQ(b->records.size(), a->records.size());
  for (const SampleRecord& r : b->records) {
    ASSERT_TRUE(by_id.contains(r.sample_id())) << r.sample_id();
    const SampleRecord& l = *by_id[r.sample_id()];
    EXPECT_GT(r.tokens_size(), 0);
    EXPECT_EQ(std::vector<int32_t>(r.tokens().begin(), r.tokens().end()),
              std::vector<int32_t>(l.tokens().begin(), l.tokens().end()))
        << r.item_id() << " " << r.sampling() << " rollout " << r.rollout();
    EXPECT_EQ(r.text(), l.text()) << r.item_id() << " " << r.sampling();
    EXPECT_EQ(r.finish_reason(), l.finish_reason()) << r.item_id() << " " << r.sampling();
    EXPECT_EQ(std::vector<int32_t>(r.prompt_tokens().begin(), r.prompt_tokens().end()),
              std::vector<int32_t>(l.prompt_tokens().begin(), l.prompt_tokens().end()));
  }
  EXPECT_THAT(b->manifest.engine_version(), HasSubstr(url));
}

TEST_F(OpenAiBackendTest, DeadServerEndsTheRunWithFailuresInBoundedTime) {
  // A port that was free a moment ago and is closed again: nothing listens
  // there (httplib's bound-but-never-listening server would keep the socket).
  int port = 0;
  {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    socklen_t len = sizeof(addr);
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port = ntohs(addr.sin_port);
    ::close(fd);
  }
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<RunOutcome> out = Run(
      WriteSuite("dead", absl::StrCat("backend { openai { base_url: \"http://127.0.0.1:", port,
                                      "/v1\" concurrency: 2 timeout_s: 2 max_retries: 2 } }")),
      dir_ + "/dead");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->generated, 0);
  EXPECT_EQ(out->failed, 12);
  EXPECT_LT(SecondsSince(start), 10);
  const std::string url = absl::StrCat("http://127.0.0.1:", port, "/v1");
  EXPECT_THAT(out->all_failed, HasSubstr("every one of the 12 samples this run tried failed"));
  EXPECT_THAT(out->all_failed, HasSubstr(url));
  auto stored = results::LoadRunDir(dir_ + "/dead");
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(stored->records.empty());  // no sample stored: a resume retries every one
  // ...but every failure is on disk, with its class and the attempts made
  // (0 for those not sent once the server was given up on).
  auto errors = results::LoadSampleErrors(dir_ + "/dead", stored->records);
  ASSERT_TRUE(errors.ok()) << errors.status();
  ASSERT_EQ(errors->errors.size(), 12u);
  int tried = 0;
  for (const SampleError& e : errors->errors) {
    EXPECT_EQ(e.error_class(), "connection") << e.message();
    EXPECT_EQ(e.backend(), "openai:" + url);
    EXPECT_TRUE(e.attempts() == 3 || e.attempts() == 0) << e.attempts();
    tried += e.attempts() == 3 ? 1 : 0;
  }
  EXPECT_GE(tried, 1);

  // The command exits non-zero and names the server.
  const testing::CommandResult cli =
      testing::RunDoomscope(absl::StrCat("run --suite ", dir_, "/dead.textproto --out ", dir_, "/dead-cli"));
  EXPECT_EQ(cli.exit_code, 1) << cli.err;
  EXPECT_THAT(cli.err, HasSubstr("every one of the 12 samples this run tried failed and none was stored (backend openai:" +
                                 url + ")"));
}

TEST_F(OpenAiBackendTest, FailedSamplesAreErrorRecordsAndAResumeGeneratesThem) {
  httplib::Server server;
  std::atomic<bool> healthy{false};
  std::atomic<int> failed_requests{0};
  server.Post("/v1/completions", [&](const httplib::Request& req, httplib::Response& res) {
    if (!healthy && req.body.find("The little bird") != std::string::npos) {  // item "c"
      ++failed_requests;
      res.status = 500;
      res.set_content("{\"error\": {\"message\": \"the model crashed\"}}", "application/json");
      return;
    }
    res.set_content("{\"choices\": [{\"index\": 0, \"text\": \" and they played all day.\", "
                    "\"finish_reason\": \"stop\"}]}",
                    "application/json");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread t([&] { server.listen_after_bind(); });
  const std::string url = absl::StrCat("http://127.0.0.1:", port, "/v1");
  const std::string suite = WriteSuite(
      "flaky", absl::StrCat("backend { openai { base_url: \"", url, "\" concurrency: 3 timeout_s: 10 max_retries: 1 } }"));
  const std::string out = dir_ + "/flaky";

  absl::StatusOr<RunOutcome> first = Run(suite, out);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->generated, 9);
  EXPECT_EQ(first->failed, 3);  // item "c": greedy and two warm rollouts
  EXPECT_TRUE(first->all_failed.empty());
  EXPECT_EQ(failed_requests.load(), 6);  // each tried twice (max_retries 1)
  auto stored = results::LoadRunDir(out);
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_EQ(stored->records.size(), 9u);
  for (const SampleRecord& r : stored->records) EXPECT_NE(r.item_id(), "c");
  auto errors = results::LoadSampleErrors(out, stored->records);
  ASSERT_TRUE(errors.ok()) << errors.status();
  ASSERT_EQ(errors->errors.size(), 3u);
  for (const SampleError& e : errors->errors) {
    EXPECT_EQ(e.item_id(), "c");
    EXPECT_EQ(e.checkpoint(), "stories260K");
    EXPECT_EQ(e.task(), "stories");
    EXPECT_EQ(e.error_class(), "http 500");
    EXPECT_EQ(e.attempts(), 2);
    EXPECT_THAT(e.message(), HasSubstr("the model crashed"));
    EXPECT_THAT(e.message(), HasSubstr(url + "/completions"));
  }
  // The ratio is over the 9 generated samples; the 3 errors are counted beside it.
  const results::StageReport report = results::BuildStageReport(stored->records);
  int64_t n = 0;
  for (const results::StageRow& row : report.rows) n += row.n;
  EXPECT_EQ(n, 9);
  EXPECT_THAT(testing::ReadFile(out + "/summary.json"), HasSubstr("\"errored\":3"));
  const testing::CommandResult cli = testing::RunDoomscope("report " + out);
  EXPECT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_THAT(cli.out, HasSubstr("errored samples (not in any ratio; the next resume retries them): 3"));
  EXPECT_THAT(cli.out, HasSubstr("http 500 3"));
  const testing::CommandResult exported =
      testing::RunDoomscope(absl::StrCat("export ", out, " --jsonl ", out, "/samples.jsonl"));
  EXPECT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_THAT(exported.out, HasSubstr("wrote 9 samples"));
  EXPECT_THAT(exported.out, HasSubstr("errored samples (not in any ratio; the next resume retries them): 3"));

  // Resumed against a healthy server: the errored samples are generated, once.
  healthy = true;
  absl::StatusOr<RunOutcome> second = Run(suite, out);
  server.stop();
  t.join();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->skipped, 9);
  EXPECT_EQ(second->generated, 3);
  EXPECT_EQ(second->failed, 0);
  auto resumed = results::LoadRunDir(out);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_TRUE(resumed->warnings.empty());  // no sample stored twice
  std::set<std::string> ids;
  for (const SampleRecord& r : resumed->records) ids.insert(r.sample_id());
  EXPECT_EQ(ids.size(), 12u);
  EXPECT_EQ(resumed->records.size(), 12u);
  auto after = results::LoadSampleErrors(out, resumed->records);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_TRUE(after->errors.empty());  // each superseded by its success
  EXPECT_EQ(after->superseded, 3);
  EXPECT_THAT(testing::RunDoomscope("report " + out).out, ::testing::Not(HasSubstr("errored samples")));
}

TEST_F(OpenAiBackendTest, StallingServerTimesOutEverySample) {
  httplib::Server stall;
  std::atomic<bool> release{false};
  stall.Post("/v1/completions", [&](const httplib::Request&, httplib::Response& res) {
    for (int i = 0; i < 100 && !release; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    res.status = 500;
  });
  const int port = stall.bind_to_any_port("127.0.0.1");
  std::thread t([&] { stall.listen_after_bind(); });
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<RunOutcome> out = Run(
      WriteSuite("stall", absl::StrCat("backend { openai { base_url: \"http://127.0.0.1:", port,
                                       "/v1\" concurrency: 4 timeout_s: 0.3 max_retries: 1 } }")),
      dir_ + "/stall");
  release = true;
  stall.stop();
  t.join();
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->failed, 12);
  EXPECT_LT(SecondsSince(start), 30);
}

TEST_F(OpenAiBackendTest, LoopingStreamIsClosedWhenTheTextRuleFires) {
  httplib::Server looper;
  std::atomic<int> sent{0};
  std::atomic<bool> client_left{false};
  looper.Post("/v1/completions", [&](const httplib::Request& req, httplib::Response& res) {
    EXPECT_THAT(req.body, HasSubstr("\"stream\":true"));
    res.set_chunked_content_provider("text/event-stream", [&](size_t, httplib::DataSink& sink) {
      for (int i = 0; i < 5000; ++i) {
        const std::string e = "data: {\"choices\":[{\"index\":0,\"text\":\"The dog was happy and Tom was happy too. \"}]}\n\n";
        if (!sink.write(e.data(), e.size())) {
          client_left = true;
          return false;
        }
        ++sent;
      }
      sink.done();
      return true;
    });
  });
  const int port = looper.bind_to_any_port("127.0.0.1");
  std::thread t([&] { looper.listen_after_bind(); });
  OpenAiBackend config;
  config.set_base_url(absl::StrCat("http://127.0.0.1:", port, "/v1"));
  absl::StatusOr<std::unique_ptr<OpenAiHttpBackend>> backend = OpenAiHttpBackend::Create(config);
  ASSERT_TRUE(backend.ok()) << backend.status();
  CheckpointConfig checkpoint;
  checkpoint.set_name("m");
  ASSERT_TRUE((*backend)->LoadCheckpoint(checkpoint).ok());
  BackendRequest r;
  r.prompt = "x";
  r.sampling_config.set_max_new_tokens(4096);
  r.loop_stop.early_stop = true;
  r.loop_stop.thresholds = std::make_shared<const ResolvedConfig>(ResolveConfig(DetectorConfig()));
  std::vector<BackendResult> results;
  ASSERT_TRUE((*backend)->Generate({r}, [&](BackendResult res) { results.push_back(std::move(res)); }).ok());
  for (int i = 0; i < 200 && !client_left; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  looper.stop();
  t.join();
  ASSERT_EQ(results.size(), 1u);
  ASSERT_TRUE(results[0].status.ok()) << results[0].status;
  EXPECT_EQ(results[0].finish_reason, LOOP);
  EXPECT_GT(results[0].detected_at, 0);
  EXPECT_FALSE(results[0].tokens.has_value());  // this server sends no ids: character level
  EXPECT_TRUE(client_left.load());
  EXPECT_LT(sent.load(), 5000);
}

TEST_F(OpenAiBackendTest, SuiteChecksNameTheField) {
  SuiteConfig suite;
  suite.mutable_backend()->mutable_openai()->set_base_url("localhost:8080");
  absl::Status s = OpenAiHttpBackend::CheckConfig(suite);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("backend.openai"));
  suite.mutable_backend()->mutable_openai()->set_base_url("http://127.0.0.1:1/v1");
  suite.mutable_backend()->mutable_openai()->set_concurrency(100000);
  EXPECT_THAT(OpenAiHttpBackend::CheckConfig(suite).message(), HasSubstr("concurrency"));
  OpenAiBackend c;
  c.set_base_url("http://127.0.0.1:1/v1");
  c.set_api_key_env("DOOMSCOPE_TEST_UNSET_KEY_VAR");
  EXPECT_THAT(OpenAiHttpBackend::Create(c).status().message(), HasSubstr("DOOMSCOPE_TEST_UNSET_KEY_VAR"));
}

}  // namespace
}  // namespace doomscope
