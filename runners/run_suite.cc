#include "runners/run_suite.h"

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "benchmarks/tasks/task.h"
#include "detectors/analyze.h"
#include "detectors/config_defaults.h"
#include "detectors/detector_version.h"
#include "results/record_file.h"
#include "results/report_json.h"
#include "results/report_markdown.h"
#include "results/run_dir.h"
#include "results/stage_report.h"
#include "runners/command.h"
#include "runners/engine_backend.h"
#include "runners/jury_pass.h"
#include "runners/replay_backend.h"
#include "runners/sample_scorer.h"
#include "results/hash/sha256.h"
#include "results/utf8/utf8.h"  // proto3 strings must be valid UTF-8; token ids keep the exact output
#include "runners/suite_config.h"

namespace doomscope {
namespace fs = std::filesystem;
namespace {

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int64_t UnixMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

absl::Status HashInto(const std::string& path, RunManifest* manifest) {
  std::error_code ec;
  std::vector<std::string> files;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      if (entry.is_regular_file()) files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(path);
  }
  for (const std::string& file : files) {
    bool seen = false;
    for (const FileHash& h : manifest->files()) seen |= h.path() == file;
    if (seen) continue;
    absl::StatusOr<std::string> sha = Sha256File(file);
    if (!sha.ok()) return sha.status();
    FileHash* h = manifest->add_files();
    h->set_path(file);
    h->set_sha256(*sha);
    h->set_size(static_cast<int64_t>(fs::file_size(file, ec)));
  }
  return absl::OkStatus();
}

// The hashes of one checkpoint's files in a manifest, keyed by path (a folder
// checkpoint contributes every file under it).
std::map<std::string, std::string> CheckpointFiles(const RunManifest& m, const CheckpointConfig& c) {
  std::map<std::string, std::string> out;
  for (const FileHash& h : m.files()) {
    bool mine = h.path() == c.path() || h.path() == c.tokenizer() ||
                (!c.path().empty() && h.path().rfind(c.path() + "/", 0) == 0);
    if (mine) out[h.path()] = h.sha256();
  }
  return out;
}

std::string FirstCheckpointHash(const RunManifest& m, const CheckpointConfig& c) {
  for (const FileHash& h : m.files()) {
    if (h.path() == c.path() || (!c.path().empty() && h.path().rfind(c.path() + "/", 0) == 0)) return h.sha256();
  }
  return "";
}

}  // namespace

absl::StatusOr<RunManifest> BuildManifest(const SuiteConfig& suite, const std::string& suite_path) {
  RunManifest m;
  *m.mutable_suite() = suite;
  *m.mutable_suite()->mutable_detector() = FilledDetectorConfig(suite.detector());
  m.set_suite_path(suite_path);
  for (const CheckpointConfig& c : suite.checkpoint()) {
    if (!c.path().empty() && !suite.backend().has_replay()) {
      if (absl::Status s = HashInto(c.path(), &m); !s.ok()) return s;
    }
    if (!c.tokenizer().empty()) {
      if (absl::Status s = HashInto(c.tokenizer(), &m); !s.ok()) return s;
    }
  }
  if (suite.backend().has_replay()) {
    if (absl::Status s = HashInto(suite.backend().replay().path(), &m); !s.ok()) return s;
  }
  m.set_engine_version(suite.backend().has_replay() ? "replay" : EngineVersion());
  m.set_doomscope_version(std::string(DoomscopeVersion()));
  m.set_detector_version(kDetectorVersion);
  m.set_created_unix_ms(UnixMillis());
  return m;
}

std::vector<std::string> ChangedCheckpoints(const RunManifest& previous, const RunManifest& current) {
  std::vector<std::string> changed;
  for (const CheckpointConfig& now : current.suite().checkpoint()) {
    const CheckpointConfig* before = nullptr;
    for (const CheckpointConfig& c : previous.suite().checkpoint()) {
      if (c.name() == now.name()) before = &c;
    }
    if (before == nullptr) continue;  // new checkpoint: nothing stored under its name... unless
                                      // records exist from an older manifest; treated as changed below
    if (CheckpointFiles(previous, *before) != CheckpointFiles(current, now) || before->stage() != now.stage()) {
      changed.push_back(now.name());
    }
  }
  return changed;
}

