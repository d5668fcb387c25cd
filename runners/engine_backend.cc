#include "runners/engine_backend.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "detectors/streaming_tail.h"
#include "detectors/unit_kind.h"
#include "engine/generator.h"
#include "engine/synth_model.h"
#include "runners/command.h"

namespace doomscope {
namespace {

engine::SamplingParams EngineSampling(const SamplingConfig& s) {
  engine::SamplingParams p;
  p.temperature = static_cast<float>(s.temperature());
  p.top_k = s.top_k();
  p.top_p = static_cast<float>(s.top_p());
  p.min_p = static_cast<float>(s.min_p());
  p.repetition_penalty = static_cast<float>(s.repetition_penalty());
  p.seed = 0;  // the request id carries the per-sample seed
  return p;
}

// What ends a sequence: the model's own stop tokens (LoadedModel::StopTokens,
// as engine::Generator::Create(LoadedModel) uses them) plus the chat
// templates' end-of-turn markers that are single tokens.
std::vector<int32_t> ModelStopTokens(const engine::LoadedModel& model, const engine::ModelChatTemplates* templates) {
  std::vector<int32_t> stops = model.StopTokens();
  if (templates == nullptr) return stops;
  for (int32_t id : ChatStopTokens(model.tokenizer, *templates)) {
    if (std::find(stops.begin(), stops.end(), id) == stops.end()) stops.push_back(id);
  }
  return stops;
}

}  // namespace

std::string EngineVersion() { return absl::StrCat("doomscope-engine/", std::string(DoomscopeVersion())); }

BundledEngineBackend::BundledEngineBackend(int max_batch, int threads) : max_batch_(max_batch), threads_(threads) {}

std::vector<std::string> BundledEngineBackend::InputFiles(const SuiteConfig& suite) const {
  std::vector<std::string> files;
  for (const CheckpointConfig& c : suite.checkpoint()) {
    if (!c.path().empty()) files.push_back(c.path());
    if (!c.tokenizer().empty()) files.push_back(c.tokenizer());
    if (!c.chat_template().empty()) files.push_back(c.chat_template());
  }
  return files;
}

absl::Status BundledEngineBackend::CheckSuite(const SuiteConfig& suite) const {
  for (const TaskConfig& task : suite.task()) {
    if (task.prompt_format() == PROMPT_FORMAT_PLAIN) continue;
    for (const CheckpointConfig& c : suite.checkpoint()) {
      // AUTO renders with a template where there is one: it must parse (the
      // error names its file and line) before anything is written.
      absl::StatusOr<std::optional<engine::ModelChatTemplates>> templates =
          CheckpointChatTemplates(c.path(), c.tokenizer(), c.chat_template());
      if (!templates.ok()) return templates.status();
      if (task.prompt_format() == PROMPT_FORMAT_CHAT && !templates->has_value()) {
        return absl::InvalidArgumentError(absl::StrCat("task \"", task.name(),
                                                       "\" asks for prompt_format CHAT, but checkpoint \"", c.name(),
                                                       "\" (", c.path(), ") has no chat template; use PLAIN or AUTO"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status BundledEngineBackend::LoadCheckpoint(const CheckpointConfig& checkpoint) {
  model_.reset();
  chat_templates_.reset();
  engine::LoadOptions options;
  options.tokenizer_path = checkpoint.tokenizer();
  if (!checkpoint.dtype().empty()) {
    absl::StatusOr<engine::DType> dtype = engine::ParseDType(checkpoint.dtype());
    if (!dtype.ok()) return dtype.status();
    options.dtype = *dtype;
  }
  absl::StatusOr<engine::LoadedModel> loaded = engine::LoadModel(checkpoint.path(), options);
  if (!loaded.ok()) return loaded.status();
  absl::StatusOr<std::optional<engine::ModelChatTemplates>> templates =
      CheckpointChatTemplates(checkpoint.path(), checkpoint.tokenizer(), checkpoint.chat_template());
  if (!templates.ok()) return templates.status();
  model_ = std::make_unique<engine::LoadedModel>(std::move(*loaded));
  chat_templates_ = *std::move(templates);
  return absl::OkStatus();
}

std::string BundledEngineBackend::Detokenize(const std::vector<int32_t>& tokens) const {
  return model_ == nullptr ? std::string() : model_->tokenizer.Decode(tokens);
}

absl::Status BundledEngineBackend::Generate(std::vector<BackendRequest> requests,
                                            const std::function<void(BackendResult)>& on_done) {
  if (model_ == nullptr) return absl::FailedPreconditionError("no checkpoint loaded");
  engine::GeneratorOptions options;
  options.max_batch = max_batch_;
  options.threads = threads_;
  // A checkpoint with a chat template also stops at its end-of-turn markers
  // (most are among the tokenizer's end-of-generation ids already).
  absl::StatusOr<std::unique_ptr<engine::Generator>> generator = engine::Generator::Create(
      model_->weights, ModelStopTokens(*model_, chat_templates_.has_value() ? &*chat_templates_ : nullptr), options);
  if (!generator.ok()) return generator.status();
  const engine::Tokenizer& tok = model_->tokenizer;
  const int64_t ctx = (*generator)->max_context();

  struct Pending {
    BackendResult result;
    bool shadow = false;
    std::shared_ptr<const ResolvedConfig> thresholds;  // outlives `stream`, which refers to it
    std::unique_ptr<StreamingTailDetector> stream;
  };
  std::vector<Pending> pending(requests.size());
  // The generator seeds each sequence's RNG from (sampling seed, id), so the
  // id is the plan's per-sample seed: a sample draws the same numbers whatever
  // else is pending (resume, shards). Results are matched back by id.
  absl::flat_hash_map<uint64_t, size_t> index_of_id;
  std::vector<engine::GenerationRequest> batch;
  batch.reserve(requests.size());
  for (BackendRequest& r : requests) {
    Pending& p = pending[r.index];
    p.result.index = r.index;
    p.result.max_new_tokens = r.sampling_config.max_new_tokens();
    absl::StatusOr<PromptTokens> prompt =
        RenderPromptTokens(r, tok, chat_templates_.has_value() ? &*chat_templates_ : nullptr);
    if (!prompt.ok()) {
      p.result.status = prompt.status();
      on_done(std::move(p.result));
      continue;
    }
    p.result.prompt_tokens = std::move(prompt->tokens);
    p.result.chat_format = prompt->chat;
    p.result.prompt_text = std::move(prompt->text);
    const int64_t prompt_len = static_cast<int64_t>(p.result.prompt_tokens.size());
    p.result.effective_max_tokens = std::min<int64_t>(p.result.max_new_tokens, ctx - prompt_len);
    if (p.result.effective_max_tokens < 1) {
      p.result.status = absl::InvalidArgumentError(
          absl::StrCat("prompt of ", prompt_len, " tokens leaves no room in the model's context of ", ctx, " tokens"));
      on_done(std::move(p.result));
      continue;
    }
    if (!index_of_id.emplace(r.seed, r.index).second) {
      return absl::InternalError(absl::StrCat("two samples share the seed ", r.seed));
    }
    engine::GenerationRequest g;
    g.id = r.seed;
    g.prompt_tokens = p.result.prompt_tokens;
    g.max_new_tokens = static_cast<int>(p.result.effective_max_tokens);
    g.sampling = EngineSampling(r.sampling_config);
    const LoopStopPolicy& policy = r.loop_stop;
    if ((policy.early_stop || policy.shadow) && policy.thresholds != nullptr) {
      p.shadow = policy.shadow;
      p.thresholds = policy.thresholds;
      p.stream = std::make_unique<StreamingTailDetector>(
          *p.thresholds, p.result.max_new_tokens, p.result.effective_max_tokens, [&tok](std::span<const int32_t> unit) {
            return ClassifyUnitText(tok.Decode(std::vector<int32_t>(unit.begin(), unit.end())));
          });
      StreamingTailDetector* stream = p.stream.get();
      // Stop tokens are never passed here; a false return stops with kLoop.
      // A shadow run feeds the rule but never stops.
      if (policy.shadow) {
        g.on_token = [stream](std::span<const int32_t> generated) {
          stream->Push(generated.back());
          return true;
        };
      } else {
        g.on_token = [stream](std::span<const int32_t> generated) { return !stream->Push(generated.back()); };
      }
    }
    batch.push_back(std::move(g));
  }
  if (batch.empty()) return absl::OkStatus();
  return (*generator)->Run(std::move(batch), [&](engine::GenerationResult g) {
    auto it = index_of_id.find(g.id);
    if (it == index_of_id.end()) return;
    Pending& p = pending[it->second];
    BackendResult result = std::move(p.result);
    switch (g.finish) {
      case engine::FinishReason::kStop: result.finish_reason = STOP; break;
      case engine::FinishReason::kLength: result.finish_reason = LENGTH; break;
      case engine::FinishReason::kLoop:
        result.finish_reason = LOOP;
        result.detected_at = p.stream != nullptr && p.stream->fired() ? p.stream->fire().detected_at
                                                                      : static_cast<int64_t>(g.tokens.size());
        break;
      case engine::FinishReason::kError: result.status = absl::InvalidArgumentError(g.error); break;
    }
    if (p.shadow && p.stream->fired()) result.shadow_detected_at = p.stream->fire().detected_at;
    result.text = tok.Decode(g.tokens, result.prompt_tokens.empty() ? -1 : result.prompt_tokens.back());
    result.tokens = std::move(g.tokens);
    result.prefill_ms = g.prefill_ms;
    result.decode_ms = g.decode_ms;
    p.stream.reset();
    on_done(std::move(result));
  });
}

}  // namespace doomscope
