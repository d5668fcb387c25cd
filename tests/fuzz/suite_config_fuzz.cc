// fuzz-link: doomscope_suite
// libFuzzer target: arbitrary bytes as a suite file through the textproto
// parser and every check of a suite (paths, ranges, NaN, benchmarks'
// fields, the backend block). Errors must be statuses, never crashes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "runners/suite_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)doomscope::ParseSuiteConfig(text, "fuzz.textproto", "/nonexistent-doomscope-fuzz");
  return 0;
}
