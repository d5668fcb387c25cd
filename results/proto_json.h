// Protobuf messages as JSON values, for the JSONL that `detect` and `export`
// write: every field (defaults included, so all lines have the same shape),
// proto field names, enums as lowercase names ("tail_loop"; every zero value
// reads "unspecified"), 64-bit unsigned values as decimal strings (JSON
// readers lose precision past 2^53), and strings made valid UTF-8 by the
// serializer.
#ifndef DOOMSCOPE_RESULTS_PROTO_JSON_H_
#define DOOMSCOPE_RESULTS_PROTO_JSON_H_

#include "google/protobuf/message.h"
#include "results/json/json.h"

namespace doomscope::results {

json::Value MessageToJson(const google::protobuf::Message& message);

}  // namespace doomscope::results

#endif  // DOOMSCOPE_RESULTS_PROTO_JSON_H_
