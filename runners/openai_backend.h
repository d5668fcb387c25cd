// Any OpenAI-compatible server as a backend (`backend { openai { base_url
// model api_key_env concurrency timeout_s max_retries } }`): doomscope
// serve-model, llama.cpp's llama-server, vLLM, SGLang, api.openai.com.
//
// Each request becomes one POST: /v1/completions with the prompt text (or its
// token ids) for plain-format tasks, /v1/chat/completions with the messages
// and tools for chat-format ones (and for AUTO-format tasks when
// `chat_for_auto` is set: the server applies the model's template). Sampling
// goes as temperature, top_p, top_k, min_p, repetition_penalty (the non-default
// ones), max_tokens and seed (the plan's per-sample seed: doomscope
// serve-model then draws exactly what the in-process engine draws), and
// return_token_ids, so servers that return ids (doomscope, vLLM) give the
// detectors token ids; otherwise they work on characters.
//
// `concurrency` requests are in flight at once. Retries (the client's:
// backoff with jitter on connection errors, timeouts, 429, 5xx) are per
// request; a request that still fails becomes a per-sample failure, stored
// as an error record with its class and attempts (runners/sample_error.h; the
// next resume retries it). After `concurrency` + 4 requests in
// a row fail to reach the server at all, the rest fail at once: a dead server
// ends the run in bounded time.
//
// Loop stop: with early stop (or a shadow sample) the answer is streamed and
// the character-level rule (text_loop_stop.h) runs on the deltas; when it
// fires the stream is closed (finish reason LOOP). `server_loop_stop` also
// asks doomscope serve-model to run the exact token rule itself
// (stop_on_loop), which other servers do not understand.
#ifndef DOOMSCOPE_RUNNERS_OPENAI_BACKEND_H_
#define DOOMSCOPE_RUNNERS_OPENAI_BACKEND_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "results/openai/openai_client.h"
#include "runners/backend.h"

namespace doomscope {

inline constexpr int kDefaultOpenAiConcurrency = 8;
inline constexpr int kMaxOpenAiConcurrency = 1024;
inline constexpr double kDefaultOpenAiTimeoutS = 120;
inline constexpr int kDefaultOpenAiMaxRetries = 4;
inline constexpr int kMaxOpenAiRetries = 100;
inline constexpr double kMaxOpenAiTimeoutS = 86400;

class OpenAiHttpBackend : public Backend {
 public:
  // Reads the API key from the environment variable the config names.
  static absl::StatusOr<std::unique_ptr<OpenAiHttpBackend>> Create(const OpenAiBackend& config);

  // The suite-file checks of `backend { openai { } }`: a base_url with
  // scheme and host, limits in range (openai_backend_config.cc).
  static absl::Status CheckConfig(const SuiteConfig& suite);

  std::string Describe() const override { return "openai:" + config_.base_url(); }
  // The server and model, as the manifest's generator version.
  std::string Version() const override;
  // Nothing local decides the generations (checkpoint paths are not read).
  std::vector<std::string> InputFiles(const SuiteConfig&) const override { return {}; }
  absl::Status CheckSuite(const SuiteConfig&) const override { return absl::OkStatus(); }
  absl::Status LoadCheckpoint(const CheckpointConfig& checkpoint) override;
  std::string Detokenize(const std::vector<int32_t>&) const override { return ""; }
  absl::Status Generate(std::vector<BackendRequest> requests,
                        const std::function<void(BackendResult)>& on_done) override;

 private:
  OpenAiHttpBackend(const OpenAiBackend& config, openai::Client client)
      : config_(config), client_(std::move(client)) {}
  BackendResult GenerateOne(const BackendRequest& request) const;

  OpenAiBackend config_;
  openai::Client client_;
  std::string model_;  // the "model" sent for the current checkpoint
};

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_OPENAI_BACKEND_H_
