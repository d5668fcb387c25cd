// The one reader of generations JSONL, shared by `doomscope detect`,
// `doomscope score` and the replay backend, so a file one accepts the others
// read the same way. One JSON object per line:
//
//   item_id (or id)       string (non-empty) or integer   required
//   text                  string        required unless tokens are given and
//                                       the caller allows token-only lines
//   tokens                array of ids  optional: generated ids, no prompt/EOS
//   finish_reason         string        optional, see finish_reason.h
//   max_new_tokens        integer >= 1  optional: the budget
//   effective_max_tokens  integer >= 1  optional: min(budget, context left)
//   detected_at           integer >= 0  optional: where a streaming stop fired
//   rollout               integer >= 0  optional
//   checkpoint, task, sampling  string (or integer)  optional suite names
//   prompt                string        optional: the prompt as the model saw it
//                                       (a rendered chat); a think segment its
//                                       template left open starts the output in it
//
// Other fields are ignored, except those the caller asks to keep (detect's
// group keys). Errors name "PATH:LINE: field 'F': ...".
#ifndef DOOMSCOPE_RESULTS_GENERATIONS_GENERATIONS_READER_H_
#define DOOMSCOPE_RESULTS_GENERATIONS_GENERATIONS_READER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "results/json/json.h"
#include "results/json/jsonl.h"
#include "results/proto/detector.pb.h"

namespace doomscope {

struct Generation {
  int line = 0;
  json::Value id;       // the id as written: a string or an integer
  std::string item_id;  // the id as text
  std::string text;
  bool has_text = false;
  std::optional<std::vector<int32_t>> tokens;
  FinishReason finish_reason = FINISH_REASON_UNSPECIFIED;
  int64_t max_new_tokens = 0;        // 0: not given
  int64_t effective_max_tokens = 0;  // 0: not given
  int64_t detected_at = 0;           // 0: not given
  std::optional<int64_t> rollout;
  std::string checkpoint, task, sampling;  // "" when not given
  std::string prompt;                      // "" when not given
  // Values of GenerationsOptions::keep_fields, in order: strings as they are,
  // other JSON values serialized, "" when absent.
  std::vector<std::string> kept;
};

struct GenerationsOptions {
  // Lines with tokens but no text are accepted (the detectors work on ids).
  bool allow_token_only = false;
  std::vector<std::string> keep_fields;
  int64_t max_line_bytes = json::kMaxJsonlLineBytes;
};

// Reads one line's object into *out (line number not set).
absl::Status ParseGeneration(json::Value line, const GenerationsOptions& options, Generation* out);

// Calls `fn` with every generation of `path` in file order. A bad line stops
// the read with its error, unless `on_bad_line` is given: then it gets the
// error and reading goes on. Text is moved, never copied, so a long line is
// held about once.
absl::Status ReadGenerations(const std::string& path, const GenerationsOptions& options,
                             const std::function<absl::Status(Generation)>& fn,
                             const std::function<void(const absl::Status&)>& on_bad_line = nullptr);

}  // namespace doomscope

#endif  // DOOMSCOPE_RESULTS_GENERATIONS_GENERATIONS_READER_H_
