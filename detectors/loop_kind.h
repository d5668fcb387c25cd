// One loop kind per sample, first match wins (DETECTORS.md section 6).
#ifndef DOOMSCOPE_DETECTORS_LOOP_KIND_H_
#define DOOMSCOPE_DETECTORS_LOOP_KIND_H_

#include <string_view>

#include "results/proto/detector.pb.h"

namespace doomscope {

struct LoopSignals {
  bool tail_periodic = false;     // D1
  bool near_periodic = false;     // D4
  bool tool_call_repeat = false;  // identical calls >= tool_identical_calls
  bool think_unclosed = false;    // think opened and never closed
  bool capped = false;
  // Any other repetition: a qualifying D2 run of a loop-like unit, or the
  // 30-gram test. A capped output with one is not a "ramble".
  bool other_repetition = false;
};

//   1 tail_loop        D1 fires (whitespace and separator units included;
//                      tail.unit_kind tells them apart)
//   2 tail_near_loop   D4 fires, D1 does not
//   3 tool_call_repeat
//   4 unclosed_think   no D1 or D4
//   5 cap_no_loop      capped with no repetition signal at all
//   6 none
LoopKind ClassifyLoop(const LoopSignals& s);

// "tail_loop", "cap_no_loop", ... ("unspecified" for 0).
std::string_view LoopKindName(LoopKind kind);

}  // namespace doomscope

#endif  // DOOMSCOPE_DETECTORS_LOOP_KIND_H_
