// GSM8K (GSM8K_JSONL): loader and prompt builder. Data: one {"question","answer"}
// object per line; item ids are "gsm8k-<0-based line>".
#ifndef DOOMSCOPE_BENCHMARKS_GSM8K_DATA_H_
#define DOOMSCOPE_BENCHMARKS_GSM8K_DATA_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "benchmarks/benchmark.h"

namespace doomscope::benchmarks {

struct Gsm8kRecord {
  int line = 0;          // 0-based
  std::string question;
  std::string solution;  // the reference solution, "#### N" last
  std::string answer;    // N, normalized (commas dropped)
};

// Reads every record; errors name "PATH:LINE" and the field.
absl::StatusOr<std::vector<Gsm8kRecord>> ReadGsm8k(const std::string& path);

std::string Gsm8kItemId(int line);

// The default exemplar items: 8 short test problems with clean integer answers.
// They are excluded from scoring in every configuration.
std::span<const std::string_view> DefaultGsm8kExemplarIds();

// The default instruction (system message / first paragraph of the prompt).
std::string_view Gsm8kInstruction();

// A reference solution as an exemplar answer: calculator annotations
// ("<<48/2=24>>") removed and the final "#### N" written "The answer is N.".
std::string Gsm8kExemplarAnswer(std::string_view solution);

// Items for `cfg` (kind GSM8K_JSONL) from the file at `path`: every record except
// the exemplars, the first cfg.limit of them when limit > 0, each prompted with
// cfg.shots exemplars.
absl::StatusOr<std::vector<TaskItem>> LoadGsm8kItems(const TaskConfig& cfg, const std::string& path);

}  // namespace doomscope::benchmarks

#endif  // DOOMSCOPE_BENCHMARKS_GSM8K_DATA_H_
