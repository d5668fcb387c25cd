#include "eval/score.h"

#include <algorithm>

namespace doomscope::eval {

std::string_view CutAtStop(std::string_view output, const json::Value& extra) {
  const json::Value* stops = extra.Find("stop");
  if (stops == nullptr || !stops->is_array()) return output;
  size_t cut = output.size();
  for (const json::Value& s : stops->as_array()) {
    if (!s.is_string() || s.as_string().empty()) continue;
    cut = std::min(cut, output.find(s.as_string()));
  }
  return output.substr(0, cut);
}

std::string WithoutThinking(std::string_view output) {
  constexpr std::string_view kOpen = "<think>", kClose = "</think>";
  size_t pos = 0;
  const size_t first_open = output.find(kOpen), first_close = output.find(kClose);
  if (first_close != std::string_view::npos && first_close < first_open) pos = first_close + kClose.size();
  std::string answer;
  while (pos < output.size()) {
    const size_t open = output.find(kOpen, pos);
    answer.append(output.substr(pos, open == std::string_view::npos ? std::string_view::npos : open - pos));
    if (open == std::string_view::npos) break;
    const size_t close = output.find(kClose, open + kOpen.size());
    if (close == std::string_view::npos) break;
    pos = close + kClose.size();
  }
  return answer;
}

}  // namespace doomscope::eval
