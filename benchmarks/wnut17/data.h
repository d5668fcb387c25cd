// WNUT-17 emerging entities as JSON-field extraction (WNUT17_JSONL): the model gets
// the sentence and answers with a JSON object of six entity-type lists.
#ifndef DOOMSCOPE_BENCHMARKS_WNUT17_DATA_H_
#define DOOMSCOPE_BENCHMARKS_WNUT17_DATA_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "benchmarks/benchmark.h"

namespace doomscope::benchmarks {

// The six keys, in the order the data and the prompt list them.
std::span<const std::string_view> WnutEntityTypes();

std::string_view WnutInstruction();

// Items from a test.jsonl-style file: id = the record's `id`, gold = its
// `fields` (checked: an object with exactly the six keys, lists of strings).
absl::StatusOr<std::vector<TaskItem>> LoadWnut17Items(const TaskConfig& cfg, const std::string& path);

}  // namespace doomscope::benchmarks

#endif  // DOOMSCOPE_BENCHMARKS_WNUT17_DATA_H_
