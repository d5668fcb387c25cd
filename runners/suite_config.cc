#include "runners/suite_config.h"

#include <filesystem>
#include <set>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "detectors/config_defaults.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "results/json/jsonl.h"
#include "runners/jury_config.h"

namespace doomscope {
namespace fs = std::filesystem;
namespace {

// Collects parser errors as "FILE:LINE:COLUMN: message" (the parser reports
// 0-based positions).
class SuiteErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  explicit SuiteErrorCollector(std::string file_name) : file_name_(std::move(file_name)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    errors_.push_back(absl::StrCat(file_name_, ":", line + 1, ":", column + 1, ": ", message));
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    errors_.push_back(absl::StrCat(file_name_, ":", line + 1, ":", column + 1, ": ", message));
  }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::string file_name_;
  std::vector<std::string> errors_;
};

absl::Status CheckFile(const std::string& what, const std::string& path) {
  std::error_code ec;
  if (path.empty()) return absl::InvalidArgumentError(absl::StrCat(what, ": no path given"));
  if (!fs::exists(path, ec)) return absl::NotFoundError(absl::StrCat(what, ": ", path, " does not exist"));
  return absl::OkStatus();
}

void ResolveAll(const std::string& base_dir, SuiteConfig* config) {
  for (CheckpointConfig& c : *config->mutable_checkpoint()) {
    if (!c.path().empty()) c.set_path(ResolvePath(base_dir, c.path()));
    if (!c.tokenizer().empty()) c.set_tokenizer(ResolvePath(base_dir, c.tokenizer()));
  }
  for (TaskConfig& t : *config->mutable_task()) {
    if (!t.prompts().empty()) t.set_prompts(ResolvePath(base_dir, t.prompts()));
    if (!t.data().empty()) t.set_data(ResolvePath(base_dir, t.data()));
  }
  if (config->backend().has_replay() && !config->backend().replay().path().empty()) {
    config->mutable_backend()->mutable_replay()->set_path(
        ResolvePath(base_dir, config->backend().replay().path()));
  }
  if (config->has_jury()) ResolveJuryPaths(base_dir, config->mutable_jury());
}

template <typename Entries>
absl::Status CheckNames(const Entries& entries, std::string_view kind) {
  std::set<std::string> seen;
  int index = 0;
  for (const auto& e : entries) {
    if (e.name().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(std::string(kind), " #", index + 1, ": name is empty"));
    }
    if (!seen.insert(e.name()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(std::string(kind), " \"", e.name(), "\": name used twice"));
    }
    ++index;
  }
  if (entries.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("suite has no ", std::string(kind), " entry"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string ResolvePath(const std::string& base_dir, const std::string& path) {
  if (path.empty()) return path;
  fs::path p(path);
  if (p.is_absolute() || base_dir.empty()) return p.lexically_normal().string();
  return (fs::path(base_dir) / p).lexically_normal().string();
}

void FillSuiteDefaults(SuiteConfig* config) {
  if (config->name().empty()) config->set_name("suite");
  for (SamplingConfig& s : *config->mutable_sampling()) {
    if (s.samples() == 0) s.set_samples(kDefaultSamples);
    if (s.max_new_tokens() == 0) s.set_max_new_tokens(kDefaultMaxNewTokens);
    if (s.top_p() == 0) s.set_top_p(1.0);
    if (s.repetition_penalty() == 0) s.set_repetition_penalty(1.0);
  }
  if (!config->backend().has_replay()) {
    EngineBackend* engine = config->mutable_backend()->mutable_engine();
    if (engine->max_batch() == 0) engine->set_max_batch(kDefaultEngineMaxBatch);
  }
}

absl::Status ValidateSuiteConfig(const SuiteConfig& config) {
  const bool replay = config.backend().has_replay();
  if (absl::Status s = CheckNames(config.checkpoint(), "checkpoint"); !s.ok()) return s;
  if (absl::Status s = CheckNames(config.task(), "task"); !s.ok()) return s;
  if (absl::Status s = CheckNames(config.sampling(), "sampling"); !s.ok()) return s;
  for (const CheckpointConfig& c : config.checkpoint()) {
    std::string what = absl::StrCat("checkpoint \"", c.name(), "\"");
    if (c.stage() == STAGE_UNSPECIFIED) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": stage is not set (PRETRAIN, SFT, DPO, RL or OTHER)"));
    }
    if (!c.parent().empty()) {
      bool found = false;
      for (const CheckpointConfig& other : config.checkpoint()) found |= other.name() == c.parent();
      if (!found) {
        return absl::InvalidArgumentError(absl::StrCat(what, ": parent \"", c.parent(), "\" is not a checkpoint"));
      }
    }
    if (!replay) {
      if (absl::Status s = CheckFile(absl::StrCat(what, ": path"), c.path()); !s.ok()) return s;
    }
    if (!c.tokenizer().empty()) {
      if (absl::Status s = CheckFile(absl::StrCat(what, ": tokenizer"), c.tokenizer()); !s.ok()) return s;
    }
  }
  for (const TaskConfig& t : config.task()) {
    std::string what = absl::StrCat("task \"", t.name(), "\"");
    if (t.kind() == TASK_KIND_UNSPECIFIED) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": kind is not set (CONTINUATION, REASONING, EXTRACTION or TOOL_USE)"));
    }
    if (t.limit() < 0) return absl::InvalidArgumentError(absl::StrCat(what, ": limit must be >= 0"));
    if (t.kind() == CONTINUATION) {
      if (absl::Status s = CheckFile(absl::StrCat(what, ": prompts"), t.prompts()); !s.ok()) return s;
    } else {
      const std::string& file = t.data().empty() ? t.prompts() : t.data();
      if (absl::Status s = CheckFile(absl::StrCat(what, ": data"), file); !s.ok()) return s;
    }
  }
  for (const SamplingConfig& s : config.sampling()) {
    std::string what = absl::StrCat("sampling \"", s.name(), "\"");
    if (s.temperature() < 0) return absl::InvalidArgumentError(absl::StrCat(what, ": temperature must be >= 0"));
    if (s.samples() < 1) return absl::InvalidArgumentError(absl::StrCat(what, ": samples must be >= 1"));
    if (s.max_new_tokens() < 1) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": max_new_tokens must be >= 1"));
    }
    if (s.top_p() <= 0 || s.top_p() > 1) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": top_p must be in (0, 1]"));
    }
    if (s.top_k() < 0) return absl::InvalidArgumentError(absl::StrCat(what, ": top_k must be >= 0"));
    if (s.min_p() < 0 || s.min_p() >= 1) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": min_p must be in [0, 1)"));
    }
    if (s.repetition_penalty() <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": repetition_penalty must be > 0"));
    }
  }
  if (absl::Status s = ValidateDetectorConfig(config.detector()); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("detector: ", std::string(s.message())));
  }
  if (config.has_jury()) {
    if (absl::Status s = ValidateJuryConfig(config.jury()); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("jury: ", std::string(s.message())));
    }
  }
  if (replay) {
    if (absl::Status s = CheckFile("backend.replay.path", config.backend().replay().path()); !s.ok()) return s;
  } else if (config.backend().engine().max_batch() < 1) {
    return absl::InvalidArgumentError("backend.engine.max_batch must be >= 1");
  }
  if (config.threads() < 0) return absl::InvalidArgumentError("threads must be >= 0");
  return absl::OkStatus();
}

absl::StatusOr<SuiteConfig> ParseSuiteConfig(std::string_view text, const std::string& file_name,
                                             const std::string& base_dir) {
  SuiteConfig config;
  SuiteErrorCollector errors(file_name);
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  parser.AllowUnknownField(false);
  parser.AllowUnknownExtension(false);
  bool ok = parser.ParseFromString(std::string(text), &config);
  if (!ok || !errors.errors().empty()) {
    if (errors.errors().empty()) return absl::InvalidArgumentError(absl::StrCat(file_name, ": cannot parse"));
    return absl::InvalidArgumentError(absl::StrJoin(errors.errors(), "\n"));
  }
  ResolveAll(base_dir, &config);
  FillSuiteDefaults(&config);
  if (absl::Status s = ValidateSuiteConfig(config); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat(file_name, ": ", std::string(s.message())));
  }
  return config;
}

absl::StatusOr<SuiteConfig> LoadSuiteConfig(const std::string& path) {
  std::string text;
  if (absl::Status s = json::ReadFileToString(path, &text); !s.ok()) return s;
  std::string base_dir = fs::path(path).parent_path().string();
  return ParseSuiteConfig(text, path, base_dir);
}

}  // namespace doomscope
