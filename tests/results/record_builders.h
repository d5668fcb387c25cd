// Synthetic SampleRecords for the results tests: what the runner would store
// for a sample with the given verdict, without running a model.
#ifndef DOOMSCOPE_TESTS_RESULTS_RECORD_BUILDERS_H_
#define DOOMSCOPE_TESTS_RESULTS_RECORD_BUILDERS_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "results/proto/record.pb.h"
#include "results/record_file.h"
#include "results/run_dir.h"

namespace doomscope::results::testing {

// A sample of `checkpoint` on item `item`; a doom loop when `doom` (capped at a
// budget of 100 tokens with the loop starting at token 40), else a natural
// stop after 30 tokens.
inline SampleRecord Sample(const std::string& checkpoint, Stage stage, const std::string& task,
                           const std::string& sampling, int item, int rollout, bool doom) {
  SampleRecord r;
  r.set_checkpoint(checkpoint);
  r.set_stage(stage);
  r.set_task(task);
  r.set_sampling(sampling);
  r.set_item_id(absl::StrCat("item-", item));
  r.set_rollout(rollout);
  r.set_sample_id(absl::StrCat(checkpoint, "/", task, "/", sampling, "/", item, "/", rollout));
  r.set_max_new_tokens(100);
  DetectorFindings* f = r.mutable_findings();
  f->set_level(TOKEN);
  f->set_effective_max_tokens(100);
  if (doom) {
    r.set_text("intro. again again again again");
    r.set_finish_reason(LENGTH);
    f->set_finish_reason(LENGTH);
    f->set_n_generated_tokens(100);
    f->set_capped(true);
    f->mutable_tail()->set_periodic(true);
    f->mutable_tail()->set_onset_units(40);
    f->mutable_verdict()->set_doom_loop(true);
    f->mutable_verdict()->set_loop_any(true);
    f->mutable_verdict()->set_kind(TAIL_LOOP);
    f->mutable_ngram()->set_seq_rep_4(0.5);
    for (int i = 0; i < 100; ++i) r.add_tokens(i % 4);
  } else {
    r.set_text("a fine answer");
    r.set_finish_reason(EOS);
    f->set_finish_reason(EOS);
    f->set_n_generated_tokens(30);
    f->mutable_verdict()->set_kind(NONE);
    for (int i = 0; i < 30; ++i) r.add_tokens(i);
  }
  return r;
}

inline void SetScore(SampleRecord* r, bool correct) {
  r->mutable_score()->set_scored(true);
  r->mutable_score()->set_correct(correct);
  r->mutable_score()->set_score(correct ? 1.0 : 0.0);
}

// `n` samples (items 0..n-1) whose first `loops` are doom loops.
inline std::vector<SampleRecord> Cell(const std::string& checkpoint, Stage stage, const std::string& task,
                                      const std::string& sampling, int n, int loops) {
  std::vector<SampleRecord> out;
  for (int i = 0; i < n; ++i) out.push_back(Sample(checkpoint, stage, task, sampling, i, 0, i < loops));
  return out;
}

// Writes a run folder (manifest + one shard) holding `records`.
inline absl::Status WriteRunDir(const std::string& dir, const std::vector<SampleRecord>& records) {
  RunManifest m;
  m.set_doomscope_version("test");
  if (absl::Status s = WriteManifest(dir, m); !s.ok()) return s;
  auto w = RecordWriter::OpenForAppend(ShardRecordPath(dir, 0, 1));
  if (!w.ok()) return w.status();
  for (const SampleRecord& r : records) {
    if (absl::Status s = (*w)->Append(r); !s.ok()) return s;
  }
  return (*w)->Flush();
}

}  // namespace doomscope::results::testing

#endif  // DOOMSCOPE_TESTS_RESULTS_RECORD_BUILDERS_H_
