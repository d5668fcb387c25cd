// The one finish-reason parser: the names doomscope writes and the ones the
// common generation APIs and exporters use, mapped onto FinishReason.
//
//   stop, end_turn, stop_sequence, tool_calls, tool_use, function_call -> STOP
//   eos -> EOS
//   length, max_tokens -> LENGTH        (the token budget ran out: capped)
//   loop -> LOOP                        (our streaming rule stopped it)
//   error -> ERROR
//
// Matching is exact (lower case, as every API writes them).
#ifndef DOOMSCOPE_RESULTS_GENERATIONS_FINISH_REASON_H_
#define DOOMSCOPE_RESULTS_GENERATIONS_FINISH_REASON_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "results/proto/detector.pb.h"

namespace doomscope {

// An unknown name is InvalidArgument "field 'finish_reason': unknown value ...".
absl::StatusOr<FinishReason> ParseFinishReason(std::string_view name);

// The name doomscope writes: "eos", "stop", "length", "loop", "error";
// "unspecified" for FINISH_REASON_UNSPECIFIED.
std::string_view FinishReasonName(FinishReason reason);

}  // namespace doomscope

#endif  // DOOMSCOPE_RESULTS_GENERATIONS_FINISH_REASON_H_
