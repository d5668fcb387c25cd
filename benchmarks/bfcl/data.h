// BFCL single-turn question files and their possible answers.
//
// Question lines: {"id", "question": [[{"role", "content"}, ...]], "function": [...]}.
// Answer lines (possible_answer/<same file name>): {"id", "ground_truth": [{name:
// {param: [acceptable values]}}]}. Irrelevance files have no answers: the right
// behaviour is to call nothing.
#ifndef DOOMSCOPE_BENCHMARKS_BFCL_DATA_H_
#define DOOMSCOPE_BENCHMARKS_BFCL_DATA_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "benchmarks/benchmark.h"
#include "results/json/json.h"

namespace doomscope::benchmarks {

// How a category is checked (BFCL's ast_checker dispatch on the category name).
enum class BfclCheckMode {
  kSingle,       // simple_*, multiple: exactly one call, the expected function
  kParallel,     // parallel, parallel_multiple: N calls matched in any order
  kIrrelevance,  // no call is the right answer
  kRelevance,    // any call (of an offered function) is the right answer
};

struct BfclRecord {
  std::string id;
  std::string category;                // "simple_python", "parallel_multiple", ...
  std::vector<ChatMessage> messages;   // the single turn
  json::Value functions;               // as in the data (BFCL type names)
  json::Value ground_truth;            // [] when the category has no answers
};

// "simple_python_12" -> "simple_python".
std::string BfclCategoryOfId(std::string_view id);
BfclCheckMode BfclModeOf(std::string_view category);

// The possible-answer file of a question file: possible_answer/<file name> beside it.
std::string BfclPossibleAnswerPath(const std::string& question_path);

// Reads a question file and its possible answers. Errors name the file, line and
// field; a missing answer file is an error unless the category needs none.
absl::StatusOr<std::vector<BfclRecord>> ReadBfcl(const std::string& question_path);

// The default categories loaded from a folder, and a category's file name.
std::span<const std::string_view> DefaultBfclCategories();
std::string BfclFileName(std::string_view category);

// Items for a BFCL_V4 config: `path` is a question file, or a folder holding
// BFCL_v4_<category>.json files for cfg.bfcl_categories. cfg.limit applies per file.
absl::StatusOr<std::vector<TaskItem>> LoadBfclItems(const TaskConfig& cfg, const std::string& path);

}  // namespace doomscope::benchmarks

#endif  // DOOMSCOPE_BENCHMARKS_BFCL_DATA_H_
