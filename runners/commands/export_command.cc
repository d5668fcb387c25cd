// `doomscope export DIR --jsonl FILE`: every stored sample as one JSON object
// per line, for pandas and other tools. Errored samples (DIR/errors/) are not
// samples: they are counted on stdout, per checkpoint and task.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "results/json/jsonl.h"
#include "results/report_markdown.h"
#include "results/run_dir.h"
#include "results/sample_errors.h"
#include "results/sample_export.h"
#include "runners/commands/commands.h"
#include "runners/judged_run.h"

ABSL_FLAG(std::string, jsonl, "", "Write one JSON object per sample to this file.");

namespace doomscope {
namespace {

int Fail(const std::string& message, int code) {
  std::fprintf(stderr, "doomscope export: %s\n", message.c_str());
  return code;
}

int RunExport(const std::vector<std::string>& args) {
  if (args.size() != 1) return Fail("give exactly one run folder (doomscope export DIR --jsonl FILE)", kExitBadInput);
  const std::string out = absl::GetFlag(FLAGS_jsonl);
  if (out.empty()) return Fail("--jsonl FILE is required", kExitBadInput);
  absl::StatusOr<results::RunContents> run = results::LoadRunDir(args[0], results::ReadMode::kSalvage);
  if (!run.ok()) return Fail(std::string(run.status().message()), kExitBadInput);
  for (const std::string& w : run->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  json::AtomicFileWriter writer(out);
  if (absl::Status s = writer.Open(); !s.ok()) return Fail(std::string(s.message()), kExitFailure);
  // A judged folder: each line also carries its jury votes and aggregate.
  absl::StatusOr<std::optional<JudgedRun>> judged = LoadJudgedRun(args[0], run->records);
  if (!judged.ok()) return Fail(std::string(judged.status().message()), kExitBadInput);
  for (size_t i = 0; i < run->records.size(); ++i) {
    json::Value line = results::SampleToExportJson(run->records[i]);
    if (judged->has_value()) line.Set("jury", jury::SampleJuryJson((*judged)->view, i));
    if (absl::Status s = writer.WriteLine(line); !s.ok()) {
      return Fail(std::string(s.message()), kExitFailure);
    }
  }
  if (absl::Status s = writer.Commit(); !s.ok()) return Fail(std::string(s.message()), kExitFailure);
  std::printf("wrote %zu samples to %s\n", run->records.size(), out.c_str());
  // Samples the backend failed are no lines of the file (no reader may count
  // them as samples); their count per checkpoint and task is printed instead.
  absl::StatusOr<results::StoredErrors> errors = results::LoadSampleErrors(args[0], run->records);
  if (!errors.ok()) return Fail(std::string(errors.status().message()), kExitBadInput);
  for (const std::string& w : errors->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  std::fputs(results::ErrorsToText(results::TallyErrors(errors->errors)).c_str(), stdout);
  return kExitOk;
}

}  // namespace

Command ExportCommand() {
  return Command{
      .name = "export",
      .summary = "Export a run folder's samples as JSON Lines (one object per sample)",
      .usage = "doomscope export DIR --jsonl FILE",
      .flags = {"jsonl"},
      .run = RunExport,
  };
}

}  // namespace doomscope
