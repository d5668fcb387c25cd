#include "eval/jury/agreement.h"

#include <cmath>

namespace doomscope::jury {

namespace {

int Present(const std::vector<std::optional<double>>& unit) {
  int m = 0;
  for (const std::optional<double>& v : unit) m += v.has_value() ? 1 : 0;
  return m;
}

}  // namespace

std::optional<double> KrippendorffAlphaInterval(std::span<const std::vector<std::optional<double>>> units) {
  // Sum over ordered pairs i != j of (v_i - v_j)^2 = 2 (m sum v^2 - (sum v)^2),
  // on values centred on the first pairable one so that large offsets do not
  // cancel catastrophically.
  std::optional<double> offset;
  double n = 0, within = 0, total_sum = 0, total_sq = 0;
  for (const std::vector<std::optional<double>>& unit : units) {
    const int m = Present(unit);
    if (m < 2) continue;
    double sum = 0, sq = 0;
    for (const std::optional<double>& v : unit) {
      if (!v.has_value()) continue;
      if (!offset.has_value()) offset = *v;
      const double c = *v - *offset;
      sum += c;
      sq += c * c;
    }
    n += m;
    within += 2 * (m * sq - sum * sum) / (m - 1);
    total_sum += sum;
    total_sq += sq;
  }
  if (n < 2) return std::nullopt;
  const double d_o = within / n;
  const double d_e = 2 * (n * total_sq - total_sum * total_sum) / (n * (n - 1));
  if (d_e <= 0) return std::nullopt;
  return 1 - d_o / d_e;
}

TaskAgreement AgreementWithTask(std::span<const double> judge, std::span<const double> task) {
  TaskAgreement out;
  const size_t n = std::min(judge.size(), task.size());
  out.n = static_cast<int>(n);
  if (n == 0) return out;
  double mj = 0, mt = 0;
  int agree = 0;
  std::vector<std::vector<std::optional<double>>> units;
  units.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    mj += judge[i];
    mt += task[i];
    agree += (judge[i] >= 0.5) == (task[i] >= 0.5) ? 1 : 0;
    units.push_back({judge[i], task[i]});
  }
  mj /= static_cast<double>(n);
  mt /= static_cast<double>(n);
  double sjj = 0, stt = 0, sjt = 0;
  for (size_t i = 0; i < n; ++i) {
    sjj += (judge[i] - mj) * (judge[i] - mj);
    stt += (task[i] - mt) * (task[i] - mt);
    sjt += (judge[i] - mj) * (task[i] - mt);
  }
  if (sjj > 0 && stt > 0) out.pearson = sjt / std::sqrt(sjj * stt);
  out.alpha = KrippendorffAlphaInterval(units);
  out.agreement = static_cast<double>(agree) / static_cast<double>(n);
  return out;
}

}  // namespace doomscope::jury
