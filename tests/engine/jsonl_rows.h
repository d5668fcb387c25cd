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

// The fixtures keep texts with lone UTF-16 surrogates ("\ud800abc"): that is
// what the JavaScript oracle was given, and HF tokenizers saw each lone
// surrogate as U+FFFD. nlohmann-json refuses such escapes, so they become
// "\ufffd" here, which is the text the references were made from.
inline std::string LoneSurrogatesAsReplacement(const std::string& line) {
  auto hex4 = [&](size_t at, unsigned* out) {
    if (at + 6 > line.size() || line[at] != '\\' || line[at + 1] != 'u') return false;
    unsigned v = 0;
    for (size_t i = at + 2; i < at + 6; ++i) {
      char c = line[i];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else return false;
    }
    *out = v;
    return true;
  };
  std::string out;
  out.reserve(line.size());
  for (size_t i = 0; i < line.size();) {
    if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] != 'u') {
      out.append(line, i, 2);  // any other escape, including an escaped backslash
      i += 2;
      continue;
    }
    unsigned v = 0;
    if (!hex4(i, &v)) {
      out.push_back(line[i++]);
      continue;
    }
    unsigned next = 0;
    bool high = v >= 0xD800 && v <= 0xDBFF;
    bool low = v >= 0xDC00 && v <= 0xDFFF;
    if (high && hex4(i + 6, &next) && next >= 0xDC00 && next <= 0xDFFF) {
      out.append(line, i, 12);  // a proper pair
      i += 12;
    } else {
      out.append((high || low) ? "\\ufffd" : line.substr(i, 6));
      i += 6;
    }
  }
  return out;
}

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
    nlohmann::json v = nlohmann::json::parse(LoneSurrogatesAsReplacement(line), nullptr, /*allow_exceptions=*/false);
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
