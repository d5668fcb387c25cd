// `doomscope export DIR --jsonl FILE`: every stored sample as one JSON object
// per line, for pandas and other tools.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "results/json/json.h"
#include "results/json/jsonl.h"
#include "results/run_dir.h"
#include "results/stage_report.h"
#include "runners/commands/commands.h"

ABSL_FLAG(std::string, jsonl, "", "Write one JSON object per sample to this file.");

namespace doomscope {
namespace {

int Fail(const std::string& message, int code) {
  std::fprintf(stderr, "doomscope export: %s\n", message.c_str());
  return code;
}

const char* FinishName(FinishReason r) {
  switch (r) {
    case EOS: return "eos";
    case STOP: return "stop";
    case LENGTH: return "length";
    case LOOP: return "loop";
    case ERROR: return "error";
    default: return "unspecified";
  }
}

absl::StatusOr<json::Value> MessageToValue(const google::protobuf::Message& m) {
  std::string text;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (auto s = google::protobuf::util::MessageToJsonString(m, &text, options); !s.ok()) {
    return absl::InternalError(std::string(s.message()));
  }
  return json::Parse(text);
}

absl::StatusOr<json::Value> SampleToJson(const SampleRecord& r) {
  json::Value o;
  o.Set("sample_id", r.sample_id());
  o.Set("checkpoint", r.checkpoint());
  o.Set("stage", results::StageName(r.stage()));
  o.Set("task", r.task());
  o.Set("sampling", r.sampling());
  o.Set("item_id", r.item_id());
  o.Set("rollout", r.rollout());
  o.Set("finish_reason", FinishName(r.finish_reason()));
  o.Set("doom_loop", r.findings().verdict().doom_loop());
  o.Set("kind", LoopKind_Name(r.findings().verdict().kind()));
  o.Set("text", r.text());
  json::Array tokens;
  tokens.reserve(static_cast<size_t>(r.tokens_size()));
  for (int32_t t : r.tokens()) tokens.emplace_back(t);
  o.Set("tokens", json::Value(std::move(tokens)));
  o.Set("max_new_tokens", r.max_new_tokens());
  absl::StatusOr<json::Value> findings = MessageToValue(r.findings());
  if (!findings.ok()) return findings.status();
  o.Set("findings", *std::move(findings));
  if (r.has_score()) {
    absl::StatusOr<json::Value> score = MessageToValue(r.score());
    if (!score.ok()) return score.status();
    o.Set("score", *std::move(score));
  } else {
    o.Set("score", nullptr);
  }
  return o;
}

int RunExport(const std::vector<std::string>& args) {
  if (args.size() != 1) return Fail("give exactly one run folder (doomscope export DIR --jsonl FILE)", kExitBadInput);
  const std::string out = absl::GetFlag(FLAGS_jsonl);
  if (out.empty()) return Fail("--jsonl FILE is required", kExitBadInput);
  absl::StatusOr<results::RunContents> run = results::LoadRunDir(args[0]);
  if (!run.ok()) return Fail(std::string(run.status().message()), kExitBadInput);
  for (const std::string& w : run->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  json::AtomicFileWriter writer(out);
  if (absl::Status s = writer.Open(); !s.ok()) return Fail(std::string(s.message()), kExitFailure);
  for (const SampleRecord& r : run->records) {
    absl::StatusOr<json::Value> v = SampleToJson(r);
    if (!v.ok()) return Fail(absl::StrCat(r.sample_id(), ": ", v.status().message()), kExitFailure);
    if (absl::Status s = writer.WriteLine(*v); !s.ok()) return Fail(std::string(s.message()), kExitFailure);
  }
  if (absl::Status s = writer.Commit(); !s.ok()) return Fail(std::string(s.message()), kExitFailure);
  std::printf("wrote %zu samples to %s\n", run->records.size(), out.c_str());
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
