// Synthetic but realistic SampleRecords for the dashboard tests: a stage-A
// style run (PRETRAIN -> SFT -> DPO -> RL checkpoints, two tasks, two
// sampling configs) whose doom loops are real periodic tails with the
// findings the detectors would write for them (character level; the texts use
// single spaces, so normalized and raw text coincide).
#ifndef DOOMSCOPE_TESTS_RESULTS_DASHBOARD_FIXTURES_H_
#define DOOMSCOPE_TESTS_RESULTS_DASHBOARD_FIXTURES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "results/proto/record.pb.h"

namespace doomscope::testing {

struct FixtureCheckpoint {
  std::string name;
  Stage stage;
  int doom_per_mille;       // doom loops per 1000 samples
  int recovered_per_mille;  // recovered loops (natural stop) per 1000
  int correct_per_mille;    // correct answers per 1000 non-looping samples
};

inline const std::vector<FixtureCheckpoint>& StageACheckpoints() {
  static const std::vector<FixtureCheckpoint>* c = new std::vector<FixtureCheckpoint>{
      {"stories-pt", PRETRAIN, 420, 60, 150},
      {"stories-sft", SFT, 260, 90, 420},
      {"stories-dpo", DPO, 140, 70, 520},
      {"stories-rl", RL, 60, 40, 640},
  };
  return *c;
}

// The unit a looping sample of `item` repeats (varied periods: 9..60 chars).
inline std::string LoopUnit(int item) {
  static const char* kUnits[] = {
      "Wait, let me re-check the calculation. ",
      "the cat sat on the mat. ",
      "So the answer is 12. So ",
      "Step: add 3 to the total and carry the one over. ",
      "I think so. ",
      "{\"name\": \"Ada\", \"age\": 36} ",
  };
  return kUnits[item % 6];
}

// A deterministic hash of the ids so rates vary across prompts.
inline uint32_t FixtureHash(const std::string& s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) h = (h ^ c) * 16777619u;
  return h;
}

