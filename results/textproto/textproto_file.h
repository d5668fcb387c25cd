// Reading a protobuf text-format file (suite, gate policy, detector config)
// through the file leaf: a FIFO or folder is refused before anything blocks,
// and a parse error names "PATH:LINE:COLUMN: what".
#ifndef DOOMSCOPE_RESULTS_TEXTPROTO_TEXTPROTO_FILE_H_
#define DOOMSCOPE_RESULTS_TEXTPROTO_TEXTPROTO_FILE_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace doomscope {

// Parses `text` into *message (cleared first); errors start with `name`.
absl::Status ParseTextProto(std::string_view text, const std::string& name, google::protobuf::Message* message);

// Reads and parses `path`. Errors: the file leaf's (NotFound, "is a
// directory", ...) or InvalidArgument "PATH:LINE:COLUMN: ...".
absl::Status ReadTextProtoFile(const std::string& path, google::protobuf::Message* message);

}  // namespace doomscope

#endif  // DOOMSCOPE_RESULTS_TEXTPROTO_TEXTPROTO_FILE_H_
