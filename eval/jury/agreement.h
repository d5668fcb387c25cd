// How much the judges of a jury agree with each other and with the task's
// own deterministic score.
//
// Krippendorff's alpha with the interval metric (Krippendorff 2011,
// "Computing Krippendorff's Alpha-Reliability"): units are samples, coders
// are judges, a missing vote is simply missing. Only units with at least two
// votes are pairable; with n pairable values in all,
//   D_o = 1/n * sum_u 1/(m_u - 1) * sum_{i != j in u} (v_i - v_j)^2
//   D_e = 1/(n (n - 1)) * sum_{c != k over all pairable values} (v_c - v_k)^2
//   alpha = 1 - D_o / D_e
// (sums over ordered pairs). Undefined (nullopt) with fewer than two pairable
// values or when every value is the same (D_e = 0).
#ifndef DOOMSCOPE_EVAL_JURY_AGREEMENT_H_
#define DOOMSCOPE_EVAL_JURY_AGREEMENT_H_

#include <optional>
#include <span>
#include <vector>

namespace doomscope::jury {

// units[u][c]: coder c's value for unit u, or nullopt.
std::optional<double> KrippendorffAlphaInterval(std::span<const std::vector<std::optional<double>>> units);

// A judge against the deterministic task score, over the samples that have both.
struct TaskAgreement {
  int n = 0;
  std::optional<double> pearson;  // undefined when either side is constant
  std::optional<double> alpha;    // interval alpha of the two as coders
  // Share of samples where the judge's pass (score >= 0.5) matches the
  // task's (score >= 0.5).
  std::optional<double> agreement;
};
TaskAgreement AgreementWithTask(std::span<const double> judge, std::span<const double> task);

}  // namespace doomscope::jury

#endif  // DOOMSCOPE_EVAL_JURY_AGREEMENT_H_
