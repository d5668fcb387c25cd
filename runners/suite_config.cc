#include "runners/suite_config.h"

#include <cmath>
#include <filesystem>
#include <set>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "benchmarks/load_items.h"
#include "benchmarks/registry.h"
#include "detectors/config_defaults.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "results/gate.h"
#include "results/json/jsonl.h"
#include "runners/backend_config.h"
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
    if (!c.chat_template().empty()) c.set_chat_template(ResolvePath(base_dir, c.chat_template()));
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

// Sampling values in range (every comparison fails on NaN) and within the
// caps that keep planning and generation bounded.
absl::Status CheckSampling(const SamplingConfig& s) {
  auto bad = [](std::string_view field, std::string_view range, auto value) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(field), " must be ", std::string(range), ", got ", value));
  };
  if (!(s.temperature() >= 0 && std::isfinite(s.temperature()))) return bad("temperature", ">= 0 and finite", s.temperature());
  if (!(s.samples() >= 1 && s.samples() <= kMaxSamples)) {
    return bad("samples", absl::StrCat("in [1, ", kMaxSamples, "]"), s.samples());
  }
  if (!(s.max_new_tokens() >= 1 && s.max_new_tokens() <= kMaxNewTokens)) {
    return bad("max_new_tokens", absl::StrCat("in [1, ", kMaxNewTokens, "]"), s.max_new_tokens());
  }
  if (!(s.top_p() > 0 && s.top_p() <= 1)) return bad("top_p", "in (0, 1]", s.top_p());
  if (!(s.top_k() >= 0)) return bad("top_k", ">= 0", s.top_k());
  if (!(s.min_p() >= 0 && s.min_p() < 1)) return bad("min_p", "in [0, 1)", s.min_p());
  if (!(s.repetition_penalty() > 0 && std::isfinite(s.repetition_penalty()))) {
    return bad("repetition_penalty", "> 0 and finite", s.repetition_penalty());
  }
  return absl::OkStatus();
}

// The name becomes the default output folder runs/<name>: one plain path
// component, so no suite writes outside runs/.
absl::Status CheckSuiteName(const std::string& name) {
  bool plain = !name.empty() && name != "." && name != ".." && name.size() <= 255;
  for (unsigned char c : name) plain = plain && c != '/' && c != '\\' && c >= 0x20 && c != 0x7f;
  if (plain) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("name \"", absl::CEscape(name), "\" must be one folder name (no '/', '\\', '.' or '..'): it "
                   "names the output folder runs/<name>"));
}

// Every floating-point field of `message` (recursively) is finite; the error
// names FILE:LINE:COLUMN of the offending value.
absl::Status RejectNonFinite(const google::protobuf::Message& message,
                             const google::protobuf::TextFormat::ParseInfoTree* tree, const std::string& file_name,
                             const std::string& path) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const google::protobuf::FieldDescriptor* f : fields) {
    const int n = f->is_repeated() ? reflection->FieldSize(message, f) : 1;
    for (int i = 0; i < n; ++i) {
      const int index = f->is_repeated() ? i : -1;
      const std::string where = absl::StrCat(path, path.empty() ? "" : ".", f->name(),
                                             f->is_repeated() ? absl::StrCat("[", i, "]") : "");
      if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
        const google::protobuf::Message& sub =
            f->is_repeated() ? reflection->GetRepeatedMessage(message, f, i) : reflection->GetMessage(message, f);
        const google::protobuf::TextFormat::ParseInfoTree* sub_tree =
            tree != nullptr ? tree->GetTreeForNested(f, index) : nullptr;
        if (absl::Status s = RejectNonFinite(sub, sub_tree, file_name, where); !s.ok()) return s;
        continue;
      }
      double v = 0;
      if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_DOUBLE) {
        v = f->is_repeated() ? reflection->GetRepeatedDouble(message, f, i) : reflection->GetDouble(message, f);
      } else if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_FLOAT) {
        v = f->is_repeated() ? reflection->GetRepeatedFloat(message, f, i) : reflection->GetFloat(message, f);
      } else {
        continue;
      }
      if (std::isfinite(v)) continue;
      const google::protobuf::TextFormat::ParseLocation loc =
          tree != nullptr ? tree->GetLocation(f, index) : google::protobuf::TextFormat::ParseLocation();
      return absl::InvalidArgumentError(absl::StrCat(file_name, ":", loc.line + 1, ":", loc.column + 1, ": ", where,
                                                     " must be a finite number, got ", v));
    }
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
  if (config->backend().kind_case() == BackendConfig::KIND_NOT_SET || config->backend().has_engine()) {
    EngineBackend* engine = config->mutable_backend()->mutable_engine();
    if (engine->max_batch() == 0) engine->set_max_batch(kDefaultEngineMaxBatch);
  }
}

absl::Status ValidateSuiteConfig(const SuiteConfig& config) {
  if (absl::Status s = CheckSuiteName(config.name()); !s.ok()) return s;
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
    if (!c.tokenizer().empty()) {
      if (absl::Status s = CheckFile(absl::StrCat(what, ": tokenizer"), c.tokenizer()); !s.ok()) return s;
    }
    if (!c.chat_template().empty()) {
      if (absl::Status s = CheckFile(absl::StrCat(what, ": chat_template"), c.chat_template()); !s.ok()) return s;
    }
  }
  for (const TaskConfig& t : config.task()) {
    std::string what = absl::StrCat("task \"", t.name(), "\"");
    absl::StatusOr<const benchmarks::Benchmark*> benchmark = benchmarks::FindBenchmark(t.kind());
    if (!benchmark.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, t.kind() == TASK_KIND_UNSPECIFIED ? ": kind is not set (" : ": unknown kind (",
          benchmarks::KnownKindNames(), ")"));
    }
    if (t.limit() < 0) return absl::InvalidArgumentError(absl::StrCat(what, ": limit must be >= 0"));
    if (absl::Status s = CheckFile(absl::StrCat(what, ": ", std::string((*benchmark)->data_field())),
                                   benchmarks::DatasetPath(t, **benchmark));
        !s.ok()) {
      return s;
    }
    if (absl::Status s = benchmarks::CheckTaskConfig(t); !s.ok()) return s;
  }
  for (const SamplingConfig& s : config.sampling()) {
    if (absl::Status st = CheckSampling(s); !st.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("sampling \"", s.name(), "\": ", std::string(st.message())));
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
  if (absl::Status s = results::ValidateGatePolicy(config.gate()); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("gate.", std::string(s.message())));
  }
  if (absl::Status s = CheckBackendConfig(config); !s.ok()) return s;
  if (config.threads() < 0 || config.threads() > kMaxThreads) {
    return absl::InvalidArgumentError(absl::StrCat("threads must be in [0, ", kMaxThreads, "], got ", config.threads()));
  }
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
  google::protobuf::TextFormat::ParseInfoTree locations;
  parser.WriteLocationsTo(&locations);
  bool ok = parser.ParseFromString(std::string(text), &config);
  if (!ok || !errors.errors().empty()) {
    if (errors.errors().empty()) return absl::InvalidArgumentError(absl::StrCat(file_name, ": cannot parse"));
    return absl::InvalidArgumentError(absl::StrJoin(errors.errors(), "\n"));
  }
  // NaN and infinities compare false against any bound: refuse them where they are written.
  if (absl::Status s = RejectNonFinite(config, &locations, file_name, ""); !s.ok()) return s;
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
