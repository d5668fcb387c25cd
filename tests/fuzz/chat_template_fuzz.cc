// fuzz-link: doomscope_engine_readers
// libFuzzer target: arbitrary bytes as a chat template (parsed, then rendered
// with a small conversation and tight limits) and, split at the first NUL, as
// a JSON context. Any input must give text or an error, within the limits.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/chat_template/chat_template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace doomscope::engine;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nul = input.find('\0');
  std::string_view source = input.substr(0, nul);
  nlohmann::ordered_json context = nlohmann::ordered_json::parse(
      R"({"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "hi"},
                       {"role": "assistant", "content": "<think>t</think>a", "tool_calls": [{"function": {"name": "f", "arguments": {"x": 1.5}}}]}],
          "tools": [{"type": "function", "function": {"name": "f"}}], "add_generation_prompt": true,
          "bos_token": "<s>", "eos_token": "</s>"})");
  if (nul != std::string_view::npos) {
    nlohmann::ordered_json extra = nlohmann::ordered_json::parse(input.substr(nul + 1), nullptr, false);
    if (extra.is_object()) context = std::move(extra);
  }
  absl::StatusOr<ChatTemplate> t = ChatTemplate::Parse(source, "fuzz.jinja");
  if (!t.ok()) return 0;
  RenderOptions options;
  options.limits.max_steps = 200'000;
  options.limits.max_allocated_bytes = 64 << 20;
  options.limits.max_output_bytes = 1 << 20;
  options.limits.max_seconds = 2;
  (void)t->Render(context, options);
  return 0;
}
