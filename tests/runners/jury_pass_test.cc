// The jury pass over a run folder: killed part-way (and with a torn last
// vote) and run again, it stores every vote exactly once and asks each judge
// only for what is missing; a judge that fails abstains and is counted; the
// report says which samples it covered, so readers notice later ones.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "results/jury_coverage.h"
#include "results/jury_store.h"
#include "results/record_file.h"
#include "results/run_dir.h"
#include "runners/jury_config.h"
#include "runners/jury_pass.h"
#include "runners/suite_config.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

// Appends samples `from` .. `to` - 1 (three rollouts per prompt) to DIR.
void AppendSamples(const std::string& dir, int from, int to) {
  auto writer = results::RecordWriter::OpenForAppend(results::ShardRecordPath(dir, 0, 1));
  EXPECT_TRUE(writer.ok()) << writer.status();
  for (int i = from; i < to; ++i) {
    SampleRecord r;
    r.set_sample_id(absl::StrCat("sample-", i));
    r.set_checkpoint("ckpt");
    r.set_task("stories");
    r.set_item_id(absl::StrCat("item-", i / 3));
    r.set_rollout(i % 3);
    r.set_prompt("Once");
    r.set_text(absl::StrCat("text ", i));
    r.mutable_findings()->set_detector_version("test");
    r.mutable_findings()->mutable_ngram()->set_seq_rep_4(0.01 * i);
    EXPECT_TRUE((*writer)->Append(r).ok());
  }
  EXPECT_TRUE((*writer)->Flush().ok());
}

// A run folder with `n` samples over `n / 3` prompts.
std::string MakeRun(int n) {
  const std::string dir = testing::MakeTempDir("jury");
  EXPECT_TRUE(results::WriteManifest(dir, RunManifest()).ok());
  AppendSamples(dir, 0, n);
  return dir;
}

// A judge that counts what it is asked; abstains (retryably) on the samples
// listed in `fail`, while `failing` is set.
class CountingJudge : public jury::Judge {
 public:
  explicit CountingJudge(std::map<std::string, int>* asked, std::mutex* mu, std::set<std::string> fail = {},
                         const std::atomic<bool>* failing = nullptr)
      : asked_(asked), mu_(mu), fail_(std::move(fail)), failing_(failing) {}
  jury::Verdict Score(const SampleRecord& s) override {
    {
      std::lock_guard<std::mutex> lock(*mu_);
      ++(*asked_)[s.sample_id()];
    }
    if (failing_ != nullptr && failing_->load() && fail_.count(s.sample_id())) {
      return jury::Verdict::Abstain("http 503: try later", /*retryable=*/true);
    }
    return jury::Verdict::Score(0.5, 0.5);
  }
  int concurrency() const override { return 3; }

 private:
  std::map<std::string, int>* asked_;
  std::mutex* mu_;
  std::set<std::string> fail_;
  const std::atomic<bool>* failing_;
};

JuryConfig TwoJudges() {
  JuryConfig jury;
  JudgeConfig* rep = jury.add_judge();
  rep->set_name("repetition");
  rep->mutable_rule()->set_check(REPETITION);
  JudgeConfig* counted = jury.add_judge();
  counted->set_name("counted");
  counted->mutable_rule()->set_check(VALID_JSON);  // replaced by the counting judge
  jury.set_aggregate(MEAN);
  return jury;
}

TEST(JuryPassTest, ResumeAfterACrashStoresEachVoteOnce) {
  constexpr int kSamples = 30;
  const std::string dir = MakeRun(kSamples);
  std::map<std::string, int> asked;
  std::mutex mu;
  JuryPassOptions options;
  options.dir = dir;
  options.jury = TwoJudges();
  options.progress_out = nullptr;
  options.flush_every = 1;
  options.make_judge = [&](const JudgeConfig& j, int threads) -> absl::StatusOr<std::unique_ptr<jury::Judge>> {
    if (j.name() == "counted") return std::unique_ptr<jury::Judge>(std::make_unique<CountingJudge>(&asked, &mu));
    return MakeJudge(j, threads);
  };
  // "Killed" after 40 votes: every repetition vote and 10 of the other judge's.
  options.stop_after_votes = 40;
  ASSERT_TRUE(RunJuryPass(options).ok());
  // The crash also tore the last vote's frame.
  const std::string votes_path = results::VoteFilePath(dir, 0, 1);
  const auto size = std::filesystem::file_size(votes_path);
  ASSERT_EQ(::truncate(votes_path.c_str(), static_cast<off_t>(size - 5)), 0);
  auto before = results::LoadVotes(dir);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->votes.size(), 39u);
  ASSERT_EQ(before->warnings.size(), 1u) << "the torn vote is reported";

  options.stop_after_votes = 0;
  asked.clear();
  absl::StatusOr<JuryPassOutcome> resumed = RunJuryPass(options);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  ASSERT_EQ(resumed->judges.size(), 2u);
  EXPECT_EQ(resumed->judges[0].stored, kSamples);
  EXPECT_EQ(resumed->judges[0].asked, 0);
  EXPECT_EQ(resumed->judges[1].stored, 9);
  EXPECT_EQ(resumed->judges[1].asked, kSamples - 9);
  EXPECT_EQ(asked.size(), static_cast<size_t>(kSamples - 9));
  for (const auto& [id, n] : asked) EXPECT_EQ(n, 1) << id;

  auto after = results::LoadVotes(dir, results::ReadMode::kStrict);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->votes.size(), 2u * kSamples);
  EXPECT_EQ(after->frames, 2 * kSamples) << "each vote stored exactly once";
  EXPECT_EQ(after->duplicates, 0);
  EXPECT_EQ(resumed->report.Find("scored")->as_int(), kSamples);
  EXPECT_EQ(resumed->report.Find("below_quorum")->as_int(), 0);

  // A third pass has nothing to ask.
  asked.clear();
  absl::StatusOr<JuryPassOutcome> again = RunJuryPass(options);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(asked.empty());
}

