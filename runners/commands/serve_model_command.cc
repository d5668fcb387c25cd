// `doomscope serve-model --model PATH [--tokenizer PATH] [--host 127.0.0.1]
// [--port 8080] [--api_key KEY] [--max_queue N]`: an OpenAI-compatible server
// over the bundled engine (runners/serve_model/model_server.h), until
// interrupted.
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "engine/chat_template/chat_template.h"
#include "engine/model_loader.h"
#include "results/dashboard/dashboard_server.h"
#include "runners/command.h"
#include "runners/commands/commands.h"
#include "runners/common_flags.h"
#include "runners/serve_model/model_server.h"

ABSL_FLAG(std::string, api_key, "",
          "serve-model: require \"Authorization: Bearer KEY\" on /v1 routes (default: the environment "
          "variable DOOMSCOPE_API_KEY when set, else no key)");
ABSL_FLAG(int, max_queue, 64, "serve-model: most sequences queued or running at once; more get HTTP 503.");
ABSL_FLAG(int, max_batch, 16, "serve-model: sequences decoded together in one step.");
ABSL_FLAG(std::string, served_model_name, "", "serve-model: the model id in /v1/models (default: the file name).");
ABSL_FLAG(double, request_timeout, 600, "serve-model: seconds a request may generate before it is stopped (504).");

namespace doomscope {
namespace {

int RunServeModel(const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::cerr << "serve-model: unexpected argument " << args[0] << " (the model goes in --model)\n";
    return kExitBadInput;
  }
  const std::string path = absl::GetFlag(FLAGS_model);
  if (path.empty()) {
    std::cerr << "serve-model: --model is required\n";
    return kExitBadInput;
  }
  absl::StatusOr<engine::LoadedModel> model = engine::LoadModel(path, absl::GetFlag(FLAGS_tokenizer));
  if (!model.ok()) {
    std::cerr << "serve-model: " << model.status().message() << "\n";
    return kExitBadInput;
  }
  std::optional<engine::ModelChatTemplates> templates;
  if (engine::IsModelPath(path)) {
    absl::StatusOr<engine::ModelChatTemplates> t = engine::LoadChatTemplates(path);
    if (t.ok()) {
      templates = *std::move(t);
    } else {
      std::cerr << "serve-model: no chat template (" << t.status().message()
                << "); chat requests use the plain \"Role: content\" format\n";
    }
  }
  serve::ModelServerOptions options;
  options.host = absl::GetFlag(FLAGS_host);
  options.port = absl::GetFlag(FLAGS_port);
  options.api_key = absl::GetFlag(FLAGS_api_key);
  if (options.api_key.empty()) {
    if (const char* env = std::getenv("DOOMSCOPE_API_KEY"); env != nullptr) options.api_key = env;
  }
  options.model_name = absl::GetFlag(FLAGS_served_model_name);
  if (options.model_name.empty()) options.model_name = std::filesystem::path(path).filename().string();
  options.engine.max_queue = absl::GetFlag(FLAGS_max_queue);
  options.engine.max_batch = absl::GetFlag(FLAGS_max_batch);
  options.engine.threads = absl::GetFlag(FLAGS_threads);
  options.request_timeout_s = absl::GetFlag(FLAGS_request_timeout);
  if (!results::IsLoopbackHost(options.host)) {
    std::cerr << "serve-model: warning: listening on " << options.host << ", not loopback"
              << (options.api_key.empty() ? " and without an API key" : "") << "\n";
  }
  absl::StatusOr<std::unique_ptr<serve::ModelServer>> server =
      serve::ModelServer::Start(*std::move(model), std::move(templates), options);
  if (!server.ok()) {
    std::cerr << server.status().message() << "\n";
    return server.status().code() == absl::StatusCode::kUnavailable ? kExitFailure : kExitBadInput;
  }
  const std::string shown_host =
      options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  std::cout << "serving " << options.model_name << " at http://" << shown_host << ":" << (*server)->port()
            << "/v1  (chat/completions, completions, models; /health; Ctrl-C stops)" << std::endl;
  (*server)->Wait();
  return kExitOk;
}

}  // namespace

Command ServeModelCommand() {
  return Command{
      .name = "serve-model",
      .summary = "Serve a model over an OpenAI-compatible HTTP API (loopback by default)",
      .usage = "doomscope serve-model --model PATH [--tokenizer PATH] [--host 127.0.0.1] [--port 8080]\n"
               "    [--api_key KEY] [--max_queue 64] [--max_batch 16] [--threads N]\n"
               "  POST /v1/completions and /v1/chat/completions (streaming or not; max_tokens, temperature,\n"
               "  top_p, top_k, min_p, seed, stop, n, logprobs (chat: logprobs + top_logprobs), stop_on_loop,\n"
               "  return_token_ids), GET /v1/models and /health. A request joins the running batch at the\n"
               "  next decode step. finish_reason is stop, length or loop. Errors use OpenAI's JSON shape.",
      .flags = {"model", "tokenizer", "host", "port", "api_key", "max_queue", "max_batch", "threads",
                "served_model_name", "request_timeout"},
      .run = &RunServeModel,
  };
}

}  // namespace doomscope
