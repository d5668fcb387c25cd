// SIGKILL at random moments + resume stores every planned sample exactly once,
// with the same content as an uninterrupted run (greedy and seeded sampling
// are deterministic).
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "results/record_file.h"
#include "results/run_dir.h"
#include "tests/test_support.h"

extern char** environ;

namespace doomscope {
namespace {
namespace fs = std::filesystem;

std::string WriteSuite(const std::string& dir) {
  std::string models = testing::SharedPath("models/stages-a");
  std::string tok = testing::SharedPath("models/stories260K/tok512.bin");
  std::string suite = absl::StrCat(R"pb(name: "resume"
checkpoint { name: "pretrain" stage: PRETRAIN path: ")pb", models, R"pb(/pretrain.bin" tokenizer: ")pb", tok, R"pb(" }
checkpoint { name: "rl" stage: RL path: ")pb", models, R"pb(/rl.bin" tokenizer: ")pb", tok, R"pb(" }
task { name: "stories" kind: PROMPTS_JSONL limit: 16 prompts: ")pb", models, R"pb(/eval_prompts.jsonl" }
sampling { name: "greedy" temperature: 0 max_new_tokens: 256 }
sampling { name: "t0.8" temperature: 0.8 samples: 2 seed: 1004 max_new_tokens: 256 }
backend { engine { max_batch: 8 } }
)pb");
  std::string path = dir + "/suite.textproto";
  testing::WriteFile(path, suite);
  return path;
}

// Every record in every record file of DIR, raw (duplicates kept).
std::vector<SampleRecord> RawRecords(const std::string& dir) {
  std::vector<SampleRecord> out;
  for (const auto& entry : fs::directory_iterator(results::RecordsDir(dir))) {
    absl::Status s = results::ReadRecordFile(entry.path().string(), [&](SampleRecord r) { out.push_back(std::move(r)); },
                                             nullptr);
    EXPECT_TRUE(s.ok()) << s;
  }
  return out;
}

// Distinct sample ids stored in DIR so far (a torn tail is dropped, as a resume does).
size_t UniqueSampleCount(const std::string& dir) {
  std::set<std::string> ids;
  for (const SampleRecord& r : RawRecords(dir)) ids.insert(r.sample_id());
  return ids.size();
}

pid_t Spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  EXPECT_EQ(rc, 0) << "posix_spawn " << argv[0];
  return rc == 0 ? pid : -1;
}

TEST(RunResumeE2eTest, SigkillAtRandomPointsThenResumeStoresEachSampleOnce) {
  std::string root = testing::MakeTempDir("resume");
  std::string suite = WriteSuite(root);
  std::string reference_dir = root + "/reference", killed_dir = root + "/killed";

  auto start = std::chrono::steady_clock::now();
  testing::CommandResult ref = testing::RunDoomscope(
      absl::StrCat("run --suite ", suite, " --out ", reference_dir, " --threads 2"));
  double reference_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  std::vector<SampleRecord> reference = RawRecords(reference_dir);
  ASSERT_EQ(reference.size(), 2u * 16 * 3);

  std::random_device device;
  unsigned seed = device();
  std::mt19937 rng(seed);
  SCOPED_TRACE(absl::StrCat("kill schedule seed ", seed, ", reference run ", reference_s, " s"));
  // Each kill lands at a random moment within the work still left: the delay
  // is drawn from [startup, 60% of the reference time scaled by the share of
  // samples not yet stored], so later, shorter resumes are still interrupted
  // whatever the machine's load (a fixed window let them finish first).
  const double total = static_cast<double>(reference.size());
  int kills = 0;
  for (int attempt = 0; attempt < 10 && kills < 4; ++attempt) {
    double stored = fs::exists(results::RecordsDir(killed_dir)) ? UniqueSampleCount(killed_dir) : 0;
    if (stored >= total) break;
    double window = std::max(0.05, reference_s * 0.6 * (total - stored) / total);
    double wait_s = std::uniform_real_distribution<double>(0.02, window)(rng);
    pid_t pid = Spawn({testing::DoomscopeBinary(), "run", "--suite", suite, "--out", killed_dir, "--threads", "2"});
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::duration<double>(wait_s));
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == 0) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      ++kills;
    }
  }
  EXPECT_GE(kills, 3) << "the runs finished before most kills; the test did not exercise crashes";

  testing::CommandResult resumed =
      testing::RunDoomscope(absl::StrCat("run --suite ", suite, " --out ", killed_dir, " --threads 2"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;

  std::vector<SampleRecord> after = RawRecords(killed_dir);
  std::map<std::string, int> count;
  for (const SampleRecord& r : after) ++count[r.sample_id()];
  std::map<std::string, const SampleRecord*> by_id;
  for (const SampleRecord& r : reference) by_id[r.sample_id()] = &r;
  EXPECT_EQ(count.size(), by_id.size());
  for (const auto& [id, n] : count) {
    EXPECT_EQ(n, 1) << "sample " << id << " stored " << n << " times";
    EXPECT_TRUE(by_id.count(id)) << "unplanned sample " << id;
  }
  for (const SampleRecord& r : after) {
    auto it = by_id.find(r.sample_id());
    if (it == by_id.end()) continue;
    const SampleRecord& want = *it->second;
    EXPECT_EQ(r.text(), want.text()) << r.sample_id();
    EXPECT_EQ(std::vector<int32_t>(r.tokens().begin(), r.tokens().end()),
              std::vector<int32_t>(want.tokens().begin(), want.tokens().end()))
        << r.sample_id();
    EXPECT_EQ(r.finish_reason(), want.finish_reason()) << r.sample_id();
    EXPECT_EQ(r.findings().verdict().doom_loop(), want.findings().verdict().doom_loop()) << r.sample_id();
  }
  // The report view agrees: LoadRunDir sees each planned sample once.
  auto contents = results::LoadRunDir(killed_dir);
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_EQ(contents->records.size(), by_id.size());
  EXPECT_TRUE(fs::exists(killed_dir + "/summary.json"));
  // A third run has nothing left to do.
  testing::CommandResult again =
      testing::RunDoomscope(absl::StrCat("run --suite ", suite, " --out ", killed_dir, " --threads 2"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("96 planned, 96 already stored, 0 generated"), std::string::npos) << again.out;
}

TEST(RunResumeE2eTest, ChangedCheckpointIsSetAsideAndRerun) {
  std::string root = testing::MakeTempDir("changed");
  std::string copy = root + "/pretrain.bin";
  fs::copy_file(testing::SharedPath("models/stages-a/pretrain.bin"), copy);
  std::string tok = testing::SharedPath("models/stories260K/tok512.bin");
  std::string prompts = testing::SharedPath("models/stages-a/eval_prompts.jsonl");
  std::string suite = root + "/suite.textproto";
  testing::WriteFile(suite, absl::StrCat("checkpoint { name: \"m\" stage: SFT path: \"pretrain.bin\" tokenizer: \"", tok,
                                         "\" }\ntask { name: \"s\" kind: PROMPTS_JSONL limit: 4 prompts: \"", prompts,
                                         "\" }\nsampling { name: \"greedy\" max_new_tokens: 32 }\n"));
  std::string out = root + "/out";
  testing::CommandResult first = testing::RunDoomscope(absl::StrCat("run --suite ", suite, " --out ", out));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  // Replace the checkpoint with another one under the same name.
  fs::copy_file(testing::SharedPath("models/stages-a/rl.bin"), copy, fs::copy_options::overwrite_existing);
  testing::CommandResult second = testing::RunDoomscope(absl::StrCat("run --suite ", suite, " --out ", out));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("checkpoint files changed"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("m; their 4 stored samples were moved"), std::string::npos) << second.err;
  EXPECT_NE(second.out.find("4 planned, 0 already stored, 4 generated"), std::string::npos) << second.out;
  auto contents = results::LoadRunDir(out);
  ASSERT_TRUE(contents.ok()) << contents.status();
  ASSERT_EQ(contents->records.size(), 4u);
  EXPECT_EQ(contents->records[0].checkpoint_sha256(),
            "5d2c7638e97ede8cdbf7d6b95f2b7420197416ad2af51085af10b37d8699391e");
  EXPECT_TRUE(fs::exists(out + "/stale"));
}

}  // namespace
}  // namespace doomscope
