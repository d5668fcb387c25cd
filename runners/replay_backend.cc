#include "runners/replay_backend.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "results/generations/generations_reader.h"

namespace doomscope {

std::string StoredGenerationsBackend::Key(const std::string& checkpoint, const std::string& task,
                               const std::string& sampling, const std::string& item_id, int rollout) {
  // Length-prefixed so no name can forge another key.
  return absl::StrCat(checkpoint.size(), ":", checkpoint, task.size(), ":", task, sampling.size(), ":",
                      sampling, item_id.size(), ":", item_id, "#", rollout);
}

absl::StatusOr<std::unique_ptr<StoredGenerationsBackend>> StoredGenerationsBackend::Open(const std::string& path) {
  std::unique_ptr<StoredGenerationsBackend> backend(new StoredGenerationsBackend(path));
  absl::flat_hash_map<std::string, int> next_rollout;
  absl::Status st = ReadGenerations(path, GenerationsOptions(), [&](Generation line) -> absl::Status {
    ReplayGeneration gen;
    gen.text = std::move(line.text);
    gen.tokens = std::move(line.tokens);
    gen.finish_reason = line.finish_reason;
    gen.prompt = std::move(line.prompt);
    int rollout;
    const std::string base = Key(line.checkpoint, line.task, line.sampling, line.item_id, 0);
    if (line.rollout.has_value()) {
      rollout = static_cast<int>(*line.rollout);
    } else {
      rollout = next_rollout[base]++;
    }
    std::string key = Key(line.checkpoint, line.task, line.sampling, line.item_id, rollout);
    if (!backend->generations_.emplace(key, std::move(gen)).second) {
      return absl::InvalidArgumentError(absl::StrCat("a generation for item '", line.item_id, "' rollout ", rollout,
                                                     " of this checkpoint/task/sampling is already stored"));
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return backend;
}

std::vector<std::string> StoredGenerationsBackend::InputFiles(const SuiteConfig& suite) const {
  std::vector<std::string> files;
  for (const CheckpointConfig& c : suite.checkpoint()) {
    if (!c.tokenizer().empty()) files.push_back(c.tokenizer());
  }
  files.push_back(suite.backend().replay().path());
  return files;
}

absl::Status StoredGenerationsBackend::LoadCheckpoint(const CheckpointConfig& checkpoint) {
  checkpoint_ = checkpoint.name();
  return absl::OkStatus();
}

const ReplayGeneration* StoredGenerationsBackend::Find(const BackendRequest& r) const {
  // Most specific first: a line naming the checkpoint beats one that names none.
  for (int mask = 0; mask < 8; ++mask) {
    std::string key = Key((mask & 4) ? "" : r.checkpoint, (mask & 2) ? "" : r.task, (mask & 1) ? "" : r.sampling,
                          r.item_id, r.rollout);
    auto it = generations_.find(key);
    if (it != generations_.end()) return &it->second;
  }
  return nullptr;
}

absl::Status StoredGenerationsBackend::Generate(std::vector<BackendRequest> requests,
                                     const std::function<void(BackendResult)>& on_done) {
  for (BackendRequest& r : requests) {
    r.checkpoint = r.checkpoint.empty() ? checkpoint_ : r.checkpoint;
    BackendResult result;
    result.index = r.index;
    result.prompt_tokens = r.prompt_tokens;
    result.max_new_tokens = r.sampling_config.max_new_tokens();
    result.effective_max_tokens = result.max_new_tokens;
    const ReplayGeneration* gen = Find(r);
    if (gen == nullptr) {
      result.status = absl::NotFoundError(absl::StrCat(path_, ": no stored generation for checkpoint \"",
                                                       r.checkpoint, "\" task \"", r.task, "\" sampling \"",
                                                       r.sampling, "\" item \"", r.item_id, "\" rollout ",
                                                       r.rollout));
    } else {
      result.text = gen->text;
      result.prompt_text = gen->prompt;  // stored as the record's prompt; may open a think segment
      result.tokens = gen->tokens;
      result.finish_reason = gen->finish_reason;
    }
    on_done(std::move(result));
  }
  return absl::OkStatus();
}

}  // namespace doomscope
