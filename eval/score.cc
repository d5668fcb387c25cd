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

}  // namespace doomscope::eval
