// JSON Lines for the engine's tests, read with nlohmann-json (the engine's
// JSON library): the engine tests link the engine alone, not results/json.
#ifndef DOOMSCOPE_TESTS_ENGINE_JSONL_ROWS_H_
#define DOOMSCOPE_TESTS_ENGINE_JSONL_ROWS_H_

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace doomscope::testing {

// Every non-blank line of `path` as JSON; a missing file or a bad line is a
// test failure naming it.
inline std::vector<nlohmann::json> ReadJsonlRows(const std::string& path) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json v = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (v.is_discarded()) {
      ADD_FAILURE() << path << ":" << line_no << ": not JSON";
      continue;
    }
    rows.push_back(std::move(v));
  }
  return rows;
}

// An array of ids (empty when `v` is absent).
inline std::vector<int32_t> JsonIds(const nlohmann::json& row, const char* key) {
  std::vector<int32_t> ids;
  if (!row.contains(key)) return ids;
  for (const auto& id : row[key]) ids.push_back(id.get<int32_t>());
  return ids;
}

}  // namespace doomscope::testing

#endif  // DOOMSCOPE_TESTS_ENGINE_JSONL_ROWS_H_
