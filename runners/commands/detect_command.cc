// `doomscope detect --input GEN.jsonl [--output FINDINGS.jsonl] [--group_by model,task] [--json]
//                   [--assume_capped] [--skip_invalid] [--detector_config FILE.textproto] [--threads N]`
//
// The detectors alone, on any model's stored generations (the format of
// results/generations/generations_reader.h: `id` or `item_id`, `text` and/or
// `tokens`, `finish_reason`, ...; without a finish reason a line counts as
// capped only with --assume_capped, or when its token count reaches
// max_new_tokens). Other fields can be group keys. The work is
// results::DetectGenerations; this file maps flags and exit codes.
//
// Output: one JSON object per input line, in input order, with the headline
// fields and the full findings under "findings"; written to a temporary file
// and renamed at the end, so a failed run leaves --output untouched. Stdout:
// per group, n, doom loops and the doom-loop ratio with its Wilson 95%
// interval (--json: the same as one JSON object).
//
// Exit codes: 0 ok, 1 I/O failure, 2 bad input (a malformed line names file,
// line and field; --skip_invalid turns it into a counted warning).
#include <omp.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "detectors/config_file.h"
#include "results/detect_generations.h"
#include "runners/command.h"
#include "runners/commands/commands.h"
#include "runners/common_flags.h"

ABSL_FLAG(std::string, group_by, "", "detect: comma-separated input fields to group the summary by (e.g. model,task).");
ABSL_FLAG(bool, assume_capped, false,
          "detect: count lines without a finish_reason as capped (they ran out of token budget).");
ABSL_FLAG(bool, skip_invalid, false, "detect: skip malformed input lines with a counted warning instead of failing.");
ABSL_FLAG(std::string, detector_config, "",
          "detect: DetectorConfig overrides in protobuf text format (e.g. tail { k_min: 4 }); unset fields keep "
          "the DETECTORS.md defaults.");
ABSL_FLAG(int64_t, max_line_bytes, int64_t{1} << 30,
          "detect: the longest input line accepted, in bytes (longer lines are an error naming the line).");

namespace doomscope {
namespace {

int Fail(int code, const absl::Status& st) {
  std::fprintf(stderr, "doomscope detect: %s\n", std::string(st.message()).c_str());
  return code;
}

int RunDetect(const std::vector<std::string>& args) {
  results::DetectOptions options;
  options.input = absl::GetFlag(FLAGS_input);
  if (options.input.empty() && args.size() == 1) options.input = args[0];
  if (options.input.empty() || args.size() > 1 || (!args.empty() && !absl::GetFlag(FLAGS_input).empty())) {
    return Fail(kExitBadInput, absl::InvalidArgumentError(
                                   "usage: doomscope detect --input GEN.jsonl [--output FINDINGS.jsonl] "
                                   "[--group_by model,task] [--json] (see --help)"));
  }
  options.output = absl::GetFlag(FLAGS_output);
  for (absl::string_view k : absl::StrSplit(absl::GetFlag(FLAGS_group_by), ',', absl::SkipWhitespace())) {
    options.group_by.push_back(std::string(absl::StripAsciiWhitespace(k)));
  }
  absl::StatusOr<ResolvedConfig> config = LoadDetectorConfig(absl::GetFlag(FLAGS_detector_config));
  if (!config.ok()) return Fail(kExitBadInput, config.status());
  options.config = *config;
  options.assume_capped = absl::GetFlag(FLAGS_assume_capped);
  options.skip_invalid = absl::GetFlag(FLAGS_skip_invalid);
  options.threads = absl::GetFlag(FLAGS_threads) > 0 ? absl::GetFlag(FLAGS_threads) : omp_get_num_procs();
  options.max_line_bytes = absl::GetFlag(FLAGS_max_line_bytes);
  if (options.max_line_bytes <= 0) {
    return Fail(kExitBadInput, absl::InvalidArgumentError("--max_line_bytes must be positive"));
  }

  absl::StatusOr<results::DetectSummary> summary = results::DetectGenerations(options);
  if (!summary.ok()) {
    // Bad input or an unwritable output: nothing is written either way.
    return Fail(results::IsIoFailure(summary.status()) ? kExitFailure : kExitBadInput, summary.status());
  }
  if (summary->skipped > 0) {
    std::fprintf(stderr, "doomscope detect: warning: skipped %lld invalid line%s; first: %s\n",
                 static_cast<long long>(summary->skipped), summary->skipped == 1 ? "" : "s",
                 summary->first_skipped.c_str());
  }
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", json::Serialize(results::DetectSummaryJson(options, *summary)).c_str());
  } else {
    std::fputs(results::DetectTable(options.group_by, *summary).c_str(), stdout);
  }
  return kExitOk;
}

}  // namespace

Command DetectCommand() {
  return Command{
      "detect",
      "Run the doom-loop detectors on stored generations (JSONL) and summarise the doom-loop ratio",
      "doomscope detect --input GEN.jsonl [--output FINDINGS.jsonl] [--group_by model,task] [--json] "
      "[--assume_capped] [--skip_invalid] [--detector_config FILE.textproto] [--threads N] [--max_line_bytes N]",
      {"input", "output", "group_by", "json", "assume_capped", "skip_invalid", "detector_config", "threads",
       "max_line_bytes"},
      RunDetect};
}

}  // namespace doomscope
