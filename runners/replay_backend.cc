#include "runners/replay_backend.h"

#include <filesystem>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "results/json/jsonl.h"

namespace doomscope {
namespace {

absl::StatusOr<std::string> OptionalName(const json::Value& line, std::string_view field) {
  const json::Value* v = line.Find(field);
  if (v == nullptr || v->is_null()) return std::string();
  if (v->is_string()) return v->as_string();
  if (v->is_int()) return absl::StrCat(v->as_int());
  return absl::InvalidArgumentError(absl::StrCat("field '", std::string(field), "' must be a string"));
}

absl::StatusOr<FinishReason> ParseFinishReason(const json::Value* v) {
  if (v == nullptr || v->is_null()) return FINISH_REASON_UNSPECIFIED;
  if (!v->is_string()) return absl::InvalidArgumentError("field 'finish_reason' must be a string");
  const std::string& s = v->as_string();
  if (s == "stop" || s == "eos" || s == "end_turn" || s == "stop_sequence") return s == "eos" ? EOS : STOP;
  if (s == "length" || s == "max_tokens") return LENGTH;
  if (s == "loop") return LOOP;
  if (s == "error") return ERROR;
  return absl::InvalidArgumentError(
      absl::StrCat("field 'finish_reason': unknown value \"", s, "\" (stop, eos, length, loop or error)"));
}

}  // namespace

std::string StoredGenerationsBackend::Key(const std::string& checkpoint, const std::string& task,
                               const std::string& sampling, const std::string& item_id, int rollout) {
  // Length-prefixed so no name can forge another key.
  return absl::StrCat(checkpoint.size(), ":", checkpoint, task.size(), ":", task, sampling.size(), ":",
                      sampling, item_id.size(), ":", item_id, "#", rollout);
}

absl::StatusOr<std::unique_ptr<StoredGenerationsBackend>> StoredGenerationsBackend::Open(const std::string& path) {
  std::unique_ptr<StoredGenerationsBackend> backend(new StoredGenerationsBackend(path));
  absl::flat_hash_map<std::string, int> next_rollout;
  absl::Status st = json::ReadJsonl(path, [&](int, json::Value line) -> absl::Status {
    if (!line.is_object()) return absl::InvalidArgumentError("expected a JSON object");
    const json::Value* item = line.Find("item_id");
    std::string item_id;
    if (item != nullptr && item->is_string() && !item->as_string().empty()) {
      item_id = item->as_string();
    } else if (item != nullptr && item->is_int()) {
      item_id = absl::StrCat(item->as_int());
    } else {
      return absl::InvalidArgumentError("field 'item_id' must be a non-empty string or an integer");
    }
    const json::Value* text = line.Find("text");
    if (text == nullptr || !text->is_string()) return absl::InvalidArgumentError("field 'text' must be a string");
    ReplayGeneration gen;
    gen.text = text->as_string();
    absl::StatusOr<FinishReason> finish = ParseFinishReason(line.Find("finish_reason"));
    if (!finish.ok()) return finish.status();
    gen.finish_reason = *finish;
    if (const json::Value* tokens = line.Find("tokens"); tokens != nullptr && !tokens->is_null()) {
      if (!tokens->is_array()) return absl::InvalidArgumentError("field 'tokens' must be a list of token ids");
      std::vector<int32_t> ids;
      for (size_t i = 0; i < tokens->as_array().size(); ++i) {
        const json::Value& t = tokens->as_array()[i];
        if (!t.is_int() || t.as_int() < 0 || t.as_int() > std::numeric_limits<int32_t>::max()) {
          return absl::InvalidArgumentError(absl::StrCat("field 'tokens[", i, "]' must be a token id"));
        }
        ids.push_back(static_cast<int32_t>(t.as_int()));
      }
      gen.tokens = std::move(ids);
    }
    absl::StatusOr<std::string> checkpoint = OptionalName(line, "checkpoint");
    absl::StatusOr<std::string> task = OptionalName(line, "task");
    absl::StatusOr<std::string> sampling = OptionalName(line, "sampling");
    for (const auto* s : {&checkpoint, &task, &sampling}) {
      if (!s->ok()) return s->status();
    }
    int rollout;
    const std::string base = Key(*checkpoint, *task, *sampling, item_id, 0);
    if (const json::Value* r = line.Find("rollout"); r != nullptr && !r->is_null()) {
      if (!r->is_int() || r->as_int() < 0 || r->as_int() > 1000000) {
        return absl::InvalidArgumentError("field 'rollout' must be a non-negative integer");
      }
      rollout = static_cast<int>(r->as_int());
    } else {
      rollout = next_rollout[base]++;
    }
    std::string key = Key(*checkpoint, *task, *sampling, item_id, rollout);
    if (!backend->generations_.emplace(key, std::move(gen)).second) {
      return absl::InvalidArgumentError(absl::StrCat("a generation for item '", item_id, "' rollout ", rollout,
                                                     " of this checkpoint/task/sampling is already stored"));
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return backend;
}

absl::Status StoredGenerationsBackend::CheckConfig(const SuiteConfig& suite) {
  const std::string& path = suite.backend().replay().path();
  std::error_code ec;
  if (path.empty()) return absl::InvalidArgumentError("backend.replay.path: no path given");
  if (!std::filesystem::exists(path, ec)) {
    return absl::NotFoundError(absl::StrCat("backend.replay.path: ", path, " does not exist"));
  }
  return absl::OkStatus();
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
      result.tokens = gen->tokens;
      result.finish_reason = gen->finish_reason;
    }
    on_done(std::move(result));
  }
  return absl::OkStatus();
}

}  // namespace doomscope
