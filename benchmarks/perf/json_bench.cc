// JSON reader comparison (issue 14): our results/json parser against Debian's
// simdjson and nlohmann-json, on the real JSONL of ../shared/data, for speed
// (MB/s of input parsed into a DOM) and strictness (how many of a set of
// invalid inputs each refuses, and that each accepts the valid ones).
//
// Usage:
//   json_bench                      the comparison table (all parsers, in-process timing)
//   json_bench --parser NAME [--repeat N]
//                                   parse the corpus N times with one parser and exit, for
//                                   whole-process A/B timing (NAME: ours, ours_handwritten, nlohmann,
//                                   nlohmann_ordered, simdjson, simdjson_to_value)
//
// "simdjson_to_value" parses with simdjson and builds our json::Value from the
// result: what switching our reader to simdjson while keeping json::Value's
// interface (key order, int/double distinction) would cost.
#include <time.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "results/json/json.h"
#include "results/json/jsonl.h"
#include "simdjson.h"

#ifndef DOOMSCOPE_SHARED_DEFAULT
#define DOOMSCOPE_SHARED_DEFAULT "../shared"
#endif

namespace doomscope {
namespace {

double Now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

std::string SharedDir() {
  const char* env = std::getenv("DOOMSCOPE_SHARED");
  return env != nullptr && *env != '\0' ? env : DOOMSCOPE_SHARED_DEFAULT;
}

// Every line of the JSONL files in ../shared/data (BFCL's *.json are JSONL too).
std::vector<std::string> LoadCorpus(size_t* bytes) {
  static const char* kFiles[] = {
      "data/gsm8k/test.jsonl",
      "data/wnut17/test.jsonl",
      "data/detect-cases/cases.jsonl",
      "data/bfcl/BFCL_v4_simple_python.json",
      "data/bfcl/BFCL_v4_multiple.json",
      "data/bfcl/BFCL_v4_parallel.json",
      "data/bfcl/BFCL_v4_parallel_multiple.json",
      "data/bfcl/BFCL_v4_irrelevance.json",
      "data/bfcl/possible_answer/BFCL_v4_simple_python.json",
      "data/bfcl/possible_answer/BFCL_v4_parallel_multiple.json",
  };
  std::vector<std::string> lines;
  *bytes = 0;
  for (const char* f : kFiles) {
    const std::string path = SharedDir() + "/" + f;
    std::string text;
    if (absl::Status st = json::ReadFileToString(path, &text); !st.ok()) {
      std::fprintf(stderr, "json_bench: %s\n", std::string(st.message()).c_str());
      std::exit(2);
    }
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      if (end > start) {
        lines.push_back(text.substr(start, end - start));
        *bytes += end - start;
      }
      start = end + 1;
    }
  }
  return lines;
}

json::Value FromSimdjson(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY: {
      simdjson::dom::array arr;  // a named copy: iterating a temporary result's value dangles
      if (e.get_array().get(arr) != simdjson::SUCCESS) return json::Value();
      json::Array a;
      for (simdjson::dom::element x : arr) a.push_back(FromSimdjson(x));
      return json::Value(std::move(a));
    }
    case simdjson::dom::element_type::OBJECT: {
      simdjson::dom::object obj;
      if (e.get_object().get(obj) != simdjson::SUCCESS) return json::Value();
      json::Value o(json::Object{});
      for (simdjson::dom::key_value_pair kv : obj) {
        o.Set(std::string_view(kv.key.data(), kv.key.size()), FromSimdjson(kv.value));  // last duplicate wins
      }
      return o;
    }
    case simdjson::dom::element_type::INT64: return json::Value(e.get_int64().value_unsafe());
    case simdjson::dom::element_type::UINT64: return json::Value(static_cast<double>(e.get_uint64().value_unsafe()));
    case simdjson::dom::element_type::DOUBLE: return json::Value(e.get_double().value_unsafe());
    case simdjson::dom::element_type::STRING: {
      std::string_view s = e.get_string().value_unsafe();
      return json::Value(std::string(s));
    }
    case simdjson::dom::element_type::BOOL: return json::Value(e.get_bool().value_unsafe());
    case simdjson::dom::element_type::NULL_VALUE: return json::Value();
  }
  return json::Value();
}

