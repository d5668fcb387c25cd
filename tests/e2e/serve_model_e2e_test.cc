// doomscope serve-model as a user runs it: started as a process on an
// ephemeral port, the same suite through `doomscope run` with the openai
// backend against it and with the bundled engine gives the same stored
// samples; the server keeps serving and dies on SIGTERM.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "re2/re2.h"
#include "results/run_dir.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

// Starts `args` with stdout and stderr into `log`; returns the pid.
pid_t SpawnLogged(const std::vector<std::string>& args, const std::string& log) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  EXPECT_EQ(rc, 0) << "posix_spawn " << argv[0];
  return rc == 0 ? pid : -1;
}

// The server process, killed and reaped when the test ends whatever happens.
struct ServerProcess {
  pid_t pid = -1;
  ~ServerProcess() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      int status = 0;
      waitpid(pid, &status, 0);
    }
  }
};

TEST(ServeModelE2eTest, RunThroughTheServerStoresTheEnginesSamples) {
  const std::string dir = testing::MakeTempDir("serve-model-e2e");
  const std::string model = testing::SharedPath("models/stories260K/stories260K.bin");
  const std::string tokenizer = testing::SharedPath("models/stories260K/tok512.bin");
  ServerProcess server;
  server.pid = SpawnLogged({testing::DoomscopeBinary(), "serve-model", "--model=" + model, "--tokenizer=" + tokenizer,
                            "--port=0", "--threads=1", "--served_model_name=stories"},
                           dir + "/server.log");
  ASSERT_GT(server.pid, 0);
  int port = 0;
  for (int i = 0; i < 600 && port == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    RE2::PartialMatch(testing::ReadFile(dir + "/server.log"), R"(at http://127\.0\.0\.1:(\d+)/v1)", &port);
  }
  ASSERT_GT(port, 0) << testing::ReadFile(dir + "/server.log");

  testing::WriteFile(dir + "/prompts.jsonl",
                     "{\"id\": \"a\", \"prompt\": \"Once upon a time\"}\n"
                     "{\"id\": \"b\", \"prompt\": \"The little bird\"}\n");
  const std::string common = absl::StrCat(R"pb(
checkpoint { name: "stories" stage: PRETRAIN path: ")pb", model, R"pb(" tokenizer: ")pb", tokenizer, R"pb(" }
task { name: "stories" kind: PROMPTS_JSONL prompts: "prompts.jsonl" }
sampling { name: "greedy" temperature: 0 max_new_tokens: 80 }
sampling { name: "hot" temperature: 1.0 samples: 3 seed: 11 max_new_tokens: 40 }
)pb");
  testing::WriteFile(dir + "/engine.textproto", absl::StrCat("name: \"e2e\"\n", common));
  testing::WriteFile(dir + "/http.textproto",
                     absl::StrCat("name: \"e2e\"\n", common, "backend { openai { base_url: \"http://127.0.0.1:", port,
                                  "/v1\" concurrency: 4 timeout_s: 60 } }\n"));
  testing::CommandResult a = testing::RunDoomscope(absl::StrCat("run --suite ", dir, "/engine.textproto --out ", dir, "/engine"));
  ASSERT_EQ(a.exit_code, 0) << a.err;
  testing::CommandResult b = testing::RunDoomscope(absl::StrCat("run --suite ", dir, "/http.textproto --out ", dir, "/http"));
  ASSERT_EQ(b.exit_code, 0) << b.err << testing::ReadFile(dir + "/server.log");

  auto engine = results::LoadRunDir(dir + "/engine");
  auto http = results::LoadRunDir(dir + "/http");
  ASSERT_TRUE(engine.ok() && http.ok());
  ASSERT_EQ(engine->records.size(), 8u);
  ASSERT_EQ(http->records.size(), engine->records.size());
  std::map<std::string, const SampleRecord*> by_id;
  for (const SampleRecord& r : engine->records) by_id[r.sample_id()] = &r;
  for (const SampleRecord& r : http->records) {
    ASSERT_TRUE(by_id.contains(r.sample_id()));
    const SampleRecord& e = *by_id[r.sample_id()];
    EXPECT_EQ(r.text(), e.text()) << r.item_id() << " " << r.sampling() << " " << r.rollout();
    EXPECT_EQ(std::vector<int32_t>(r.tokens().begin(), r.tokens().end()),
              std::vector<int32_t>(e.tokens().begin(), e.tokens().end()));
    EXPECT_EQ(r.finish_reason(), e.finish_reason());
  }
  // Still serving after the run.
  EXPECT_EQ(kill(server.pid, 0), 0);
}

}  // namespace
}  // namespace doomscope
