#include "detectors/think_segments.h"

namespace doomscope {

ThinkSpan FindThink(std::string_view text, std::string_view open_tag, std::string_view close_tag,
                    bool open_at_start) {
  ThinkSpan t;
  t.content_end = t.answer_begin = text.size();
  size_t begin = 0;
  if (!open_at_start) {
    const size_t open = open_tag.empty() ? std::string_view::npos : text.find(open_tag);
    if (open == std::string_view::npos) return t;
    begin = open + open_tag.size();
  }
  t.opened = true;
  t.content_begin = begin;
  const size_t close = close_tag.empty() ? std::string_view::npos : text.find(close_tag, begin);
  if (close != std::string_view::npos) {
    t.closed = true;
    t.content_end = close;
    t.answer_begin = close + close_tag.size();
  }
  return t;
}

bool PromptLeavesThinkOpen(std::string_view prompt, std::string_view open_tag, std::string_view close_tag) {
  if (open_tag.empty()) return false;
  const size_t open = prompt.rfind(open_tag);
  if (open == std::string_view::npos) return false;
  return close_tag.empty() || prompt.find(close_tag, open + open_tag.size()) == std::string_view::npos;
}

}  // namespace doomscope
