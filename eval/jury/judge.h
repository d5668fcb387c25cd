// A judge scores one stored sample. Every kind (rule, logprob, openai; see
// results/proto/jury.proto for what each scores) answers with a Verdict whose
// score is normalised to [0, 1], higher = better, or abstains with a reason.
// An abstention is part of the result, never an error: the jury counts it and
// reports it, and a retryable one (a transport failure) is asked again by the
// next pass over the folder.
#ifndef DOOMSCOPE_EVAL_JURY_JUDGE_H_
#define DOOMSCOPE_EVAL_JURY_JUDGE_H_

#include <string>
#include <utility>
#include <string_view>

#include "results/proto/record.pb.h"

namespace doomscope::jury {

struct Verdict {
  bool abstained = false;
  double score = 0;        // [0, 1]
  double raw = 0;          // the judge's own value, for the report
  std::string reason;      // why it abstained
  bool retryable = false;  // the reason may pass (timeouts, 5xx)
  int attempts = 1;

  static Verdict Score(double score, double raw) {
    Verdict v;
    v.score = score;
    v.raw = raw;
    return v;
  }
  static Verdict Abstain(std::string reason, bool retryable = false) {
    Verdict v;
    v.abstained = true;
    v.reason = std::move(reason);
    v.retryable = retryable;
    return v;
  }
};

class Judge {
 public:
  virtual ~Judge() = default;
  // Scores one sample. Must be safe to call from several threads at once when
  // concurrency() > 1.
  virtual Verdict Score(const SampleRecord& sample) = 0;
  // Samples the pass may score at once with this judge.
  virtual int concurrency() const { return 1; }
};

}  // namespace doomscope::jury

#endif  // DOOMSCOPE_EVAL_JURY_JUDGE_H_
