// The <think> segment of an output (DETECTORS.md section 1, "Segments"): where
// reasoning starts and ends, so a tail loop can be placed in the think or the
// answer segment, and an unclosed think can be reported.
#ifndef DOOMSCOPE_DETECTORS_THINK_SEGMENTS_H_
#define DOOMSCOPE_DETECTORS_THINK_SEGMENTS_H_

#include <cstddef>
#include <string_view>

namespace doomscope {

struct ThinkSpan {
  bool opened = false;       // open tag present (or opened by the prompt)
  bool closed = false;       // close tag after it
  size_t content_begin = 0;  // byte offsets into the text
  size_t content_end = 0;    // the close tag's offset, or the text's end
  size_t answer_begin = 0;   // just past the close tag, or the text's end
};

// `open_at_start`: the chat template opened the think segment inside the
// prompt, so the output starts in it without an open tag.
ThinkSpan FindThink(std::string_view text, std::string_view open_tag, std::string_view close_tag,
                    bool open_at_start);

// Whether `prompt` ends inside a think segment: its last open tag has no close
// tag after it. Qwen3.5's (and QwQ's, DeepSeek-R1's) chat templates open the
// segment in the generation prompt, so the output starts in it with no tag of
// its own; a template that closes it (thinking off: "<think>\n\n</think>") or
// earlier closed turns do not count.
bool PromptLeavesThinkOpen(std::string_view prompt, std::string_view open_tag, std::string_view close_tag);

}  // namespace doomscope

#endif  // DOOMSCOPE_DETECTORS_THINK_SEGMENTS_H_
