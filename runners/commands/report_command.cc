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
#include "results/jury_coverage.h"
#include "results/jury_store.h"
#include "results/report_json.h"
#include "results/report_markdown.h"
#include "results/run_dir.h"
#include "results/sample_errors.h"
#include "results/stage_report.h"
#include "runners/commands/commands.h"
#include "runners/common_flags.h"

namespace doomscope {
namespace {

int Fail(const std::string& message, int code) {
  std::fprintf(stderr, "doomscope report: %s\n", message.c_str());
  return code;
}

// A judged folder's jury coverage, for the note under the table and the JSON.
json::Value CoverageJson(const std::string& dir, const results::JuryCoverage& c) {
  return json::Object{{"dir", dir},          {"current", c.current}, {"covered", c.covered},
                      {"samples", c.samples}, {"reported", c.reported}, {"note", results::JuryCoverageNote(c)}};
}

int RunReport(const std::vector<std::string>& args) {
  if (args.empty()) return Fail("give at least one run folder (doomscope report DIR...)", kExitBadInput);
  std::vector<SampleRecord> records;
  json::Array coverage;
  std::vector<std::string> notes;
  for (const std::string& dir : args) {
    absl::StatusOr<results::RunContents> run = results::LoadRunDir(dir, results::ReadMode::kSalvage);
    if (!run.ok()) return Fail(std::string(run.status().message()), kExitBadInput);
    for (const std::string& w : run->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    // Whether the folder's jury report still covers its samples.
    absl::StatusOr<results::JuryCoverage> jury =
        results::CheckJuryCoverage(dir, run->records, results::ReadJuryReport(dir));
    if (!jury.ok()) return Fail(std::string(jury.status().message()), kExitBadInput);
    if (jury->judged) {
      coverage.push_back(CoverageJson(dir, *jury));
      if (const std::string note = results::JuryCoverageNote(*jury); !note.empty()) notes.push_back(dir + ": " + note);
    }
    for (SampleRecord& r : run->records) records.push_back(std::move(r));
  }
  // Errored samples, resolved against every folder's records (a sample stored
  // in any of them has succeeded).
  std::vector<SampleError> errors;
  for (const std::string& dir : args) {
    absl::StatusOr<results::StoredErrors> stored = results::LoadSampleErrors(dir, records);
    if (!stored.ok()) return Fail(std::string(stored.status().message()), kExitBadInput);
    for (const std::string& w : stored->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    for (SampleError& e : stored->errors) errors.push_back(std::move(e));
  }
  results::StageReport report = results::BuildStageReport(records);
  report.errors = results::TallyErrors(errors);
  json::Value report_json = results::StageReportToJson(report);
  if (!coverage.empty()) report_json.Set("jury_coverage", json::Value(std::move(coverage)));
  const std::string json_text = json::Serialize(report_json) + "\n";
  if (absl::GetFlag(FLAGS_json)) {
    std::fputs(json_text.c_str(), stdout);
  } else {
    std::fputs(results::StageReportToText(report).c_str(), stdout);
    for (const std::string& note : notes) std::printf("%s\n", note.c_str());
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
               "  JSON report ({\"rows\": [...], \"transitions\": [...], \"errors\": [...]}, the shape of\n"
               "  DIR/summary.json). Samples the backend failed (DIR/errors/) are counted per checkpoint and task,\n"
               "  outside every ratio; a judged folder whose jury report misses samples says so.",
      .flags = {"json", "output", "markdown", "html"},
      .run = RunReport,
  };
}

}  // namespace doomscope
