#include "eval/jury/judge_score_parse.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include "absl/strings/numbers.h"
#include "re2/re2.h"
#include "results/json/json.h"

namespace doomscope::jury {
namespace {

std::optional<double> NumberOf(const json::Value& v) {
  if (v.is_number()) return v.as_double();
  double d = 0;
  if (v.is_string() && absl::SimpleAtod(v.as_string(), &d) && std::isfinite(d)) return d;
  return std::nullopt;
}

std::optional<double> FromJsonObject(std::string_view answer) {
  // One shared budget keeps the scan linear however many '{' the answer has.
  int64_t budget = static_cast<int64_t>(answer.size()) * 4 + 1024;
  json::ParseOptions options;
  options.budget = &budget;
  options.max_depth = 32;
  for (size_t pos = answer.find('{'); pos != std::string_view::npos && budget > 0;
       pos = answer.find('{', pos + 1)) {
    size_t end = 0;
    absl::StatusOr<json::Value> v = json::ParsePrefix(answer, pos, &end, options);
    if (!v.ok() || !v->is_object()) continue;
    if (const json::Value* score = v->Find("score"); score != nullptr) {
      if (std::optional<double> d = NumberOf(*score); d.has_value()) return d;
    }
  }
  return std::nullopt;
}

std::optional<double> FromScoreLine(std::string_view answer) {
  static const RE2 kLine(R"((?i)^[\s#>*_-]*score[*_\s]*[:=][*_\s]*(-?\d+(?:\.\d+)?))");
  std::optional<double> last;
  std::string number;
  for (size_t start = 0; start <= answer.size();) {
    const size_t end = std::min(answer.find('\n', start), answer.size());
    const re2::StringPiece line(answer.data() + start, end - start);
    double d = 0;
    if (RE2::PartialMatch(line, kLine, &number) && absl::SimpleAtod(number, &d)) last = d;
    start = end + 1;
  }
  return last;
}

}  // namespace

absl::StatusOr<double> ParseJudgeScore(std::string_view answer) {
  if (std::optional<double> d = FromJsonObject(answer); d.has_value()) return *d;
  if (std::optional<double> d = FromScoreLine(answer); d.has_value()) return *d;
  return absl::NotFoundError("no {\"score\": N} object and no \"Score: N\" line in the judge's answer");
}

}  // namespace doomscope::jury