TEST(JuryPassTest, RetryableAbstentionsAreAskedAgainAndSuperseded) {
  const std::string dir = MakeRun(9);
  std::map<std::string, int> asked;
  std::mutex mu;
  std::atomic<bool> failing{true};
  JuryPassOptions options;
  options.dir = dir;
  options.jury = TwoJudges();
  options.progress_out = nullptr;
  options.make_judge = [&](const JudgeConfig& j, int threads) -> absl::StatusOr<std::unique_ptr<jury::Judge>> {
    if (j.name() == "counted") {
      return std::unique_ptr<jury::Judge>(
          std::make_unique<CountingJudge>(&asked, &mu, std::set<std::string>{"sample-1", "sample-4"}, &failing));
    }
    return MakeJudge(j, threads);
  };
  absl::StatusOr<JuryPassOutcome> first = RunJuryPass(options);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->judges[1].abstained, 2);
  EXPECT_EQ(first->judges[1].retryable, 2);
  const json::Value& judge = first->report.Find("judges")->as_array()[1];
  EXPECT_EQ(judge.Find("abstentions")->as_int(), 2);
  EXPECT_EQ(judge.Find("abstain_reasons")->Find("http 503")->as_int(), 2);
  // With a quorum of 2 the two samples are left unscored, not scored by one judge.
  EXPECT_EQ(first->report.Find("below_quorum")->as_int(), 2);

  failing = false;
  asked.clear();
  absl::StatusOr<JuryPassOutcome> second = RunJuryPass(options);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(asked.size(), 2u);
  EXPECT_EQ(second->report.Find("below_quorum")->as_int(), 0);
  auto votes = results::LoadVotes(dir);
  ASSERT_TRUE(votes.ok());
  EXPECT_EQ(votes->superseded, 2);
  EXPECT_EQ(votes->votes.size(), 18u);
}

TEST(JuryPassTest, AChangedJudgeVotesAfresh) {
  const std::string dir = MakeRun(6);
  JuryPassOptions options;
  options.dir = dir;
  options.jury = TwoJudges();
  options.progress_out = nullptr;
  ASSERT_TRUE(RunJuryPass(options).ok());
  options.jury.mutable_judge(1)->mutable_rule()->set_check(TASK_SCORE);
  absl::StatusOr<JuryPassOutcome> changed = RunJuryPass(options);
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(changed->judges[0].asked, 0);
  EXPECT_EQ(changed->judges[1].asked, 6);  // new fingerprint: the old VALID_JSON votes do not count
  auto manifest = results::ReadJuryManifest(dir);
  ASSERT_TRUE(manifest.ok());
  EXPECT_EQ(manifest->jury().judge(1).rule().check(), TASK_SCORE);
}

