// `doomscope generate`: the bundled engine alone.
//
// Plain mode (--prompt) prints the prompt and its continuation as llama2.c's
// run.c does, streaming to stdout, and the speed on stderr. JSONL mode
// (--prompts) runs every line with continuous batching and writes one result
// per line, in input order, to --output (atomically) or stdout.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/generator.h"
#include "engine/model_loader.h"
#include "engine/synth_model.h"
#include "results/json/jsonl.h"
#include "runners/commands/commands.h"
#include "runners/common_flags.h"

ABSL_FLAG(std::string, prompt, "", "generate: prompt text (plain mode: prints prompt + continuation).");
ABSL_FLAG(std::string, prompts, "",
          "generate: JSONL file, one request per line: {\"id\", \"prompt\"} or {\"id\", \"prompt_tokens\": [ids]}, "
          "optional \"max_new_tokens\".");
ABSL_FLAG(int, max_new_tokens, 256, "generate: most tokens to generate per prompt.");
ABSL_FLAG(double, temperature, 0.0, "generate: sampling temperature (0 = greedy).");
ABSL_FLAG(double, top_p, 1.0, "generate: nucleus sampling mass (1 = off).");
ABSL_FLAG(int, top_k, 0, "generate: keep the k most likely tokens (0 = off).");
ABSL_FLAG(double, min_p, 0.0, "generate: drop tokens below min_p x the top probability (0 = off).");
ABSL_FLAG(double, repetition_penalty, 1.0,
          "generate: penalty for tokens among the last 64 of the sequence (1 = off).");
ABSL_FLAG(std::string, batch, "",
          "generate: sequences decoded at once (default 32); bench: comma-separated batch sizes "
          "(default 1,8,32,64).");