struct ParserUnderTest {
  const char* name;
  // Parses one document; true when accepted. `sink` keeps the work observable.
  std::function<bool(const std::string& text, size_t* sink)> parse;
};

std::vector<ParserUnderTest> Parsers() {
  static simdjson::dom::parser* simd = new simdjson::dom::parser();
  return {
      {"ours", [](const std::string& t, size_t* sink) {
         absl::StatusOr<json::Value> v = json::Parse(t);
         if (!v.ok()) return false;
         *sink += v->is_object() ? v->as_object().size() : 1;
         return true;
       }},
      {"ours_handwritten", [](const std::string& t, size_t* sink) {
         // Our own parser alone (json::Parse now tries simdjson first).
         size_t end = 0;
         absl::StatusOr<json::Value> v = json::ParsePrefix(t, 0, &end);
         while (end < t.size() && (t[end] == ' ' || t[end] == '\t' || t[end] == '\n' || t[end] == '\r')) ++end;
         if (!v.ok() || end != t.size()) return false;
         *sink += v->is_object() ? v->as_object().size() : 1;
         return true;
       }},
      {"nlohmann", [](const std::string& t, size_t* sink) {
         nlohmann::json v = nlohmann::json::parse(t, nullptr, false);
         if (v.is_discarded()) return false;
         *sink += v.size();
         return true;
       }},
      {"nlohmann_ordered", [](const std::string& t, size_t* sink) {
         nlohmann::ordered_json v = nlohmann::ordered_json::parse(t, nullptr, false);
         if (v.is_discarded()) return false;
         *sink += v.size();
         return true;
       }},
      {"simdjson", [](const std::string& t, size_t* sink) {
         simdjson::dom::element e;
         if (simd->parse(t).get(e) != simdjson::SUCCESS) return false;
         *sink += static_cast<size_t>(e.type());
         return true;
       }},
      {"simdjson_to_value", [](const std::string& t, size_t* sink) {
         simdjson::dom::element e;
         if (simd->parse(t).get(e) != simdjson::SUCCESS) return false;
         json::Value v = FromSimdjson(e);
         *sink += v.is_object() ? v.as_object().size() : 1;
         return true;
       }},
  };
}

// Inputs RFC 8259 refuses. Each parser should refuse all of them.
std::vector<std::pair<std::string, std::string>> InvalidInputs() {
  std::vector<std::pair<std::string, std::string>> v = {
      {"trailing comma in array", "[1,2,]"},
      {"trailing comma in object", "{\"a\":1,}"},
      {"leading zero", "01"},
      {"no digits after '.'", "1."},
      {"leading '.'", ".5"},
      {"leading '+'", "+1"},
      {"empty exponent", "1e"},
      {"hex number", "0x10"},
      {"NaN", "NaN"},
      {"Infinity", "-Infinity"},
      {"single quotes", "{'a':1}"},
      {"unquoted key", "{a:1}"},
      {"comment", "[1 /* c */]"},
      {"raw newline in string", "\"a\nb\""},
      {"raw tab in string", "\"a\tb\""},
      {"bad escape", "\"\\x41\""},
      {"short \\u escape", "\"\\u12\""},
      {"invalid UTF-8 byte", "\"a\xFF\""},
      {"truncated UTF-8", "\"\xE4\xB8\""},
      {"overlong UTF-8", "\"\xC0\xAF\""},
      {"UTF-8 surrogate", "\"\xED\xA0\x80\""},
      {"lone high surrogate escape", "\"\\ud800\""},
      {"lone low surrogate escape", "\"\\udc00\""},
      {"trailing garbage", "{} x"},
      {"two values", "1 2"},
      {"empty input", ""},
      {"only whitespace", "  "},
      {"unterminated string", "\"abc"},
      {"unterminated array", "[1,2"},
      {"missing colon", "{\"a\" 1}"},
      {"misspelt literal", "tru"},
      {"capital literal", "True"},
      {"vertical tab as space", "[1,\v2]"},
      {"form feed as space", "[1,\f2]"},
      {"nesting 100000 deep", std::string(100000, '[')},
  };
  return v;
}

