// A run folder's records with the votes of the jury that judged them
// (DIR/jury/), as `export` and `pairs` read them.
#ifndef DOOMSCOPE_RUNNERS_JUDGED_RUN_H_
#define DOOMSCOPE_RUNNERS_JUDGED_RUN_H_

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "eval/jury/jury_view.h"
#include "results/jury_store.h"

namespace doomscope {

struct JudgedRun {
  std::unique_ptr<results::StoredVotes> votes;  // the view points into it
  JuryManifest manifest;
  jury::JuryView view;  // indices follow `records` as given to LoadJudgedRun
  std::vector<std::string> warnings;
};

// nullopt when DIR has no jury manifest (never judged); errors for an
// unreadable manifest or vote file.
absl::StatusOr<std::optional<JudgedRun>> LoadJudgedRun(const std::string& dir,
                                                       std::span<const SampleRecord> records);

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_JUDGED_RUN_H_
