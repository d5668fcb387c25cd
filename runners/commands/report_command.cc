// `doomscope report DIR...`: the stage comparison of one or more run folders
// (several folders are merged, e.g. shards run on different machines).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "results/dashboard/html_report.h"
#include "results/json/json.h"
#include "results/json/jsonl.h"
#include "results/report_json.h"
#include "results/report_markdown.h"
#include "results/run_dir.h"
#include "results/stage_report.h"
#include "runners/commands/commands.h"
#include "runners/common_flags.h"

namespace doomscope {
namespace {

int Fail(const std::string& message, int code) {
  std::fprintf(stderr, "doomscope report: %s\n", message.c_str());
  return code;
}

int RunReport(const std::vector<std::string>& args) {
  if (args.empty()) return Fail("give at least one run folder (doomscope report DIR...)", kExitBadInput);
  std::vector<SampleRecord> records;
  for (const std::string& dir : args) {
    absl::StatusOr<results::RunContents> run = results::LoadRunDir(dir, results::ReadMode::kSalvage);
    if (!run.ok()) return Fail(std::string(run.status().message()), kExitBadInput);
    for (const std::string& w : run->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    for (SampleRecord& r : run->records) records.push_back(std::move(r));
  }
  const results::StageReport report = results::BuildStageReport(records);
  const std::string json_text = json::Serialize(results::StageReportToJson(report)) + "\n";
  if (absl::GetFlag(FLAGS_json)) {
    std::fputs(json_text.c_str(), stdout);
  } else {
    std::fputs(results::StageReportToText(report).c_str(), stdout);
  }
  if (const std::string path = absl::GetFlag(FLAGS_output); !path.empty()) {
    if (absl::Status s = json::WriteFileAtomically(path, json_text); !s.ok()) {
      return Fail(std::string(s.message()), kExitFailure);
    }
  }
  if (const std::string path = absl::GetFlag(FLAGS_markdown); !path.empty()) {
    if (absl::Status s = json::WriteFileAtomically(path, results::StageReportToMarkdown(report)); !s.ok()) {
      return Fail(std::string(s.message()), kExitFailure);
    }
  }
  // The HTML dashboard (results/html_report.h) over the same folders.
  if (const std::string path = absl::GetFlag(FLAGS_html); !path.empty()) {
    if (absl::Status s = results::WriteHtmlReport(args, path); !s.ok()) {
      return Fail(std::string(s.message()), kExitFailure);
    }
  }
  return kExitOk;
}

}  // namespace

Command ReportCommand() {
  return Command{
      .name = "report",
      .summary = "Doom-loop ratios by training stage, with intervals and paired stage-to-stage tests",
      .usage = "doomscope report DIR... [--json] [--output REPORT.json] [--markdown FILE.md] [--html FILE.html]\n"
               "  prints a fixed-width table (or with --json the JSON report) to stdout; --output writes the\n"
               "  JSON report ({\"rows\": [...], \"transitions\": [...]}, the shape of DIR/summary.json)",
      .flags = {"json", "output", "markdown", "html"},
      .run = RunReport,
  };
}

}  // namespace doomscope
