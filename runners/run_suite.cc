#include "runners/run_suite.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "benchmarks/load_items.h"
#include "benchmarks/registry.h"
#include "detectors/config_defaults.h"
#include "results/record_file.h"
#include "results/report_json.h"
#include "results/report_markdown.h"
#include "results/run_dir.h"
#include "results/sample_errors.h"
#include "results/stage_report.h"
#include "runners/backend_factory.h"
#include "runners/jury_pass.h"
#include "runners/record_sink.h"
#include "runners/run_folder.h"
#include "runners/run_manifest.h"
#include "runners/sample_error.h"
#include "runners/sample_record.h"
#include "runners/stored_samples.h"
#include "runners/suite_config.h"
#include "runners/clock.h"

namespace doomscope {
namespace {

// Pending samples handed to the backend per Generate call: enough for
// continuous batching to keep every slot busy, few enough that a suite of
// millions of samples is never held in memory at once.
constexpr size_t kRequestsPerCall = 4096;

// The items of every task, their ids (what the plan is made of) and the
// benchmark each task belongs to.
struct SuiteTasks {
  std::vector<std::vector<benchmarks::TaskItem>> items;
  std::vector<std::vector<std::string>> item_ids;
  std::vector<const benchmarks::Benchmark*> benchmarks;
};

absl::StatusOr<SuiteTasks> LoadSuiteTasks(const SuiteConfig& suite) {
  SuiteTasks tasks;
  for (const TaskConfig& task : suite.task()) {
    absl::StatusOr<std::vector<benchmarks::TaskItem>> items = benchmarks::LoadTaskItems(task, "");
    if (!items.ok()) {
      return absl::Status(items.status().code(),
                          absl::StrCat("task \"", task.name(), "\": ", std::string(items.status().message())));
    }
    std::vector<std::string> ids;
    for (const benchmarks::TaskItem& item : *items) ids.push_back(item.id);
    tasks.items.push_back(std::move(*items));
    tasks.item_ids.push_back(std::move(ids));
    tasks.benchmarks.push_back(*benchmarks::FindBenchmark(task.kind()));
  }
  return tasks;
}

int ResolveThreads(const RunOptions& options, const SuiteConfig& suite) {
  const int threads = options.threads > 0 ? options.threads : suite.threads();
  return threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// Samples of this shard's plan (all checkpoints).
int64_t CountPlanned(const SuiteConfig& suite, const SuiteTasks& tasks, const Shard& shard) {
  int64_t n = 0;
  ForEachPlannedSample(suite, tasks.item_ids, shard, -1, [&](PlannedSample) {
    ++n;
    return true;
  });
  return n;
}

// Whether checkpoint `c` has a planned sample not stored yet (loading it is
// skipped otherwise).
bool HasPending(const SuiteConfig& suite, const SuiteTasks& tasks, const Shard& shard, const StoredSamples& stored,
                int c) {
  bool pending = false;
  ForEachPlannedSample(suite, tasks.item_ids, shard, c, [&](PlannedSample p) {
    pending = !stored.ids.contains(p.sample_id);
    return !pending;
  });
  return pending;
}

BackendRequest MakeRequest(const SuiteConfig& suite, const SuiteTasks& tasks, const CheckpointConfig& checkpoint,
                           const PlannedSample& p, size_t index,
                           const std::shared_ptr<const ResolvedConfig>& thresholds) {
  const TaskConfig& task = suite.task(p.task);
  const benchmarks::TaskItem& item = tasks.items[p.task][p.item];
  benchmarks::GenerationInput input = tasks.benchmarks[p.task]->BuildRequest(task, item);
  BackendRequest r;
  r.index = index;
  r.checkpoint = checkpoint.name();
  r.task = task.name();
  r.sampling = suite.sampling(p.sampling).name();
  r.item_id = item.id;
  r.rollout = p.rollout;
  r.format = task.prompt_format();
  r.prompt = std::move(input.prompt);
  r.prompt_tokens = std::move(input.prompt_tokens);
  r.chat = std::move(input.chat);
  if (suite.has_enable_thinking()) r.enable_thinking = suite.enable_thinking();
  r.sampling_config = suite.sampling(p.sampling);
  r.seed = p.seed;
  r.loop_stop.early_stop = p.early_stop && !p.shadow;
  r.loop_stop.shadow = p.shadow;
  r.loop_stop.thresholds = thresholds;
  return r;
}

// Everything one checkpoint's generation needs.
struct CheckpointRun {
  const SuiteConfig& suite;
  const SuiteTasks& tasks;
  const Shard& shard;
  const StoredSamples& stored;
  const RecordContext& context;
  int checkpoint = 0;
};

// Generates `chunk` and stores its records; returns once all are stored.
absl::Status GenerateChunk(const CheckpointRun& run, const std::vector<PlannedSample>& chunk, Backend& backend,
                           RecordSink& sink) {
  const auto thresholds = std::make_shared<const ResolvedConfig>(*run.context.detector);
  std::vector<BackendRequest> requests;
  requests.reserve(chunk.size());
  for (size_t i = 0; i < chunk.size(); ++i) {
    requests.push_back(MakeRequest(run.suite, run.tasks, *run.context.checkpoint, chunk[i], i, thresholds));
  }
  sink.Begin(run.checkpoint, [&](BackendResult result) -> RecordSink::Built {
    const PlannedSample& p = chunk[result.index];
    const benchmarks::TaskItem& item = run.tasks.items[p.task][p.item];
    if (!result.status.ok()) return BuildSampleError(run.context, p, item, result);
    return BuildSampleRecord(run.context, p, item, result);
  });
  // The backend's callback only queues: detection, scoring and the fsync'd
  // append happen on the sink's threads, never on the decode thread.
  const absl::Status generated =
      backend.Generate(std::move(requests), [&sink](BackendResult result) { sink.Submit(std::move(result)); });
  if (absl::Status stored = sink.Drain(); !stored.ok()) return stored;
  if (!generated.ok()) {
    return absl::Status(generated.code(), absl::StrCat("checkpoint \"", run.context.checkpoint->name(), "\": ",
                                                       std::string(generated.message())));
  }
  return absl::OkStatus();
}

// The pending samples of one checkpoint, planned lazily and generated in
// calls of at most kRequestsPerCall.
absl::Status GenerateCheckpoint(const CheckpointRun& run, Backend& backend, RecordSink& sink) {
  std::vector<PlannedSample> chunk;
  absl::Status status;
  auto flush = [&] {
    if (chunk.empty() || !status.ok()) return;
    status = GenerateChunk(run, chunk, backend, sink);
    chunk.clear();
  };
  ForEachPlannedSample(run.suite, run.tasks.item_ids, run.shard, run.checkpoint, [&](PlannedSample p) {
    if (run.stored.ids.contains(p.sample_id)) return true;
    chunk.push_back(std::move(p));
    if (chunk.size() >= kRequestsPerCall) flush();
    return status.ok();
  });
  flush();
  return status;
}

// DIR/summary.json and the printed table, over every record in DIR (all
// shards), with the samples still errored beside them.
absl::StatusOr<std::string> Summarize(const std::string& dir) {
  absl::StatusOr<results::RunContents> contents = results::LoadRunDir(dir);
  if (!contents.ok()) return contents.status();
  absl::StatusOr<results::StoredErrors> errors = results::LoadSampleErrors(dir, contents->records);
  if (!errors.ok()) return errors.status();
  results::StageReport report = results::BuildStageReport(contents->records);
  report.errors = results::TallyErrors(errors->errors);
  if (absl::Status s = results::WriteSummary(dir, report); !s.ok()) return s;
  return results::StageReportToText(report);
}

}  // namespace

absl::StatusOr<RunOutcome> RunSuite(const RunOptions& options) {
  const double start = NowSeconds();
  absl::StatusOr<SuiteConfig> loaded = LoadSuiteConfig(options.suite_path);
  if (!loaded.ok()) return loaded.status();
  const SuiteConfig& suite = *loaded;
  RunOutcome outcome;
  outcome.out_dir = options.out_dir.empty() ? absl::StrCat("runs/", suite.name()) : options.out_dir;
  const std::string& dir = outcome.out_dir;

  // Everything that can refuse the suite, before the folder is touched.
  const int threads = ResolveThreads(options, suite);
  absl::StatusOr<std::unique_ptr<Backend>> made =
      options.make_backend ? options.make_backend(suite, threads) : MakeSuiteBackend(suite, threads);
  if (!made.ok()) return made.status();
  std::unique_ptr<Backend> backend = std::move(*made);
  if (absl::Status s = backend->CheckSuite(suite); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat(options.suite_path, ": ", std::string(s.message())));
  }
  absl::StatusOr<SuiteTasks> tasks = LoadSuiteTasks(suite);
  if (!tasks.ok()) return tasks.status();
  if (absl::StatusOr<int64_t> n = CheckPlan(suite, tasks->item_ids); !n.ok()) return n.status();
  absl::StatusOr<RunManifest> manifest = BuildManifest(suite, options.suite_path, *backend);
  if (!manifest.ok()) return manifest.status();

