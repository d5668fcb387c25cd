// The openai judge's transport (replaced by results/openai's client when that lands).
#include "absl/strings/str_cat.h"
#include "runners/jury_pass.h"

namespace doomscope {

absl::StatusOr<std::unique_ptr<jury::Judge>> MakeOpenAIJudge(const JudgeConfig& judge) {
  return absl::UnimplementedError(absl::StrCat("judge \"", judge.name(), "\": no HTTP client in this build yet"));
}

}  // namespace doomscope
