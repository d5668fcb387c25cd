#include "results/generations/finish_reason.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "results/utf8/utf8.h"

namespace doomscope {

absl::StatusOr<FinishReason> ParseFinishReason(std::string_view name) {
  if (name == "eos") return EOS;
  if (name == "stop" || name == "end_turn" || name == "stop_sequence" || name == "tool_calls" ||
      name == "tool_use" || name == "function_call") {
    return STOP;
  }
  if (name == "length" || name == "max_tokens") return LENGTH;
  if (name == "loop") return LOOP;
  if (name == "error") return ERROR;
  return absl::InvalidArgumentError(absl::StrCat("field 'finish_reason': unknown value \"", ToValidUtf8(name),
                                                 "\" (stop, eos, length, loop, error, or an API's "
                                                 "end_turn, stop_sequence, tool_calls, max_tokens)"));
}

std::string_view FinishReasonName(FinishReason reason) {
  switch (reason) {
    case EOS: return "eos";
    case STOP: return "stop";
    case LENGTH: return "length";
    case LOOP: return "loop";
    case ERROR: return "error";
    default: return "unspecified";
  }
}

}  // namespace doomscope
