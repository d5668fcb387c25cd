// `doomscope serve-model`: an OpenAI-compatible HTTP server over the bundled
// engine.
//
// Routes:
//   GET  /health                {"status": "ok", "sequences_waiting": W,
//                               "sequences_running": R} (no key needed)
//   GET  /v1/models             the one served model
//   POST /v1/completions        completion_request.h lists the fields read
//   POST /v1/chat/completions   rendered with the model's chat template, or
//                               PlainChatPrompt when it has none
// Answers follow OpenAI's shapes, non-streamed or as server-sent events
// ("data: {chunk}" ... "data: [DONE]"), with finish_reason "stop", "length"
// or "loop". Errors are {"error": {"message", "type", "param", "code"}}: 400
// invalid_request_error naming the field, 401 authentication_error when a key
// is set and the request lacks it, 404 for other paths, 413 for a body over
// the limit, 503 when the queue is full, 504 when a generation passes the
// per-request deadline. `logprobs` (logprobs_json.h says which
// distribution and the shapes) come in both endpoints, streamed or not.
//
// Bounded: bodies up to max_body_bytes, each request read within the HTTP
// deadline (bounded_http_server.h), each generation within
// request_timeout_s; a client that disconnects has its sequences cancelled
// at the engine's next step. Requests share the engine's continuous batching
// at step level (engine_loop.h). Binds to loopback unless told otherwise.
#ifndef DOOMSCOPE_RUNNERS_SERVE_MODEL_MODEL_SERVER_H_
#define DOOMSCOPE_RUNNERS_SERVE_MODEL_MODEL_SERVER_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/chat_template/chat_template.h"
#include "engine/model_loader.h"
#include "results/dashboard/bounded_http_server.h"
#include "runners/serve_model/engine_loop.h"

namespace doomscope::serve {

struct ModelServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 picks a free port
  std::string api_key;      // empty: no key required
  std::string model_name;   // what /v1/models lists and answers carry
  EngineLoopOptions engine;
  size_t max_body_bytes = size_t{8} << 20;
  double request_timeout_s = 600;
  results::HttpLimits http;
};

class ModelServer {
 public:
  // Takes the loaded model (and its chat templates, if any), starts the
  // engine thread, binds and serves on a background thread.
  static absl::StatusOr<std::unique_ptr<ModelServer>> Start(
      engine::LoadedModel model, std::optional<engine::ModelChatTemplates> templates,
      const ModelServerOptions& options);
  ~ModelServer();  // Stop()

  int port() const;
  // Stops accepting, cancels generation, joins; idempotent.
  void Stop();
  // Blocks until the server stops.
  void Wait();

  struct Impl;

 private:
  explicit ModelServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace doomscope::serve

#endif  // DOOMSCOPE_RUNNERS_SERVE_MODEL_MODEL_SERVER_H_
