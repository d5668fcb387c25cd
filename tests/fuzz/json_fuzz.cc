// fuzz-link: doomscope_json
// libFuzzer target: arbitrary bytes through the JSON reader (Parse, the
// prefix parser with a budget, as tool-call scanning uses it). Whatever is
// accepted must serialize to valid UTF-8 that parses back to an equal value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "results/json/json.h"
#include "results/utf8/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace doomscope;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<json::Value> v = json::Parse(text);
  if (v.ok()) {
    const std::string out = json::Serialize(*v);
    if (!IsValidUtf8(out)) std::abort();
    absl::StatusOr<json::Value> back = json::Parse(out);
    if (!back.ok() || !(*back == *v)) std::abort();
  }
  int64_t budget = static_cast<int64_t>(size) * 4 + 64;
  json::ParseOptions options;
  options.budget = &budget;
  options.keep_number_text = true;
  options.max_depth = 64;
  size_t pos = 0;
  while ((pos = text.find('{', pos)) != std::string_view::npos && budget > 0) {
    size_t end = 0;
    absl::StatusOr<json::Value> p = json::ParsePrefix(text, pos, &end, options);
    if (p.ok() && (end <= pos || end > size)) std::abort();
    ++pos;
  }
  return 0;
}
