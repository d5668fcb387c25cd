// fuzz-link: doomscope_benchmarks
// libFuzzer target: arbitrary bytes as model output through the Python-call
// parser (BFCL's answer format), the writer's round trip, and the call
// extraction that finds calls in free text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "benchmarks/tool_calls/call_extraction.h"
#include "benchmarks/tool_calls/python_call_parser.h"
#include "benchmarks/tool_calls/python_call_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace doomscope;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t end = 0;
  auto calls = benchmarks::ParsePythonCallList(text, 0, &end);
  if (calls.ok()) {
    if (end > text.size()) std::abort();
    // What the writer prints parses back to the same calls.
    const std::string written = benchmarks::PythonCallList(*calls);
    size_t end2 = 0;
    auto again = benchmarks::ParsePythonCallList(written, 0, &end2);
    if (!again.ok() || again->size() != calls->size()) std::abort();
    for (size_t i = 0; i < calls->size(); ++i) {
      if ((*again)[i].name != (*calls)[i].name || !(json::Value((*again)[i].args) == json::Value((*calls)[i].args))) {
        std::abort();
      }
    }
  }
  (void)benchmarks::ParsePythonCall(text, 0, &end);
  (void)benchmarks::ParsePythonLiteral(text);
  const std::vector<std::string> known = {"f", "math.factorial", "get_weather"};
  (void)benchmarks::ExtractFunctionCalls(text, known);
  return 0;
}
