#include "runners/sample_error.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "results/openai/openai_client.h"
#include "results/utf8/utf8.h"
#include "runners/clock.h"

namespace doomscope {

std::string SampleErrorClass(const absl::Status& status) {
  if (const std::optional<int> http = openai::HttpStatusOf(status)) return absl::StrCat("http ", *http);
  switch (status.code()) {
    case absl::StatusCode::kDeadlineExceeded: return "timeout";
    case absl::StatusCode::kUnavailable: return "connection";
    case absl::StatusCode::kDataLoss: return "bad response";
    case absl::StatusCode::kInvalidArgument: return "invalid request";
    case absl::StatusCode::kNotFound: return "not found";
    default: return "other";
  }
}

SampleError BuildSampleError(const RecordContext& context, const PlannedSample& p, const benchmarks::TaskItem& item,
                             const BackendResult& result) {
  SampleError error;
  error.set_sample_id(p.sample_id);
  error.set_checkpoint(context.checkpoint->name());
  error.set_stage(context.checkpoint->stage());
  error.set_checkpoint_step(context.checkpoint->step());
  error.set_task(context.suite->task(p.task).name());
  error.set_sampling(context.suite->sampling(p.sampling).name());
  error.set_item_id(item.id);
  error.set_rollout(p.rollout);
  error.set_error_class(SampleErrorClass(result.status));
  error.set_message(ToValidUtf8(std::string(result.status.message())));
  error.set_attempts(result.attempts);
  if (context.backend != nullptr) error.set_backend(context.backend->Describe());
  error.set_created_unix_ms(UnixMillis());
  return error;
}

}  // namespace doomscope