std::vector<std::string> ValidInputs() {
  return {"{}", "[]", "0", "-0.0e+1", "\"\\ud83d\\ude00\"", "{\"a\":1,\"a\":2}", "\"\xE4\xB8\xAD\"",
          " [1, 2.5e-3, true, false, null] ", std::string(400, '[') + std::string(400, ']')};
}

int RunOne(const std::string& name, int repeat) {
  size_t bytes = 0;
  const std::vector<std::string> lines = LoadCorpus(&bytes);
  for (const ParserUnderTest& p : Parsers()) {
    if (name != p.name) continue;
    size_t sink = 0;
    for (int r = 0; r < repeat; ++r) {
      for (const std::string& l : lines) {
        if (!p.parse(l, &sink)) {
          std::fprintf(stderr, "json_bench: %s refused a corpus line\n", p.name);
          return 1;
        }
      }
    }
    std::printf("%s %zu\n", p.name, sink);
    return 0;
  }
  std::fprintf(stderr, "json_bench: unknown parser %s\n", name.c_str());
  return 2;
}

int RunTable() {
  size_t bytes = 0;
  const std::vector<std::string> lines = LoadCorpus(&bytes);
  const auto invalid = InvalidInputs();
  const auto valid = ValidInputs();
  std::printf("corpus: %zu lines, %.2f MB of JSONL from ../shared/data\n\n", lines.size(), bytes / 1e6);
  std::printf("%-18s %10s %16s %12s\n", "parser", "MB/s", "invalid refused", "valid taken");
  std::vector<std::string> accepted_invalid;
  for (const ParserUnderTest& p : Parsers()) {
    size_t sink = 0;
    for (const std::string& l : lines) p.parse(l, &sink);  // warm-up
    // Best of 5 passes of at least 0.2 s each.
    double best = 1e30;
    for (int trial = 0; trial < 5; ++trial) {
      int passes = 0;
      const double t0 = Now();
      double t1 = t0;
      while (t1 - t0 < 0.2) {
        for (const std::string& l : lines) p.parse(l, &sink);
        ++passes;
        t1 = Now();
      }
      best = std::min(best, (t1 - t0) / passes);
    }
    int refused = 0;
    std::string taken;
    for (const auto& [what, text] : invalid) {
      if (!p.parse(text, &sink)) {
        ++refused;
      } else {
        taken += taken.empty() ? what : ", " + what;
      }
    }
    int ok = 0;
    for (const std::string& text : valid) ok += p.parse(text, &sink);
    std::printf("%-18s %10.1f %10d / %-3zu %7d / %zu\n", p.name, bytes / 1e6 / best, refused, invalid.size(), ok,
                valid.size());
    if (!taken.empty()) accepted_invalid.push_back(std::string(p.name) + " accepts: " + taken);
    if (sink == 42) std::printf(" ");
  }
  std::printf("\n");
  for (const std::string& s : accepted_invalid) std::printf("%s\n", s.c_str());
  return 0;
}

}  // namespace
}  // namespace doomscope

int main(int argc, char** argv) {
  std::string parser;
  int repeat = 20;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--parser" && i + 1 < argc) {
      parser = argv[++i];
    } else if (a == "--repeat" && i + 1 < argc) {
      repeat = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: json_bench [--parser NAME [--repeat N]]\n");
      return 2;
    }
  }
  return parser.empty() ? doomscope::RunTable() : doomscope::RunOne(parser, repeat);
}
