// A backend that replays stored generations (`backend { replay { path } }`),
// read with the generations leaf (results/generations/generations_reader.h:
// item_id, text, optional finish_reason, tokens, rollout, and checkpoint,
// sampling, task naming the suite entries a line belongs to; absent, it
// matches every one). Without `rollout` the n-th line with the same key is
// rollout n. They get the same detectors and scorers as engine output. A
// planned sample with no stored generation is an error naming it.
#ifndef DOOMSCOPE_RUNNERS_REPLAY_BACKEND_H_
#define DOOMSCOPE_RUNNERS_REPLAY_BACKEND_H_

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "runners/backend.h"

namespace doomscope {

struct ReplayGeneration {
  std::string text;
  std::optional<std::vector<int32_t>> tokens;
  FinishReason finish_reason = FINISH_REASON_UNSPECIFIED;
  std::string prompt;  // "" when the line has none
};

class StoredGenerationsBackend : public Backend {
 public:
  // Reads the whole file; errors name PATH:LINE and the field.
  static absl::StatusOr<std::unique_ptr<StoredGenerationsBackend>> Open(const std::string& path);

  // The suite-file check of `backend { replay { path } }`: the file exists.
  static absl::Status CheckConfig(const SuiteConfig& suite);

  std::string Describe() const override { return "replay:" + path_; }
  std::string Version() const override { return "replay"; }
  // The replay file (and any tokenizer a checkpoint names).
  std::vector<std::string> InputFiles(const SuiteConfig& suite) const override;
  // Stored generations need nothing else: any prompt format was the other system's.
  absl::Status CheckSuite(const SuiteConfig&) const override { return absl::OkStatus(); }
  absl::Status LoadCheckpoint(const CheckpointConfig& checkpoint) override;
  std::string Detokenize(const std::vector<int32_t>&) const override { return ""; }
  absl::Status Generate(std::vector<BackendRequest> requests,
                        const std::function<void(BackendResult)>& on_done) override;

  // The stored generation for a request, or null.
  const ReplayGeneration* Find(const BackendRequest& request) const;

 private:
  explicit StoredGenerationsBackend(std::string path) : path_(std::move(path)) {}
  static std::string Key(const std::string& checkpoint, const std::string& task, const std::string& sampling,
                         const std::string& item_id, int rollout);
  std::string path_;
  std::string checkpoint_;
  absl::flat_hash_map<std::string, ReplayGeneration> generations_;
};

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_REPLAY_BACKEND_H_
