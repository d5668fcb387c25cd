#include "runners/jury_pass.h"

#include <atomic>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "eval/jury/jury_view.h"
#include "results/json/jsonl.h"
#include "results/jury_coverage.h"
#include "results/jury_store.h"
#include "results/record_file.h"
#include "results/run_dir.h"
#include "runners/clock.h"

namespace doomscope {
namespace {

// Appends votes from the judges' worker threads and keeps them durable.
class VoteSink {
 public:
  VoteSink(results::RecordWriter* writer, const JuryPassOptions& options) : writer_(writer), options_(options) {}

  // False once the pass must stop (a write error, or the test stop point).
  bool Add(const JudgeVote& vote) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!status_.ok() || stopped_) return false;
    status_ = writer_->AppendMessage(vote);
    if (!status_.ok()) return false;
    ++written_;
    ++unflushed_;
    const double now = NowSeconds();
    if (unflushed_ >= options_.flush_every || now - last_flush_ >= options_.flush_seconds) {
      status_ = writer_->Flush();
      unflushed_ = 0;
      last_flush_ = now;
    }
    if (options_.stop_after_votes > 0 && written_ >= options_.stop_after_votes) stopped_ = true;
    return status_.ok() && !stopped_;
  }
  bool stopped() {
    std::lock_guard<std::mutex> lock(mu_);
    return stopped_ || !status_.ok();
  }
  absl::Status Finish() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!status_.ok()) return status_;
    return writer_->Flush();
  }

 private:
  results::RecordWriter* writer_;
  const JuryPassOptions& options_;
  std::mutex mu_;
  absl::Status status_;
  bool stopped_ = false;
  int64_t written_ = 0;
  int64_t unflushed_ = 0;
  double last_flush_ = NowSeconds();
};

// Asks `judge` about every sample in `pending`, with its concurrency.
void AskJudge(jury::Judge& judge, const JudgeIdentity& id, const std::vector<const SampleRecord*>& pending,
              VoteSink& sink, JudgeTally* tally) {
  std::atomic<size_t> next{0};
  std::mutex tally_mu;
  auto worker = [&] {
    for (;;) {
      if (sink.stopped()) return;
      const size_t i = next.fetch_add(1);
      if (i >= pending.size()) return;
      const double start = NowSeconds();
      const jury::Verdict verdict = judge.Score(*pending[i]);
      JudgeVote vote;
      vote.set_sample_id(pending[i]->sample_id());
      vote.set_judge(id.name());
      vote.set_fingerprint(id.fingerprint());
      vote.set_abstained(verdict.abstained);
      vote.set_score(verdict.abstained ? 0 : verdict.score);
      vote.set_raw(verdict.raw);
      vote.set_reason(verdict.reason);
      vote.set_retryable(verdict.abstained && verdict.retryable);
      vote.set_attempts(verdict.attempts);
      vote.set_latency_ms((NowSeconds() - start) * 1000);
      vote.set_created_unix_ms(UnixMillis());
      if (!sink.Add(vote)) return;
      std::lock_guard<std::mutex> lock(tally_mu);
      ++tally->asked;
      tally->abstained += verdict.abstained ? 1 : 0;
      tally->retryable += verdict.abstained && verdict.retryable ? 1 : 0;
    }
  };
  const int n = std::max(1, std::min<int>(judge.concurrency(), static_cast<int>(pending.size())));
  std::vector<std::thread> threads;
  for (int t = 1; t < n; ++t) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
}

}  // namespace

