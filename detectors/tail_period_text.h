// D1 at the character level straight from raw text, for callers that need
// only the tail verdict (the speed benchmark, a windowed HTTP-path check).
// Same answer as NormalizeText + FindTailPeriodUtf8, with less work:
//
//   1. normalize only the last ~64 KB and compute the Z-function there;
//   2. if no period's tail reaches the start of that window, the remaining
//      prefix is only counted (normalized chunk by chunk into a small reused
//      buffer, for the code point total the coverage needs);
//   3. if one does (a loop longer than the window), the same forward pass also
//      compares each chunk against itself shifted by the shortest such period,
//      finding where the loop starts without materializing the whole
//      normalized text.
// Anything unusual (a non-ASCII tail, no safe split point, more than one long
// period to resolve) falls back to the full computation.
#ifndef DOOMSCOPE_DETECTORS_TAIL_PERIOD_TEXT_H_
#define DOOMSCOPE_DETECTORS_TAIL_PERIOD_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "detectors/tail_period.h"

namespace doomscope {

struct TextTailPeriod {
  TailPeriod tail;   // lengths in code points of the normalized text; unit_begin/end unset
  std::string unit;  // the unit x[onset, onset + period), normalized UTF-8
};

TextTailPeriod FindTailPeriodInText(std::string_view raw, int keep_run_min, const TailParams& params);

// The same with explicit window and chunk sizes in bytes (tests use small ones
// to exercise every path).
TextTailPeriod FindTailPeriodInText(std::string_view raw, int keep_run_min, const TailParams& params,
                                    size_t tail_bytes, size_t chunk_bytes);

}  // namespace doomscope

#endif  // DOOMSCOPE_DETECTORS_TAIL_PERIOD_TEXT_H_
