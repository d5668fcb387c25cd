// Limits and options of one template rendering. The limits make a hostile
// template fail with an error instead of hanging or exhausting memory: every
// statement and expression costs a step, every string, list or output byte
// built counts against an allocation budget (cumulative, so it also bounds peak
// memory), macro calls nest to a fixed depth, and the wall clock is checked as
// the steps go.
#ifndef DOOMSCOPE_ENGINE_CHAT_TEMPLATE_RENDER_OPTIONS_H_
#define DOOMSCOPE_ENGINE_CHAT_TEMPLATE_RENDER_OPTIONS_H_

#include <cstdint>
#include <ctime>
#include <optional>

namespace doomscope::engine {

struct RenderLimits {
  int64_t max_output_bytes = int64_t{32} << 20;
  int64_t max_allocated_bytes = int64_t{1} << 30;
  int64_t max_steps = 200'000'000;
  int max_call_depth = 100;
  double max_seconds = 20.0;
};

struct RenderOptions {
  RenderLimits limits;
  // What `strftime_now` formats; unset: the current local time (as
  // transformers' datetime.now()). Set it for reproducible prompts.
  std::optional<std::tm> now;
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_CHAT_TEMPLATE_RENDER_OPTIONS_H_
