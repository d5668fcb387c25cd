// fuzz-link: doomscope_detectors
// libFuzzer target: model output through tool-call extraction and canonical
// JSON (detectors/tool_calls.h): linear work, and a canonical form is stable
// (canonicalizing it again gives itself).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "detectors/tool_calls.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace doomscope;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::vector<ToolCall> calls = FindToolCalls(text);
  (void)LongestIdenticalCallRun(calls);
  size_t end = 0;
  std::optional<std::string> canon = CanonicalJson(text, 0, &end);
  if (canon.has_value()) {
    size_t end2 = 0;
    std::optional<std::string> again = CanonicalJson(*canon, 0, &end2);
    if (!again.has_value() || *again != *canon || end2 != canon->size()) std::abort();
  }
  return 0;
}