// One sample. `kind`: 0 clean+correct-or-not, 1 doom loop, 2 recovered loop,
// 3 cap without loop.
inline SampleRecord MakeFixtureRecord(const std::string& checkpoint, Stage stage,
                                      const std::string& task, const std::string& sampling,
                                      int item, int rollout, int kind, bool correct,
                                      int max_new_tokens = 256) {
  SampleRecord r;
  r.set_checkpoint(checkpoint);
  r.set_stage(stage);
  r.set_task(task);
  r.set_sampling(sampling);
  r.set_item_id(absl::StrCat(task, "-", item));
  r.set_rollout(rollout);
  r.set_sample_id(absl::StrCat(checkpoint, "/", task, "/", item, "/", sampling, "/", rollout));
  r.set_prompt(absl::StrCat("Question ", item,
                            ": Tom has 3 apples and buys 4 more bags of 2 apples each. How many "
                            "apples does he have now? Answer with a number."));
  r.set_max_new_tokens(max_new_tokens);
  r.set_created_unix_ms(1700000000000 + item);
  DetectorFindings* f = r.mutable_findings();
  f->set_detector_version("d1-test");
  f->set_level(CHAR);
  f->set_segment(FULL);
  f->set_effective_max_tokens(max_new_tokens);
  TaskScore* s = r.mutable_score();
  s->set_scored(true);
  std::string text;
  if (kind == 1) {
    const std::string prefix = absl::StrCat("Tom starts with 3 apples. He buys ", item % 7 + 2,
                                            " bags. ");
    const std::string unit = LoopUnit(item);
    const int copies = 8 + item % 5;
    text = prefix;
    for (int k = 0; k < copies; ++k) text += unit;
    text += unit.substr(0, unit.size() / 3);  // the cap cuts the last copy
    // As D1 does: the periodic stretch extends back while text[i] == text[i + p],
    // so the onset may fall inside the prefix and the unit is then a rotation.
    const size_t p = unit.size();
    size_t onset = prefix.size();
    while (onset > 0 && text[onset - 1] == text[onset - 1 + p]) --onset;
    const int64_t n = static_cast<int64_t>(text.size());
    const int64_t covered = n - static_cast<int64_t>(onset);
    r.set_finish_reason(LENGTH);
    f->set_finish_reason(LENGTH);
    f->set_capped(true);
    auto* t = f->mutable_tail();
    t->set_periodic(true);
    t->set_period_units(static_cast<int64_t>(unit.size()));
    t->set_period_chars(static_cast<int64_t>(unit.size()));
    t->set_repeats(static_cast<double>(covered) / static_cast<double>(unit.size()));
    t->set_full_copies(covered / static_cast<int64_t>(p));
    t->set_covered_units(covered);
    t->set_coverage(static_cast<double>(covered) / static_cast<double>(n));
    t->set_coverage_projected(t->coverage());
    t->set_onset_units(static_cast<int64_t>(onset));
    t->set_onset_frac(static_cast<double>(onset) / static_cast<double>(n));
    t->set_unit_kind(item % 6 == 5 ? STRUCTURED : TEXT);
    t->set_unit_preview(text.substr(onset, p));
    t->set_partial_last_copy(covered % static_cast<int64_t>(p) != 0);
    f->mutable_verdict()->set_doom_loop(true);
    f->mutable_verdict()->set_loop_any(true);
    f->mutable_verdict()->set_kind(TAIL_LOOP);
    f->mutable_ngram()->set_seq_rep_4(0.82 + 0.01 * (item % 10));
    f->mutable_ngram()->set_pipis_loop(copies > 10);
    f->mutable_runs()->set_max_exponent(t->repeats());
    f->mutable_runs()->set_coverage(t->coverage());
    f->set_n_units(n);
    f->set_n_generated_tokens(max_new_tokens);
    s->set_correct(false);
    s->set_answer_extractable(item % 3 == 0);
    s->set_error_class("no_answer");
  } else {
    const bool capped = kind == 3;
    text = absl::StrCat("Tom starts with 3 apples. He buys 4 bags of 2, that is 8 more. 3 + 8 = ",
                        correct ? "11" : "12", ". The answer is ", correct ? "11" : "12", ".");
    if (kind == 2) {
      text += " Let me check. 3 + 8 = 11. 3 + 8 = 11. 3 + 8 = 11. 3 + 8 = 11. Done.";
      f->mutable_runs()->set_recovered_loop(true);
      f->mutable_runs()->set_max_exponent(4);
      f->mutable_verdict()->set_loop_any(true);
    }
    if (capped) text += " Then he eats some and gives some away and the story goes on and on";
    r.set_finish_reason(capped ? LENGTH : EOS);
    f->set_finish_reason(capped ? LENGTH : EOS);
    f->set_capped(capped);
    f->mutable_verdict()->set_kind(capped ? CAP_NO_LOOP : NONE);
    f->mutable_ngram()->set_seq_rep_4(0.02 * (item % 5));
    f->set_n_units(static_cast<int64_t>(text.size()));
    f->set_n_generated_tokens(capped ? max_new_tokens : 40 + item % 30);
    s->set_correct(correct);
    s->set_score(correct ? 1 : 0);
    s->set_extracted(correct ? "11" : "12");
    s->set_answer_extractable(true);
  }
  r.set_text(text);
  f->set_n_generated_chars(static_cast<int64_t>(text.size()));
  return r;
}

// A full stage-A style run: every checkpoint x task x sampling x item.
inline std::vector<SampleRecord> MakeStageARecords(int items_per_cell) {
  std::vector<SampleRecord> out;
  for (const auto& ck : StageACheckpoints()) {
    for (const std::string task : {"gsm8k-mini", "json-extract"}) {
      for (const std::string sampling : {"greedy", "t0.8"}) {
        for (int item = 0; item < items_per_cell; ++item) {
          const uint32_t h = FixtureHash(absl::StrCat(ck.name, task, sampling, item)) % 1000;
          const int doom = ck.doom_per_mille + (sampling == "greedy" ? 40 : 0);
          int kind = 0;
          if (static_cast<int>(h) < doom) {
            kind = 1;
          } else if (static_cast<int>(h) < doom + ck.recovered_per_mille) {
            kind = 2;
          } else if (static_cast<int>(h) < doom + ck.recovered_per_mille + 30) {
            kind = 3;
          }
          const bool correct =
              static_cast<int>(FixtureHash(absl::StrCat(item, task)) % 1000) < ck.correct_per_mille;
          out.push_back(MakeFixtureRecord(ck.name, ck.stage, task, sampling, item, 0, kind,
                                          correct && kind != 3));
        }
      }
    }
  }
  return out;
}

}  // namespace doomscope::testing

#endif  // DOOMSCOPE_TESTS_RESULTS_DASHBOARD_FIXTURES_H_
