// Incremental parser of a server-sent event stream (the WHATWG EventSource
// format that OpenAI-compatible servers stream completions in).
//
// Bytes arrive in arbitrary pieces; Feed() splits them into lines (LF, CRLF or
// CR), gathers each event's `data:` lines (joined by '\n') and hands the event
// to the callback at the blank line that ends it. Comment lines (":") and the
// other fields (event, id, retry) are read and ignored, as OpenAI clients do.
// A line longer than `max_line_bytes` is an error (a hostile server cannot
// make the client buffer without bound).
#ifndef DOOMSCOPE_RESULTS_OPENAI_SSE_PARSER_H_
#define DOOMSCOPE_RESULTS_OPENAI_SSE_PARSER_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace doomscope::openai {

class SseParser {
 public:
  // Called with each event's data; return false to stop parsing (Feed then
  // returns OK and ignores everything after).
  using OnEvent = std::function<bool(std::string_view data)>;

  explicit SseParser(OnEvent on_event, size_t max_line_bytes = size_t{16} << 20)
      : on_event_(std::move(on_event)), max_line_bytes_(max_line_bytes) {}

  // Parses the next piece of the stream.
  absl::Status Feed(std::string_view bytes);
  // The stream ended: an event without its closing blank line is dispatched
  // (servers that close right after the last data line are common).
  absl::Status Finish();
  bool stopped() const { return stopped_; }

 private:
  void Line(std::string_view line);
  void Dispatch();

  OnEvent on_event_;
  size_t max_line_bytes_;
  std::string line_;
  std::string data_;
  bool has_data_ = false;
  bool after_cr_ = false;  // the last byte was CR: a following LF belongs to it
  bool stopped_ = false;
};

}  // namespace doomscope::openai

#endif  // DOOMSCOPE_RESULTS_OPENAI_SSE_PARSER_H_