namespace doomscope {
namespace {

constexpr int kDefaultBatch = 32;

// A request id for seeding: the line's integer id, or a stable hash of a string
// id (FNV-1a), or the line number when there is none.
uint64_t RequestId(const json::Value* id, int line) {
  if (id == nullptr) return static_cast<uint64_t>(line);
  if (id->is_int()) return static_cast<uint64_t>(id->as_int());
  const std::string text = id->is_string() ? id->as_string() : json::Serialize(*id);
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001B3ull;
  }
  return h;
}

struct PromptLine {
  json::Value id;  // echoed as given (null when absent)
  std::string prompt;
  std::vector<int32_t> tokens;
  int max_new_tokens = 0;
  uint64_t request_id = 0;
};

absl::StatusOr<std::vector<PromptLine>> ReadPrompts(const std::string& path, const engine::Tokenizer& tok,
                                                    int default_max_new) {
  std::vector<PromptLine> lines;
  absl::Status s = json::ReadJsonl(path, [&](int line, json::Value v) -> absl::Status {
    if (!v.is_object()) return absl::InvalidArgumentError("expected a JSON object");
    PromptLine p;
    const json::Value* id = v.Find("id");
    if (id != nullptr) p.id = *id;
    p.request_id = RequestId(id, line);
    const json::Value* prompt = v.Find("prompt");
    const json::Value* tokens = v.Find("prompt_tokens");
    if ((prompt == nullptr) == (tokens == nullptr)) {
      return absl::InvalidArgumentError("needs exactly one of \"prompt\" (text) and \"prompt_tokens\" (ids)");
    }
    if (prompt != nullptr) {
      if (!prompt->is_string()) return absl::InvalidArgumentError("\"prompt\" must be a string");
      p.prompt = prompt->as_string();
      p.tokens = tok.Encode(p.prompt, /*add_bos=*/true);
    } else {
      if (!tokens->is_array() || tokens->as_array().empty()) {
        return absl::InvalidArgumentError("\"prompt_tokens\" must be a non-empty array of token ids");
      }
      for (size_t i = 0; i < tokens->as_array().size(); ++i) {
        const json::Value& t = tokens->as_array()[i];
        if (!t.is_int() || t.as_int() < 0 || t.as_int() >= tok.vocab_size()) {
          return absl::InvalidArgumentError(absl::StrCat("\"prompt_tokens\"[", i, "] is not a token id in [0, ",
                                                         tok.vocab_size(), ")"));
        }
        p.tokens.push_back(static_cast<int32_t>(t.as_int()));
      }
      p.prompt = tok.Decode(p.tokens);
    }
    p.max_new_tokens = default_max_new;
    if (const json::Value* m = v.Find("max_new_tokens"); m != nullptr) {
      if (!m->is_int() || m->as_int() < 0 || m->as_int() > (1 << 30)) {
        return absl::InvalidArgumentError("\"max_new_tokens\" must be a non-negative integer");
      }
      p.max_new_tokens = static_cast<int>(m->as_int());
    }
    lines.push_back(std::move(p));
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return lines;
}

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "doomscope generate: %s\n", message.c_str());
  return code;
}

int RunGenerate(const std::vector<std::string>& args) {
  if (!args.empty()) return Fail(kExitBadInput, absl::StrCat("unexpected argument '", args[0], "'"));
  const std::string model_path = absl::GetFlag(FLAGS_model);
  const std::string prompt = absl::GetFlag(FLAGS_prompt);
  const std::string prompts_path = absl::GetFlag(FLAGS_prompts);
  if (model_path.empty()) return Fail(kExitBadInput, "--model is required");
  if (prompt.empty() == prompts_path.empty()) {
    return Fail(kExitBadInput, "give exactly one of --prompt TEXT and --prompts FILE.jsonl");
  }
  const int max_new = absl::GetFlag(FLAGS_max_new_tokens);
  if (max_new < 0) return Fail(kExitBadInput, "--max_new_tokens must be >= 0");
  int batch = kDefaultBatch;
  if (const std::string b = absl::GetFlag(FLAGS_batch); !b.empty() && (!absl::SimpleAtoi(b, &batch) || batch < 1)) {
    return Fail(kExitBadInput, absl::StrCat("--batch '", b, "' is not a positive integer"));
  }
  if (absl::GetFlag(FLAGS_threads) < 0) return Fail(kExitBadInput, "--threads must be >= 0");
  absl::StatusOr<engine::DType> kv_type = KvTypeFlag();
  if (!kv_type.ok()) return Fail(kExitBadInput, std::string(kv_type.status().message()));
  engine::SamplingParams sampling;
  sampling.temperature = static_cast<float>(absl::GetFlag(FLAGS_temperature));
  sampling.top_p = static_cast<float>(absl::GetFlag(FLAGS_top_p));
  sampling.top_k = absl::GetFlag(FLAGS_top_k);
  sampling.min_p = static_cast<float>(absl::GetFlag(FLAGS_min_p));
  sampling.repetition_penalty = static_cast<float>(absl::GetFlag(FLAGS_repetition_penalty));
  sampling.seed = absl::GetFlag(FLAGS_seed);
  if (absl::Status s = engine::ValidateSamplingParams(sampling); !s.ok()) {
    return Fail(kExitBadInput, std::string(s.message()));
  }

  absl::StatusOr<std::optional<engine::DType>> dtype = LoadDTypeFlag();
  if (!dtype.ok()) return Fail(kExitBadInput, std::string(dtype.status().message()));
  absl::StatusOr<engine::LoadedModel> model =
      engine::LoadModel(model_path, {.tokenizer_path = absl::GetFlag(FLAGS_tokenizer), .dtype = *dtype});
  if (!model.ok()) return Fail(kExitBadInput, std::string(model.status().message()));
  for (const std::string& part : model->weights.skipped) {
    std::fprintf(stderr, "doomscope generate: %s: skipped %s\n", model_path.c_str(), part.c_str());
  }
  const engine::Tokenizer& tok = model->tokenizer;
  engine::GeneratorOptions options;
  options.max_batch = prompts_path.empty() ? 1 : batch;
  options.threads = absl::GetFlag(FLAGS_threads);
  options.kv_dtype = *kv_type;
  absl::StatusOr<std::unique_ptr<engine::Generator>> gen = engine::Generator::Create(*model, options);
  if (!gen.ok()) return Fail(kExitBadInput, std::string(gen.status().message()));

  if (!prompt.empty()) {
    // Plain mode, as run.c: the prompt (decoded from its tokens), then each
    // token as it comes.
    engine::GenerationRequest r;
    r.id = 0;
    r.prompt_tokens = tok.Encode(prompt, /*add_bos=*/true);
    r.max_new_tokens = max_new;
    r.sampling = sampling;
    int32_t prev = r.prompt_tokens.back();
    std::fputs(tok.Decode(r.prompt_tokens).c_str(), stdout);
    std::fflush(stdout);
    r.on_token = [&](std::span<const int32_t> generated) {
      const int32_t t = generated.back();
      std::fputs(tok.DecodeToken(prev, t).c_str(), stdout);
      std::fflush(stdout);
      prev = t;
      return true;
    };
    engine::GenerationResult result;
    std::vector<engine::GenerationRequest> requests;
    requests.push_back(std::move(r));
    absl::Status s = (*gen)->Run(std::move(requests), [&](engine::GenerationResult g) { result = std::move(g); });
    std::fputs("\n", stdout);
    std::fflush(stdout);
    if (!s.ok()) return Fail(kExitFailure, std::string(s.message()));
    if (result.finish == engine::FinishReason::kError) return Fail(kExitBadInput, result.error);
    const double ms = result.prefill_ms + result.decode_ms;
    const size_t total = result.prompt_tokens.size() + result.tokens.size() - 1;
    std::fprintf(stderr, "achieved tok/s: %.1f (%zu prompt + %zu generated tokens in %.1f ms, finish %s)\n",
                 ms > 0 ? static_cast<double>(total) * 1000.0 / ms : 0.0, result.prompt_tokens.size(),
                 result.tokens.size(), ms, engine::FinishReasonName(result.finish));
    return kExitOk;
  }

  absl::StatusOr<std::vector<PromptLine>> lines = ReadPrompts(prompts_path, tok, max_new);
  if (!lines.ok()) return Fail(kExitBadInput, std::string(lines.status().message()));
  std::vector<engine::GenerationRequest> requests;
  for (size_t i = 0; i < lines->size(); ++i) {
    engine::GenerationRequest r;
    // The RNG stream follows the line's id, not its place in the file.
    r.id = (*lines)[i].request_id;
    r.tag = i;
    r.prompt_tokens = (*lines)[i].tokens;
    r.max_new_tokens = (*lines)[i].max_new_tokens;
    r.sampling = sampling;
    requests.push_back(std::move(r));
  }
  std::vector<engine::GenerationResult> results(lines->size());
  const auto start = std::chrono::steady_clock::now();
  absl::Status s = (*gen)->Run(std::move(requests), [&](engine::GenerationResult g) {
    const uint64_t index = g.tag;
    results[index] = std::move(g);
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!s.ok()) return Fail(kExitFailure, std::string(s.message()));

  std::string out;
  int64_t new_tokens = 0;
  int errors = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    const PromptLine& p = (*lines)[i];
    const engine::GenerationResult& g = results[i];
    json::Value v{json::Object{}};
    v.Set("id", p.id.is_null() ? json::Value(static_cast<int64_t>(i + 1)) : p.id);
    v.Set("prompt", p.prompt);
    const int32_t prev = g.prompt_tokens.empty() ? -1 : g.prompt_tokens.back();
    v.Set("text", tok.Decode(g.tokens, prev));
    json::Array ids;
    for (int32_t t : g.tokens) ids.emplace_back(static_cast<int64_t>(t));
    v.Set("tokens", std::move(ids));
    v.Set("finish_reason", engine::FinishReasonName(g.finish));
    if (g.finish == engine::FinishReason::kError) {
      v.Set("error", g.error);
      ++errors;
    }
    v.Set("prompt_token_count", static_cast<int64_t>(p.tokens.size()));
    v.Set("new_token_count", static_cast<int64_t>(g.tokens.size()));
    v.Set("prefill_ms", g.prefill_ms);
    v.Set("decode_ms", g.decode_ms);
    json::AppendSerialized(v, &out);
    out += '\n';
    new_tokens += static_cast<int64_t>(g.tokens.size());
  }
  const std::string output = absl::GetFlag(FLAGS_output);
  if (output.empty()) {
    std::fwrite(out.data(), 1, out.size(), stdout);
  } else if (absl::Status w = json::WriteFileAtomically(output, out); !w.ok()) {
    return Fail(kExitFailure, std::string(w.message()));
  }
  std::fprintf(stderr, "generated %lld tokens for %zu prompts in %.2f s: %.1f tok/s (batch %d, %d errors)\n",
               static_cast<long long>(new_tokens), results.size(), seconds,
               seconds > 0 ? static_cast<double>(new_tokens) / seconds : 0.0, batch, errors);
  return errors > 0 ? kExitBadInput : kExitOk;
}

}  // namespace

Command GenerateCommand() {
  return Command{
      .name = "generate",
      .summary = "Generate text with the bundled engine (plain, or JSONL in and out with batching)",
      .usage = "doomscope generate --model PATH [--tokenizer PATH] [--dtype f32|f16|bf16|q8_0] "
               "(--prompt TEXT | --prompts FILE.jsonl) "
               "[--max_new_tokens N] [--temperature T] [--top_p P] [--top_k K] [--min_p P] "
               "[--repetition_penalty R] [--seed S] [--batch B] [--threads N] [--kv_type f32|f16|bf16] "
               "[--output FILE.jsonl]",
      .flags = {"model", "tokenizer", "dtype", "prompt", "prompts", "max_new_tokens", "temperature", "top_p",
                "top_k", "min_p", "repetition_penalty", "seed", "batch", "threads", "kv_type", "output"},
      .run = RunGenerate,
  };
}

}  // namespace doomscope
