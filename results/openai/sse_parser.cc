#include "results/openai/sse_parser.h"

#include "absl/strings/str_cat.h"

namespace doomscope::openai {

absl::Status SseParser::Feed(std::string_view bytes) {
  for (size_t i = 0; i < bytes.size() && !stopped_; ++i) {
    const char c = bytes[i];
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n') continue;
    }
    if (c == '\r' || c == '\n') {
      after_cr_ = c == '\r';
      Line(line_);
      line_.clear();
      continue;
    }
    // Copy the run of ordinary bytes at once.
    size_t end = i;
    while (end < bytes.size() && bytes[end] != '\r' && bytes[end] != '\n') ++end;
    line_.append(bytes.substr(i, end - i));
    if (line_.size() > max_line_bytes_) {
      return absl::InvalidArgumentError(
          absl::StrCat("server-sent event line longer than ", max_line_bytes_, " bytes"));
    }
    i = end - 1;
  }
  return absl::OkStatus();
}

absl::Status SseParser::Finish() {
  if (stopped_) return absl::OkStatus();
  if (!line_.empty()) {
    Line(line_);
    line_.clear();
  }
  Dispatch();
  return absl::OkStatus();
}

void SseParser::Line(std::string_view line) {
  if (line.empty()) {
    Dispatch();
    return;
  }
  if (line.front() == ':') return;  // a comment (keep-alive)
  const size_t colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (field != "data") return;
  if (has_data_) data_.push_back('\n');
  data_.append(value);
  has_data_ = true;
}

void SseParser::Dispatch() {
  if (!has_data_) return;
  has_data_ = false;
  std::string data = std::move(data_);
  data_.clear();
  if (!on_event_(data)) stopped_ = true;
}

}  // namespace doomscope::openai
