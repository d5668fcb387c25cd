// What a judge model is shown of a looped output: the text up to the end of
// the first copy of the repeated tail, then "[repeated N more times]" (N =
// the further whole copies; a cut-off last copy is dropped). A 4,000-token
// loop costs the judge a few lines instead of its whole context, and the
// judge still sees that the output looped. The loop is found by the D1 tail
// periodicity test on the raw bytes (exact copies, >= 3 of them, at least
// `min_loop_chars` code points); an output without one is returned as is.
#ifndef DOOMSCOPE_EVAL_JURY_LOOP_COMPACTION_H_
#define DOOMSCOPE_EVAL_JURY_LOOP_COMPACTION_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace doomscope::jury {

struct CompactedOutput {
  std::string text;
  int64_t omitted_copies = 0;  // 0: not compacted
};

CompactedOutput CompactLoopedOutput(std::string_view output, int64_t min_loop_chars = 32);

// `text` cut to its first and last max_bytes/2 bytes (UTF-8 safe) with
// "[... N bytes omitted ...]" between, when it is longer than max_bytes.
std::string KeepHeadAndTail(std::string_view text, size_t max_bytes);

}  // namespace doomscope::jury

#endif  // DOOMSCOPE_EVAL_JURY_LOOP_COMPACTION_H_
