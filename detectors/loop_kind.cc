#include "detectors/loop_kind.h"

namespace doomscope {

LoopKind ClassifyLoop(const LoopSignals& s) {
  if (s.tail_periodic) return TAIL_LOOP;
  if (s.near_periodic) return TAIL_NEAR_LOOP;
  if (s.tool_call_repeat) return TOOL_CALL_REPEAT;
  if (s.think_unclosed) return UNCLOSED_THINK;
  if (s.capped && !s.other_repetition) return CAP_NO_LOOP;
  return NONE;
}

std::string_view LoopKindName(LoopKind kind) {
  switch (kind) {
    case NONE: return "none";
    case TAIL_LOOP: return "tail_loop";
    case TAIL_NEAR_LOOP: return "tail_near_loop";
    case TOOL_CALL_REPEAT: return "tool_call_repeat";
    case UNCLOSED_THINK: return "unclosed_think";
    case CAP_NO_LOOP: return "cap_no_loop";
    default: return "unspecified";
  }
}

}  // namespace doomscope