absl::StatusOr<std::unique_ptr<Backend>> MakeSuiteBackend(const SuiteConfig& suite, int threads) {
  if (suite.backend().has_replay()) {
    absl::StatusOr<std::unique_ptr<StoredGenerationsBackend>> replay = StoredGenerationsBackend::Open(suite.backend().replay().path());
    if (!replay.ok()) return replay.status();
    return std::unique_ptr<Backend>(std::move(*replay));
  }
  return std::unique_ptr<Backend>(
      std::make_unique<BundledEngineBackend>(suite.backend().engine().max_batch(), threads, suite.detector()));
}

absl::StatusOr<RunOutcome> RunSuite(const RunOptions& options) {
  const double start = NowSeconds();
  absl::StatusOr<SuiteConfig> loaded = LoadSuiteConfig(options.suite_path);
  if (!loaded.ok()) return loaded.status();
  const SuiteConfig& suite = *loaded;
  RunOutcome outcome;
  outcome.out_dir = options.out_dir.empty() ? absl::StrCat("runs/", suite.name()) : options.out_dir;
  const std::string& dir = outcome.out_dir;

  // Items of every task.
  std::vector<std::vector<tasks::TaskItem>> items(suite.task_size());
  std::vector<std::vector<std::string>> item_ids(suite.task_size());
  for (int t = 0; t < suite.task_size(); ++t) {
    absl::StatusOr<std::vector<tasks::TaskItem>> loaded_items = tasks::LoadTaskItems(suite.task(t), "");
    if (!loaded_items.ok()) {
      return absl::Status(loaded_items.status().code(), absl::StrCat("task \"", suite.task(t).name(), "\": ",
                                                                     std::string(loaded_items.status().message())));
    }
    items[t] = std::move(*loaded_items);
    for (const tasks::TaskItem& item : items[t]) item_ids[t].push_back(item.id);
  }
  absl::StatusOr<std::vector<PlannedSample>> plan = BuildPlan(suite, item_ids, options.shard);
  if (!plan.ok()) return plan.status();
  outcome.planned = static_cast<int64_t>(plan->size());

  // Manifest, and records of checkpoints whose files changed set aside.
  absl::StatusOr<RunManifest> manifest = BuildManifest(suite, options.suite_path);
  if (!manifest.ok()) return manifest.status();
  absl::StatusOr<RunManifest> previous = results::ReadManifest(dir);
  if (previous.ok()) {
    std::vector<std::string> changed = ChangedCheckpoints(*previous, *manifest);
    if (!changed.empty()) {
      absl::StatusOr<int64_t> moved = results::SetAsideCheckpoints(dir, changed);
      if (!moved.ok()) return moved.status();
      outcome.set_aside = *moved;
      if (options.progress_out != nullptr) {
        std::fprintf(options.progress_out,
                     "checkpoint files changed since the last run into %s: %s; their %lld stored samples were "
                     "moved to %s/stale/ and will be generated again\n",
                     dir.c_str(), absl::StrJoin(changed, ", ").c_str(), static_cast<long long>(*moved),
                     dir.c_str());
      }
    }
  } else if (previous.status().code() != absl::StatusCode::kNotFound) {
    return previous.status();
  }
  if (absl::Status s = results::WriteManifest(dir, *manifest); !s.ok()) return s;

  // What is stored already (every shard's file).
  absl::flat_hash_set<std::string> stored;
  std::vector<CheckpointTally> tallies;
  absl::flat_hash_map<std::string, int> checkpoint_index;
  for (int c = 0; c < suite.checkpoint_size(); ++c) {
    tallies.push_back({suite.checkpoint(c).name(), 0, 0});
    checkpoint_index[suite.checkpoint(c).name()] = c;
  }
  {
    absl::StatusOr<results::RunContents> contents = results::LoadRunDir(dir);
    if (!contents.ok()) return contents.status();
    absl::flat_hash_set<std::string> planned_ids;
    for (const PlannedSample& p : *plan) planned_ids.insert(p.sample_id);
    for (const SampleRecord& r : contents->records) {
      if (!planned_ids.contains(r.sample_id())) continue;
      stored.insert(r.sample_id());
      auto it = checkpoint_index.find(r.checkpoint());
      if (it != checkpoint_index.end()) {
        ++tallies[it->second].done;
        if (r.findings().verdict().doom_loop()) ++tallies[it->second].doom_loops;
      }
    }
  }
  std::vector<const PlannedSample*> pending;
  for (const PlannedSample& p : *plan) {
    if (!stored.contains(p.sample_id)) pending.push_back(&p);
  }
  outcome.skipped = outcome.planned - static_cast<int64_t>(pending.size());

  absl::StatusOr<std::unique_ptr<results::RecordWriter>> writer =
      results::RecordWriter::OpenForAppend(results::ShardRecordPath(dir, options.shard.index, options.shard.count));
  if (!writer.ok()) return writer.status();

  int threads = options.threads > 0 ? options.threads : suite.threads();
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::unique_ptr<Backend> backend;
  if (!pending.empty()) {
    absl::StatusOr<std::unique_ptr<Backend>> made =
        options.make_backend ? options.make_backend(suite, threads) : MakeSuiteBackend(suite, threads);
    if (!made.ok()) return made.status();
    backend = std::move(*made);
  }
  if (options.progress_out != nullptr && outcome.skipped > 0) {
    std::fprintf(options.progress_out, "resuming %s: %lld of %lld planned samples already stored\n", dir.c_str(),
                 static_cast<long long>(outcome.skipped), static_cast<long long>(outcome.planned));
  }
  Progress progress(options.progress_out, options.progress_interactive, static_cast<int64_t>(pending.size()),
                    tallies);
  const ResolvedConfig detector_config = ResolveConfig(suite.detector());

  std::mutex mu;  // guards the writer and counters: backends may report from worker threads
  absl::Status write_error;
  int64_t unflushed = 0;
  double last_flush = NowSeconds();
  std::vector<std::string> failures;

  for (int c = 0; c < suite.checkpoint_size(); ++c) {
    std::vector<const PlannedSample*> mine;
    for (const PlannedSample* p : pending) {
      if (p->checkpoint == c) mine.push_back(p);
    }
    if (mine.empty()) continue;
    const CheckpointConfig& checkpoint = suite.checkpoint(c);
    if (absl::Status s = backend->LoadCheckpoint(checkpoint); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("checkpoint \"", checkpoint.name(), "\": ",
                                                 std::string(s.message())));
    }
    const std::string checkpoint_sha = FirstCheckpointHash(*manifest, checkpoint);
    std::vector<BackendRequest> requests;
    requests.reserve(mine.size());
    for (size_t i = 0; i < mine.size(); ++i) {
      const PlannedSample& p = *mine[i];
      const tasks::TaskItem& item = items[p.task][p.item];
      BackendRequest r;
      r.index = i;
      r.checkpoint = checkpoint.name();
      r.task = suite.task(p.task).name();
      r.sampling = suite.sampling(p.sampling).name();
      r.item_id = item.id;
      r.rollout = p.rollout;
      r.prompt = item.prompt;
      r.prompt_tokens = item.prompt_tokens;
      r.sampling_config = suite.sampling(p.sampling);
      r.seed = p.seed;
      r.early_stop = suite.early_stop() && !suite.task(p.task).expected_repetition();
      requests.push_back(std::move(r));
    }
    auto on_done = [&](BackendResult result) {
      const PlannedSample& p = *mine[result.index];
      const tasks::TaskItem& item = items[p.task][p.item];
      if (!result.status.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        failures.push_back(absl::StrCat("sample ", p.sample_id, " (checkpoint \"", checkpoint.name(), "\" item \"",
                                        item.id, "\"): ", std::string(result.status.message())));
        return;
      }
      SampleText sample;
      sample.text = result.text;
      if (result.tokens.has_value()) sample.tokens = std::span<const int32_t>(*result.tokens);
      sample.finish_reason = result.finish_reason;
      sample.max_new_tokens = result.max_new_tokens;
      sample.effective_max_tokens = result.effective_max_tokens;
      sample.detected_at = result.detected_at;
      Backend* b = backend.get();
      sample.detokenize = [b](std::span<const int32_t> ids) {
        return ToValidUtf8(b->Detokenize(std::vector<int32_t>(ids.begin(), ids.end())));
      };
      SampleRecord record;
      *record.mutable_findings() = AnalyzeSample(sample, detector_config);
      record.set_sample_id(p.sample_id);
      record.set_checkpoint(checkpoint.name());
      record.set_stage(checkpoint.stage());
      record.set_task(suite.task(p.task).name());
      record.set_sampling(suite.sampling(p.sampling).name());
      record.set_item_id(item.id);
      record.set_rollout(p.rollout);
      record.set_prompt(ToValidUtf8(item.prompt.empty() && !result.prompt_tokens.empty()
                                      ? backend->Detokenize(result.prompt_tokens)
                                      : item.prompt));
      for (int32_t t : result.prompt_tokens) record.add_prompt_tokens(t);
      record.set_text(ToValidUtf8(result.text));
      if (result.tokens.has_value()) {
        for (int32_t t : *result.tokens) record.add_tokens(t);
      }
      record.set_finish_reason(result.finish_reason);
      record.set_max_new_tokens(static_cast<int32_t>(result.max_new_tokens));
      record.set_prefill_ms(result.prefill_ms);
      record.set_decode_ms(result.decode_ms);
      *record.mutable_score() = ScoreForRecord(suite.task(p.task), item, record.text(),
                                               record.findings().verdict().doom_loop());
      record.set_created_unix_ms(UnixMillis());
      record.set_checkpoint_sha256(checkpoint_sha);
      std::lock_guard<std::mutex> lock(mu);
      if (!write_error.ok()) return;
      write_error = (*writer)->Append(record);
      if (!write_error.ok()) return;
      ++outcome.generated;
      ++unflushed;
      double now = NowSeconds();
      if (unflushed >= options.flush_every || now - last_flush >= options.flush_seconds) {
        write_error = (*writer)->Flush();
        unflushed = 0;
        last_flush = now;
      }
      progress.Add(c, record.findings().verdict().doom_loop());
    };
    absl::Status generated = backend->Generate(std::move(requests), on_done);
    if (!write_error.ok()) return write_error;
    if (!generated.ok()) {
      (void)(*writer)->Flush();
      return absl::Status(generated.code(), absl::StrCat("checkpoint \"", checkpoint.name(), "\": ",
                                                         std::string(generated.message())));
    }
  }
  if (absl::Status s = (*writer)->Flush(); !s.ok()) return s;
  writer->reset();
  if (!pending.empty()) progress.Finish();
  outcome.failed = static_cast<int64_t>(failures.size());
  if (options.progress_out != nullptr) {
    for (const std::string& f : failures) std::fprintf(options.progress_out, "failed: %s\n", f.c_str());
  }

  // The stage report over every record in DIR (all shards), as DIR/summary.json and the printed table.
  absl::StatusOr<results::RunContents> contents = results::LoadRunDir(dir);
  if (!contents.ok()) return contents.status();
  results::StageReport report = results::BuildStageReport(contents->records);
  if (absl::Status s = results::WriteSummary(dir, report); !s.ok()) return s;
  outcome.table = results::StageReportToText(report);
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