  // The folder, under its lock: nothing of another live run is rewritten.
  absl::StatusOr<results::RunDirLock> lock = results::RunDirLock::Acquire(dir);
  if (!lock.ok()) return lock.status();
  absl::StatusOr<int64_t> set_aside = PrepareRunFolder(dir, *lock, *manifest, options.shard, options.progress_out);
  if (!set_aside.ok()) return set_aside.status();
  outcome.set_aside = *set_aside;
  absl::StatusOr<StoredSamples> stored = ScanStoredSamples(dir, suite, tasks->item_ids, options.shard);
  if (!stored.ok()) return stored.status();
  absl::StatusOr<std::unique_ptr<results::RecordWriter>> writer =
      results::RecordWriter::OpenForAppend(results::ShardRecordPath(dir, options.shard.index, options.shard.count));
  if (!writer.ok()) return writer.status();
  lock->EndSetup();

  outcome.planned = CountPlanned(suite, *tasks, options.shard);
  outcome.skipped = static_cast<int64_t>(stored->ids.size());
  const int64_t pending = outcome.planned - outcome.skipped;
  if (options.progress_out != nullptr && outcome.skipped > 0) {
    std::fprintf(options.progress_out, "resuming %s: %lld of %lld planned samples already stored\n", dir.c_str(),
                 static_cast<long long>(outcome.skipped), static_cast<long long>(outcome.planned));
  }
  Progress progress(options.progress_out, options.progress_interactive, pending, stored->tallies);
  const ResolvedConfig detector = ResolveConfig(suite.detector());
  RecordSink::Options sink_options;
  sink_options.workers = options.bookkeeping_threads > 0
                             ? options.bookkeeping_threads
                             : std::clamp(static_cast<int>(std::thread::hardware_concurrency()) / 4, 1, 4);
  sink_options.flush_every = options.flush_every;
  sink_options.flush_seconds = options.flush_seconds;
  sink_options.errors_path = results::ShardErrorPath(dir, options.shard.index, options.shard.count);
  RecordSink sink(writer->get(), &progress, sink_options);