// A suite's jury is resolved against the suite file and checked with it; a
// bad jury names the judge and the field.
TEST(JuryPassTest, TheReportSaysWhatItCoveredAndReadersSeeSamplesStoredAfterIt) {
  const std::string dir = MakeRun(6);
  JuryPassOptions options;
  options.dir = dir;
  JudgeConfig* rep = options.jury.add_judge();
  rep->set_name("repetition");
  rep->mutable_rule()->set_check(REPETITION);
  options.jury_path = "jury.textproto";
  options.progress_out = nullptr;
  absl::StatusOr<JuryPassOutcome> first = RunJuryPass(options);
  ASSERT_TRUE(first.ok()) << first.status();
  const json::Value* coverage = first->report.Find("coverage");
  ASSERT_NE(coverage, nullptr);
  EXPECT_EQ(coverage->Find("samples")->as_int(), 6);

  // A resumed run stores three more samples: the report has not seen them.
  AppendSamples(dir, 6, 9);
  auto run = results::LoadRunDir(dir);
  ASSERT_TRUE(run.ok()) << run.status();
  absl::StatusOr<results::JuryCoverage> stale =
      results::CheckJuryCoverage(dir, run->records, results::ReadJuryReport(dir));
  ASSERT_TRUE(stale.ok()) << stale.status();
  EXPECT_FALSE(stale->current);
  EXPECT_EQ(stale->covered, 6);
  EXPECT_EQ(stale->samples, 9);
  const std::string note = absl::StrCat("jury covers 6 of 9 samples — run `doomscope judge ", dir,
                                        " --jury jury.textproto` to update");
  const testing::CommandResult report = testing::RunDoomscope("report " + dir);
  EXPECT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(report.out.find(note), std::string::npos) << report.out;
  const testing::CommandResult html = testing::RunDoomscope(absl::StrCat("report ", dir, " --html ", dir, "/r.html"));
  EXPECT_EQ(html.exit_code, 0) << html.err;
  EXPECT_NE(testing::ReadFile(dir + "/r.html").find("id=\"ds-jury-stale\">jury covers 6 of 9 samples"),
            std::string::npos);

  // Judged again, the report covers every sample and nobody complains.
  ASSERT_TRUE(RunJuryPass(options).ok());
  absl::StatusOr<results::JuryCoverage> current =
      results::CheckJuryCoverage(dir, run->records, results::ReadJuryReport(dir));
  ASSERT_TRUE(current.ok()) << current.status();
  EXPECT_TRUE(current->current);
  EXPECT_EQ(current->covered, 9);
  EXPECT_EQ(testing::RunDoomscope("report " + dir).out.find("jury covers"), std::string::npos);
}

TEST(JuryConfigTest, SuiteJuryPathsResolveAndBadJuriesAreRefused) {
  const std::string root = testing::MakeTempDir("jury-suite");
  const std::string models = testing::SharedPath("models/stages-a");
  const std::string tok = testing::SharedPath("models/stories260K/tok512.bin");
  testing::WriteFile(root + "/prompts.jsonl", "{\"id\": \"a\", \"prompt\": \"Once\"}\n");
  testing::WriteFile(root + "/judge.bin", testing::ReadFile(models + "/pretrain.bin"));
  const std::string head = absl::StrCat("checkpoint { name: \"sft\" stage: SFT path: \"", models,
                                        "/sft.bin\" tokenizer: \"", tok, "\" }\n",
                                        "task { name: \"t\" kind: CONTINUATION prompts: \"prompts.jsonl\" }\n",
                                        "sampling { name: \"greedy\" }\n");
  auto parse = [&](const std::string& jury) {
    return ParseSuiteConfig(head + jury, root + "/suite.textproto", root);
  };
  absl::StatusOr<SuiteConfig> ok = parse(
      "jury { judge { name: \"rep\" rule { check: REPETITION } } "
      "judge { name: \"lp\" logprob { path: \"judge.bin\" } } aggregate: MEDIAN }");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->jury().judge(1).logprob().path(), root + "/judge.bin");
  EXPECT_EQ(ok->jury().aggregate(), MEDIAN);
  struct Bad {
    std::string jury, message;
  };
  for (const Bad& bad : std::vector<Bad>{
           {"jury { judge { name: \"a\" rule { check: REPETITION } } judge { name: \"a\" rule { check: VALID_JSON } } }",
            "judge name \"a\" is used twice"},
           {"jury { judge { name: \"lp\" logprob { path: \"missing.bin\" } } }", "judge \"lp\": logprob path"},
           {"jury { judge { name: \"r\" rule { } } }", "judge \"r\": rule needs a check"},
           {"jury { judge { name: \"x\" } }", "judge \"x\": give the judge a kind"},
           {"jury { judge { name: \"o\" openai { model: \"m\" } } }", "judge \"o\": openai needs a base_url"},
           {"jury { judge { name: \"r\" rule { check: REPETITION } } quorum: 2 }", "quorum 2"},
           {"jury { }", "at least one judge"},
           {"jury { judge { name: \"r\" rule { check: LOUDNESS } } }", "suite.textproto:4:"},
       }) {
    absl::StatusOr<SuiteConfig> refused = parse(bad.jury);
    ASSERT_FALSE(refused.ok()) << bad.jury;
    EXPECT_NE(refused.status().message().find(bad.message), std::string::npos) << refused.status();
  }
  // A --jury file: paths relative to it.
  testing::WriteFile(root + "/jury.textproto", "judge { name: \"lp\" logprob { path: \"judge.bin\" pass_at: -2 } }\n");
  absl::StatusOr<JuryConfig> file = LoadJuryConfig(root + "/jury.textproto");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->judge(0).logprob().path(), root + "/judge.bin");
  EXPECT_FALSE(LoadJuryConfig(root + "/nope.textproto").ok());
}

}  // namespace
}  // namespace doomscope
