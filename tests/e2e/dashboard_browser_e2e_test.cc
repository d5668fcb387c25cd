// The HTML report in a real browser: a stages-a run (greedy, four stages) is
// reported with --html, rendered by headless Chromium, and the DOM it builds
// is checked against summary.json. A screenshot is left as a test artifact
// (BUILD/test-artifacts/dashboard.png; docs/dashboard.png is a copy of one).
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "re2/re2.h"
#include "results/json/json.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {
namespace fs = std::filesystem;

std::string GreedyStagesASuite() {
  const std::string models = testing::SharedPath("models/stages-a");
  const std::string tok = testing::SharedPath("models/stories260K/tok512.bin");
  std::string s = "name: \"stages-a\"\n";
  const char* stages[][2] = {{"pretrain", "PRETRAIN"}, {"sft", "SFT"}, {"dpo", "DPO"}, {"rl", "RL"}};
  for (const auto& st : stages) {
    absl::StrAppend(&s, "checkpoint { name: \"", st[0], "\" stage: ", st[1], " path: \"", models, "/", st[0],
                    ".bin\" tokenizer: \"", tok, "\" }\n");
  }
  absl::StrAppend(&s, "task { name: \"stories\" kind: PROMPTS_JSONL prompts: \"", models, "/eval_prompts.jsonl\" }\n",
                  "sampling { name: \"greedy\" temperature: 0 max_new_tokens: 256 }\n");
  return s;
}

// Runs headless Chromium with the flags the issue names (fresh profile, no
// network services); `mode` is --dump-dom or --screenshot=PATH. Bounded by
// timeout(1) so a wedged browser fails the test instead of hanging it.
int Chromium(const std::string& mode, const std::string& page, const std::string& profile,
             const std::string& stdout_path) {
  const std::string cmd = absl::StrCat(
      "timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking "
      "--disable-component-update --disable-sync --hide-scrollbars --window-size=1280,1100 --user-data-dir=",
      profile, " ", mode, " file://", page, " >", stdout_path, " 2>", stdout_path, ".err");
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

TEST(DashboardBrowserE2eTest, ChromiumRendersStageRowsRatiosAndALoopingSampleNoAsan) {
  const std::string root = testing::MakeTempDir("browser");
  testing::WriteFile(root + "/suite.textproto", GreedyStagesASuite());
  testing::CommandResult run = testing::RunDoomscope(absl::StrCat("run --suite ", root, "/suite.textproto --out ",
                                                                  root, "/run"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string page = root + "/report.html";
  testing::CommandResult report =
      testing::RunDoomscope(absl::StrCat("report ", root, "/run --html ", page));
  ASSERT_EQ(report.exit_code, 0) << report.err;

  ASSERT_EQ(Chromium("--dump-dom", page, root + "/profile-dom", root + "/dom.html"), 0)
      << testing::ReadFile(root + "/dom.html.err");
  const std::string dom = testing::ReadFile(root + "/dom.html");

  // Stage rows in stage order, each with the ratio summary.json holds.
  auto summary = json::Parse(testing::ReadFile(root + "/run/summary.json"));
  ASSERT_TRUE(summary.ok()) << summary.status();
  std::vector<std::string> want_stages;
  std::vector<std::string> want_ratios;
  for (const json::Value& row : summary->Find("rows")->as_array()) {
    want_stages.push_back(row.Find("stage")->as_string());
    want_ratios.push_back(absl::StrFormat("%.6f", row.Find("doom_loop_ratio")->as_double()));
  }
  ASSERT_EQ(want_stages, (std::vector<std::string>{"PRETRAIN", "SFT", "DPO", "RL"}));
  re2::StringPiece input(dom);
  std::string stage, ratio;
  std::vector<std::string> got_stages, got_ratios;
  const RE2 row_re(R"re(class="ds-row stage-row"[^>]*data-stage="([A-Z]+)"[^>]*data-ratio="([0-9.]+)")re");
  while (RE2::FindAndConsume(&input, row_re, &stage, &ratio)) {
    got_stages.push_back(stage);
    got_ratios.push_back(ratio);
  }
  EXPECT_EQ(got_stages, want_stages);
  EXPECT_EQ(got_ratios, want_ratios);

  // The sample browser (built by the page's script) shows a looping sample
  // with its onset marked and the repeated unit highlighted.
  std::string unit;
  const RE2 sample_re(
      R"re(<article class="ds-sample v-doom_loop"[\s\S]*?class="ds-onset"[\s\S]*?<mark class="ds-unit"[^>]*>([^<]+)</mark>)re");
  ASSERT_TRUE(RE2::PartialMatch(dom, sample_re, &unit)) << "no looping sample with a highlighted unit";
  EXPECT_GE(unit.size(), 2u);

  // The picture: a real rendering, not a blank page.
  const fs::path artifacts = fs::path(testing::DoomscopeBinary()).parent_path() / "test-artifacts";
  fs::create_directories(artifacts);
  const std::string png = (artifacts / "dashboard.png").string();
  fs::remove(png);
  ASSERT_EQ(Chromium("--screenshot=" + png, page, root + "/profile-shot", root + "/shot.txt"), 0)
      << testing::ReadFile(root + "/shot.txt.err");
  const std::string bytes = testing::ReadFile(png);
  ASSERT_GE(bytes.size(), 8u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_GT(bytes.size(), 30000u) << "a blank page compresses to a few KB";
  std::printf("screenshot: %s (%zu bytes)\n", png.c_str(), bytes.size());
}

}  // namespace
}  // namespace doomscope