  for (int c = 0; c < suite.checkpoint_size() && pending > 0; ++c) {
    if (!HasPending(suite, *tasks, options.shard, *stored, c)) continue;
    const CheckpointConfig& checkpoint = suite.checkpoint(c);
    if (absl::Status s = backend->LoadCheckpoint(checkpoint); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("checkpoint \"", checkpoint.name(), "\": ", std::string(s.message())));
    }
    const RecordContext context{&suite, &checkpoint, CheckpointSha256(*manifest, checkpoint), &detector,
                                backend.get()};
    const CheckpointRun run{suite, *tasks, options.shard, *stored, context, c};
    if (absl::Status s = GenerateCheckpoint(run, *backend, sink); !s.ok()) {
      (void)(*writer)->Flush();
      return s;
    }
  }
  if (absl::Status s = (*writer)->Flush(); !s.ok()) return s;
  writer->reset();
  if (pending > 0) progress.Finish();
  outcome.generated = sink.stored();
  const std::vector<std::string> failures = sink.failures();
  outcome.failed = static_cast<int64_t>(failures.size());
  if (options.progress_out != nullptr) {
    for (const std::string& f : failures) std::fprintf(options.progress_out, "failed: %s\n", f.c_str());
  }
  if (outcome.generated == 0 && !failures.empty()) {
    outcome.all_failed = absl::StrCat(
        "every one of the ", failures.size(), " samples this run tried failed and none was stored (backend ",
        backend->Describe(), "); the first: ", failures.front(), ". Their error records are in ",
        results::ErrorsDir(dir), "; run the same command again to retry them once the backend answers");
  }
  absl::StatusOr<std::string> table = Summarize(dir);
  if (!table.ok()) return table.status();
  outcome.table = *std::move(table);
  if (suite.has_jury()) {  // the jury pass over this shard's samples (runners/jury_pass.h)
    JuryPassOptions jury;
    jury.dir = dir;
    jury.jury = suite.jury();
    jury.jury_path = options.suite_path;
    jury.shard = options.shard;
    jury.threads = threads;
    jury.progress_out = options.progress_out;
    absl::StatusOr<JuryPassOutcome> judged = RunJuryPass(jury);
    if (!judged.ok()) return absl::Status(judged.status().code(), absl::StrCat("jury: ", judged.status().message()));
    outcome.table += JuryReportToText(judged->report);
  }
  outcome.wall_s = NowSeconds() - start;
  return outcome;
}

}  // namespace doomscope