absl::StatusOr<JuryPassOutcome> RunJuryPass(const JuryPassOptions& options) {
  absl::StatusOr<std::vector<JudgeIdentity>> identities = JudgeIdentities(options.jury);
  if (!identities.ok()) return identities.status();
  absl::StatusOr<results::RunContents> run = results::LoadRunDir(options.dir, results::ReadMode::kSalvage);
  if (!run.ok()) return run.status();
  JuryPassOutcome outcome;
  outcome.warnings = run->warnings;

  JuryManifest manifest;
  *manifest.mutable_jury() = options.jury;
  manifest.set_jury_path(options.jury_path);
  for (const JudgeIdentity& id : *identities) *manifest.add_judge() = id;
  manifest.set_created_unix_ms(UnixMillis());
  if (absl::Status s = results::WriteJuryManifest(options.dir, manifest); !s.ok()) return s;

  absl::StatusOr<results::StoredVotes> stored = results::LoadVotes(options.dir);
  if (!stored.ok()) return stored.status();
  for (const std::string& w : stored->warnings) outcome.warnings.push_back(w);

  std::vector<const SampleRecord*> mine;
  for (const SampleRecord& r : run->records) {
    if (InShard(r.sample_id(), options.shard)) mine.push_back(&r);
  }
  outcome.samples = static_cast<int64_t>(mine.size());

  absl::StatusOr<std::unique_ptr<results::RecordWriter>> writer = results::RecordWriter::OpenForAppend(
      results::VoteFilePath(options.dir, options.shard.index, options.shard.count));
  if (!writer.ok()) return writer.status();
  VoteSink sink(writer->get(), options);
  const int threads =
      options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const MakeJudgeFn make = options.make_judge ? options.make_judge : MakeJudge;

  for (int j = 0; j < options.jury.judge_size() && !sink.stopped(); ++j) {
    const JudgeIdentity& id = (*identities)[static_cast<size_t>(j)];
    JudgeTally tally;
    tally.name = id.name();
    std::vector<const SampleRecord*> pending;
    for (const SampleRecord* r : mine) {
      const JudgeVote* vote = stored->Find(r->sample_id(), id);
      if (vote != nullptr && !(vote->abstained() && vote->retryable())) {
        ++tally.stored;
      } else {
        pending.push_back(r);
      }
    }
    if (!pending.empty()) {
      absl::StatusOr<std::unique_ptr<jury::Judge>> judge = make(options.jury.judge(j), threads);
      if (!judge.ok()) return judge.status();
      if (options.progress_out != nullptr) {
        std::fprintf(options.progress_out, "judge %s: %zu samples to score (%lld stored)\n", id.name().c_str(),
                     pending.size(), static_cast<long long>(tally.stored));
      }
      AskJudge(**judge, id, pending, sink, &tally);
    }
    if (options.progress_out != nullptr) {
      std::fprintf(options.progress_out, "judge %s: asked %lld, abstained %lld (%lld retryable)\n",
                   id.name().c_str(), static_cast<long long>(tally.asked), static_cast<long long>(tally.abstained),
                   static_cast<long long>(tally.retryable));
    }
    outcome.judges.push_back(std::move(tally));
  }
  if (absl::Status s = sink.Finish(); !s.ok()) return s;
  writer->reset();

  // The report over the whole folder (every shard's votes).
  absl::StatusOr<results::StoredVotes> all = results::LoadVotes(options.dir);
  if (!all.ok()) return all.status();
  const jury::JuryView view =
      jury::BuildJuryView(run->records, manifest, [&](const std::string& sample_id, const JudgeIdentity& judge) {
        return all->Find(sample_id, judge);
      });
  outcome.report = jury::JuryReportJson(view, run->records);
  // What it covered, so readers can tell when samples were stored after it
  // (results/jury_coverage.h).
  outcome.report.Set("coverage", results::JuryCoverageJson(run->records));
  if (absl::Status s = json::WriteFileAtomically(results::JuryReportPath(options.dir),
                                                 json::Serialize(outcome.report) + "\n");
      !s.ok()) {
    return s;
  }
  return outcome;
}

std::string JuryReportToText(const json::Value& report) {
  auto num = [](const json::Value* v) {
    return v == nullptr || !v->is_number() ? std::string("-") : absl::StrFormat("%.3f", v->as_double());
  };
  std::string out = absl::StrFormat("jury: %s of the votes, quorum %d; %d samples, %d scored, %d below quorum\n",
                                    report.Find("aggregate")->as_string(), report.Find("quorum")->as_int(),
                                    report.Find("samples")->as_int(), report.Find("scored")->as_int(),
                                    report.Find("below_quorum")->as_int());
  absl::StrAppendFormat(&out, "%-16s %-22s %7s %8s %7s %10s %8s\n", "judge", "kind", "votes", "abstain", "mean",
                        "task-alpha", "task-r");
  for (const json::Value& j : report.Find("judges")->as_array()) {
    const json::Value* agreement = j.Find("task_agreement");
    absl::StrAppendFormat(&out, "%-16s %-22s %7d %8d %7s %10s %8s\n", j.Find("name")->as_string(),
                          j.Find("kind")->as_string(), j.Find("votes")->as_int(), j.Find("abstentions")->as_int(),
                          num(j.Find("mean_score")), num(agreement->is_null() ? nullptr : agreement->Find("alpha")),
                          num(agreement->is_null() ? nullptr : agreement->Find("pearson")));
  }
  absl::StrAppendFormat(&out, "Krippendorff's alpha (interval) across judges: %s\n", num(report.Find("alpha_interval")));
  return out;
}

}  // namespace doomscope
