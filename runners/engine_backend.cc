#include "runners/engine_backend.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "detectors/config_defaults.h"
#include "detectors/streaming_tail.h"
#include "detectors/unit_kind.h"
#include "engine/generator.h"
#include "engine/synth_model.h"
#include "runners/command.h"

namespace doomscope {

std::string EngineVersion() { return absl::StrCat("doomscope-engine/", std::string(DoomscopeVersion())); }

BundledEngineBackend::BundledEngineBackend(int max_batch, int threads, const DetectorConfig& detector)
    : max_batch_(max_batch), threads_(threads), detector_(detector) {}

absl::Status BundledEngineBackend::LoadCheckpoint(const CheckpointConfig& checkpoint) {
  model_.reset();
  engine::LoadOptions options;
  options.tokenizer_path = checkpoint.tokenizer();
  if (!checkpoint.dtype().empty()) {
    absl::StatusOr<engine::DType> dtype = engine::ParseDType(checkpoint.dtype());
    if (!dtype.ok()) return dtype.status();
    options.dtype = *dtype;
  }
  absl::StatusOr<engine::LoadedModel> loaded = engine::LoadModel(checkpoint.path(), options);
  if (!loaded.ok()) return loaded.status();
  model_ = std::make_unique<engine::LoadedModel>(std::move(*loaded));
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
  absl::StatusOr<std::unique_ptr<engine::Generator>> generator = engine::Generator::Create(*model_, options);
  if (!generator.ok()) return generator.status();
  const engine::Tokenizer& tok = model_->tokenizer;
  const int64_t ctx = (*generator)->max_context();
  const ResolvedConfig resolved = ResolveConfig(detector_);

  struct Pending {
    BackendResult result;
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
    p.result.prompt_tokens = r.prompt_tokens.empty() ? tok.Encode(r.prompt, /*add_bos=*/true) : r.prompt_tokens;
    const int64_t prompt_len = static_cast<int64_t>(p.result.prompt_tokens.size());
    p.result.max_new_tokens = r.sampling_config.max_new_tokens();
    p.result.effective_max_tokens = std::min<int64_t>(p.result.max_new_tokens, ctx - prompt_len);
    if (p.result.effective_max_tokens < 1) {
      p.result.status = absl::InvalidArgumentError(absl::StrCat(
          "prompt of ", prompt_len, " tokens leaves no room in the model's context of ", ctx, " tokens"));
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
    g.sampling.temperature = static_cast<float>(r.sampling_config.temperature());
    g.sampling.top_k = r.sampling_config.top_k();
    g.sampling.top_p = static_cast<float>(r.sampling_config.top_p());
    g.sampling.min_p = static_cast<float>(r.sampling_config.min_p());
    g.sampling.repetition_penalty = static_cast<float>(r.sampling_config.repetition_penalty());
    g.sampling.seed = 0;  // the id carries the per-sample seed
    if (r.early_stop) {
      p.stream = std::make_unique<StreamingTailDetector>(
          resolved, p.result.max_new_tokens, p.result.effective_max_tokens,
          [&tok](std::span<const int32_t> unit) {
            return ClassifyUnitText(tok.Decode(std::vector<int32_t>(unit.begin(), unit.end())));
          });
      StreamingTailDetector* stream = p.stream.get();
      // Stop tokens are never passed here; a false return stops with kLoop.
      g.on_token = [stream](std::span<const int32_t> generated) { return !stream->Push(generated.back()); };
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
      case engine::FinishReason::kStop:
        result.finish_reason = STOP;
        break;
      case engine::FinishReason::kLength:
        result.finish_reason = LENGTH;
        break;
      case engine::FinishReason::kLoop:
        result.finish_reason = LOOP;
        result.detected_at = p.stream != nullptr && p.stream->fired() ? p.stream->fire().detected_at
                                                                       : static_cast<int64_t>(g.tokens.size());
        break;
      case engine::FinishReason::kError:
        result.status = absl::InvalidArgumentError(g.error);
        break;
    }
    result.text = tok.Decode(g.tokens, result.prompt_tokens.empty() ? -1 : result.prompt_tokens.back());
    result.tokens = std::move(g.tokens);
    result.prefill_ms = g.prefill_ms;
    result.decode_ms = g.decode_ms;
    p.stream.reset();
    on_done(std::move(result));
  });
}

}  // namespace doomscope
