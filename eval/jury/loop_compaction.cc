#include "eval/jury/loop_compaction.h"

#include "absl/strings/str_cat.h"
#include "detectors/tail_period.h"
#include "results/utf8/utf8.h"

namespace doomscope::jury {

CompactedOutput CompactLoopedOutput(std::string_view output, int64_t min_loop_chars) {
  CompactedOutput out;
  bool ascii = true;
  for (char c : output) ascii &= static_cast<unsigned char>(c) < 0x80;
  TailParams params;
  params.k_min = 3;
  params.l_min = min_loop_chars;
  params.p_max = 8192;
  params.min_coverage = 0;
  const TailPeriod tail = FindTailPeriodUtf8(output, CountCodePoints(output), ascii, params);
  if (!tail.periodic || tail.full_copies < 2 || tail.unit_end <= tail.unit_begin) {
    out.text = std::string(output);
    return out;
  }
  out.omitted_copies = tail.full_copies - 1;
  out.text = absl::StrCat(std::string(output.substr(0, static_cast<size_t>(tail.unit_end))), "\n[repeated ",
                          out.omitted_copies, " more times]");
  return out;
}

std::string KeepHeadAndTail(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  const std::string_view head = Utf8SafePrefix(text, max_bytes / 2);
  const std::string_view tail = Utf8SafeSuffix(text, max_bytes / 2);
  return absl::StrCat(std::string(head), "\n[... ", text.size() - head.size() - tail.size(), " bytes omitted ...]\n",
                      std::string(tail));
}

}  // namespace doomscope::jury
