// The stories260K reference generations (../shared/models/stories260K/
// reference_greedy.jsonl), read with nlohmann-json: the engine's tests link
// the engine alone, and the engine's JSON library is nlohmann's.
#ifndef DOOMSCOPE_TESTS_ENGINE_REFERENCE_GREEDY_ROWS_H_
#define DOOMSCOPE_TESTS_ENGINE_REFERENCE_GREEDY_ROWS_H_

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/test_support.h"

namespace doomscope::testing {

struct ReferenceGreedyRow {
  std::string prompt;
  int steps = 0;
  std::string finish;
  std::string output;
  std::vector<int32_t> prompt_ids, generated_ids;
};

inline std::vector<ReferenceGreedyRow> LoadReferenceGreedyRows() {
  std::vector<ReferenceGreedyRow> rows;
  std::ifstream in(SharedPath("models/stories260K/reference_greedy.jsonl"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const nlohmann::json v = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!v.is_object()) {
      ADD_FAILURE() << "reference_greedy.jsonl: a line is not a JSON object: " << line.substr(0, 80);
      continue;
    }
    ReferenceGreedyRow r;
    r.prompt = v.value("prompt", "");
    r.steps = v.value("steps", 0);
    r.finish = v.value("finish", "");
    r.output = v.value("output", "");
    for (const auto& id : v.value("prompt_token_ids", nlohmann::json::array())) r.prompt_ids.push_back(id.get<int32_t>());
    for (const auto& id : v.value("generated_token_ids", nlohmann::json::array())) {
      r.generated_ids.push_back(id.get<int32_t>());
    }
    rows.push_back(std::move(r));
  }
  EXPECT_EQ(rows.size(), 4u);
  return rows;
}

}  // namespace doomscope::testing

#endif  // DOOMSCOPE_TESTS_ENGINE_REFERENCE_GREEDY_ROWS_H_
