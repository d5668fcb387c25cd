#include "runners/serve_model/model_server.h"

#include <atomic>
#include <chrono>
#include <ctime>
#include <random>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "results/json/json.h"
#include "runners/serve_model/completion_request.h"
#include "runners/serve_model/logprobs_json.h"

namespace doomscope::serve {
namespace {

using results::BoundedHttpServer;

void SetJson(httplib::Response& res, int status, const json::Value& v) {
  res.status = status;
  res.set_content(json::Serialize(v), "application/json");
}

// OpenAI's error shape.
json::Value ErrorJson(std::string_view message, std::string_view type, std::string_view param = "") {
  return json::Object{{"error", json::Object{{"message", message},
                                             {"type", type},
                                             {"param", param.empty() ? json::Value() : json::Value(param)},
                                             {"code", json::Value()}}}};
}

void SetError(httplib::Response& res, int status, std::string_view message, std::string_view param = "") {
  const char* type = status == 401   ? "authentication_error"
                     : status == 404 ? "not_found_error"
                     : status == 503 ? "unavailable_error"
                     : status == 504 ? "timeout_error"
                     : status >= 500 ? "server_error"
                                     : "invalid_request_error";
  SetJson(res, status, ErrorJson(message, type, param));
}

json::Value IdsJson(const std::vector<int32_t>& ids) {
  json::Array a;
  a.reserve(ids.size());
  for (int32_t id : ids) a.push_back(json::Value(static_cast<int64_t>(id)));
  return a;
}

// Waits this long at most between two checks of the client's connection.
constexpr auto kPollInterval = std::chrono::milliseconds(50);

// What one request asked for, ready to answer.
struct Job {
  CompletionRequest request;
  std::vector<int32_t> prompt_tokens;
  std::vector<std::shared_ptr<Sequence>> sequences;
  std::string id;
  int64_t created = 0;
  std::string model;

  void CancelAll() const {
    for (const auto& s : sequences) s->Cancel();
  }
};

}  // namespace

struct ModelServer::Impl {
  Impl(engine::LoadedModel m, std::optional<engine::ModelChatTemplates> t, const ModelServerOptions& o)
      : model(std::move(m)), templates(std::move(t)), options(o), server(o.http) {}

  engine::LoadedModel model;
  std::optional<engine::ModelChatTemplates> templates;
  ModelServerOptions options;
  std::unique_ptr<EngineLoop> engine;
  BoundedHttpServer server;
  int port = 0;
  std::atomic<uint64_t> next_id{1};

  bool Authorized(const httplib::Request& req, httplib::Response& res) const {
    if (options.api_key.empty()) return true;
    if (req.get_header_value("Authorization") == absl::StrCat("Bearer ", options.api_key)) return true;
    SetError(res, 401, "missing or wrong API key (send \"Authorization: Bearer KEY\")");
    return false;
  }

  void HandleModels(const httplib::Request& req, httplib::Response& res) const {
    if (!Authorized(req, res)) return;
    SetJson(res, 200,
            json::Object{{"object", "list"},
                         {"data", json::Array{json::Object{
                                      {"id", options.model_name},
                                      {"object", "model"},
                                      {"created", static_cast<int64_t>(std::time(nullptr))},
                                      {"owned_by", "doomscope"},
                                      {"max_model_len", static_cast<int64_t>(engine->max_context())},
                                      {"chat_template", templates.has_value()},
                                  }}}});
  }

  // The prompt of a request as token ids; false after answering 400.
  bool PromptTokens(const CompletionRequest& r, std::vector<int32_t>* out, httplib::Response& res) const {
    const engine::Tokenizer& tok = model.tokenizer;
    if (!r.chat) {
      *out = r.prompt_tokens.empty() ? tok.Encode(r.prompt, /*add_bos=*/true) : r.prompt_tokens;
    } else if (templates.has_value()) {
      engine::ChatRequest chat;
      chat.messages = r.messages;
      chat.tools = r.tools;
      chat.enable_thinking = r.enable_thinking;
      absl::StatusOr<std::string> text = engine::RenderChat(*templates, chat);
      if (!text.ok()) {
        SetError(res, 400, absl::StrCat("the chat template refused the messages: ", text.status().message()),
                 "messages");
        return false;
      }
      engine::EncodeOptions options;
      options.add_special = false;  // the template wrote the special tokens
      options.parse_special = tok.special_ids().parse_special_by_default;
      *out = tok.Encode(*text, options);
    } else {
      *out = tok.Encode(PlainChatPrompt(r.messages), /*add_bos=*/true);
    }
    const char* param = r.chat ? "messages" : "prompt";
    if (out->empty()) {
      SetError(res, 400, "the prompt is empty (no tokens)", param);
      return false;
    }
    const int vocab = model.weights.config.vocab_size;
    for (int32_t id : *out) {
      if (id >= vocab) {
        SetError(res, 400, absl::StrCat("prompt token id ", id, " is outside the vocabulary of ", vocab), param);
        return false;
      }
    }
    const int64_t ctx = engine->max_context();
    if (static_cast<int64_t>(out->size()) >= ctx) {
      SetError(res, 400,
               absl::StrCat("the prompt of ", out->size(), " tokens leaves no room in the model's context of ",
                            ctx, " tokens"),
               param);
      return false;
    }
    return true;
  }

  void HandleCompletion(const httplib::Request& req, httplib::Response& res, bool chat) {
    if (!Authorized(req, res)) return;
    absl::StatusOr<json::Value> body = json::Parse(req.body);
    if (!body.ok()) {
      SetError(res, 400, absl::StrCat("the body is not JSON: ", body.status().message()));
      return;
    }
    auto job = std::make_shared<Job>();
    RequestError error;
    if (!ParseCompletionRequest(*body, chat, &job->request, &error)) {
      SetError(res, 400, error.message, error.param);
      return;
    }
    const CompletionRequest& r = job->request;
    if (!PromptTokens(r, &job->prompt_tokens, res)) return;
    engine::SamplingParams sampling;
    sampling.temperature = static_cast<float>(r.temperature);
    sampling.top_p = static_cast<float>(r.top_p);
    sampling.top_k = r.top_k;
    sampling.min_p = static_cast<float>(r.min_p);
    sampling.repetition_penalty = static_cast<float>(r.repetition_penalty);
    sampling.seed = 0;  // the sequence id carries the seed, as in the runner's engine backend
    if (absl::Status s = engine::ValidateSamplingParams(sampling); !s.ok()) {
      SetError(res, 400, std::string(s.message()));
      return;
    }
    const int64_t room = engine->max_context() - static_cast<int64_t>(job->prompt_tokens.size());
    const int64_t max_new = r.max_tokens.value_or(room);
    uint64_t seed = 0;
    if (r.seed.has_value()) {
      seed = *r.seed;
    } else {
      thread_local std::mt19937_64 rng{std::random_device{}()};
      seed = rng();
    }
    const auto deadline =
        Clock::now() + std::chrono::microseconds(static_cast<int64_t>(options.request_timeout_s * 1e6));
    for (int i = 0; i < r.n; ++i) {
      auto s = std::make_shared<Sequence>();
      s->prompt_tokens = job->prompt_tokens;
      s->max_new_tokens = max_new;
      s->effective_max_tokens = std::min(max_new, room);
      s->sampling = sampling;
      s->id = seed + static_cast<uint64_t>(i);
      s->stop = r.stop;
      s->stop_on_loop = r.stop_on_loop;
      s->logprobs = r.logprobs.value_or(-1);
      s->deadline = deadline;
      job->sequences.push_back(std::move(s));
    }
    job->id = absl::StrCat(chat ? "chatcmpl-" : "cmpl-", next_id++);
    job->created = static_cast<int64_t>(std::time(nullptr));
    job->model = r.model.empty() ? options.model_name : r.model;
    if (absl::Status s = engine->Submit(job->sequences); !s.ok()) {
      SetError(res, absl::IsResourceExhausted(s) ? 503 : 500, std::string(s.message()));
      return;
    }
    if (r.stream) {
      Stream(job, res);
    } else {
      Answer(*job, res);
    }
  }

  // Non-streamed: waits for every choice, cancelling them if the client leaves.
  void Answer(const Job& job, httplib::Response& res) const {
    const int sock = BoundedHttpServer::CurrentSocket();
    std::vector<Sequence::Snapshot> done;
    for (const auto& s : job.sequences) {
      while (true) {
        Sequence::Snapshot snap = s->WaitForMore(std::string::npos, Clock::now() + kPollInterval);
        if (snap.end != SequenceEnd::kRunning) {
          done.push_back(std::move(snap));
          break;
        }
        if (BoundedHttpServer::PeerClosed(sock)) {
          job.CancelAll();
          res.status = 499;  // nobody reads it
          return;
        }
      }
    }
    json::Array choices;
    int64_t completion_tokens = 0;
    for (size_t i = 0; i < done.size(); ++i) {
      const Sequence::Snapshot& d = done[i];
      if (d.end == SequenceEnd::kTimeout) {
        SetError(res, 504, absl::StrCat("generation passed the server's request timeout of ",
                                        options.request_timeout_s, " s"));
        return;
      }
      if (d.end != SequenceEnd::kStop && d.end != SequenceEnd::kLength && d.end != SequenceEnd::kLoop) {
        SetError(res, 500, d.error.empty() ? "generation failed" : d.error);
        return;
      }
      completion_tokens += static_cast<int64_t>(d.tokens.size());
      json::Value choice = json::Object{{"index", static_cast<int64_t>(i)}};
      if (job.request.chat) {
        choice.Set("message", json::Object{{"role", "assistant"}, {"content", d.text}});
      } else {
        choice.Set("text", d.text);
      }
      if (job.request.logprobs.has_value()) {
        choice.Set("logprobs", LogprobsJson(job, d, 0, d.tokens.size()));
      } else if (!job.request.chat) {
        choice.Set("logprobs", json::Value());
      }
      choice.Set("finish_reason", FinishReasonName(d.end));
      if (d.end == SequenceEnd::kLoop) choice.Set("loop_detected_at", d.detected_at);
      if (job.request.return_token_ids) choice.Set("token_ids", IdsJson(d.tokens));
      choices.push_back(std::move(choice));
    }
    json::Value answer = Envelope(job, job.request.chat ? "chat.completion" : "text_completion");
    answer.Set("choices", std::move(choices));
    answer.Set("usage", Usage(job, completion_tokens));
    if (job.request.return_token_ids) answer.Set("prompt_token_ids", IdsJson(job.prompt_tokens));
    SetJson(res, 200, answer);
  }

  // The logprobs of tokens [from, to) of a choice, in the endpoint's shape.
  json::Value LogprobsJson(const Job& job, const Sequence::Snapshot& snap, size_t from, size_t to) const {
    const SequenceLogprobs seq{job.prompt_tokens.back(), snap.tokens, snap.logprobs, snap.text_offsets};
    return job.request.chat ? ChatLogprobsJson(model.tokenizer, seq, from, to)
                            : CompletionLogprobsJson(model.tokenizer, seq, from, to);
  }

  json::Value Envelope(const Job& job, const char* object) const {
    return json::Object{{"id", job.id}, {"object", object}, {"created", job.created}, {"model", job.model}};
  }

  static json::Value Usage(const Job& job, int64_t completion_tokens) {
    const auto prompt = static_cast<int64_t>(job.prompt_tokens.size() * job.sequences.size());
    return json::Object{{"prompt_tokens", prompt},
                        {"completion_tokens", completion_tokens},
                        {"total_tokens", prompt + completion_tokens}};
  }

  // Streamed: one chunk per new piece of text of any choice, a last chunk per
  // choice with its finish_reason, the usage if asked, then [DONE]. A write
  // that fails (the client left) cancels the request's sequences.
  void Stream(const std::shared_ptr<Job>& job, httplib::Response& res) {
    struct State {
      std::vector<size_t> sent_bytes;
      std::vector<size_t> sent_tokens;
      std::vector<char> finished;
      bool role_sent = false;
      int64_t completion_tokens = 0;
    };
    auto state = std::make_shared<State>();
    state->sent_bytes.assign(job->sequences.size(), 0);
    state->sent_tokens.assign(job->sequences.size(), 0);
    state->finished.assign(job->sequences.size(), 0);
    const bool chat = job->request.chat;
    const char* object = chat ? "chat.completion.chunk" : "text_completion";
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, job, state, chat, object](size_t, httplib::DataSink& sink) {
          auto send = [&](const json::Value& v) {
            std::string event = "data: ";
            json::AppendSerialized(v, &event);
            event += "\n\n";
            return sink.write(event.data(), event.size());
          };
          auto chunk = [&](int64_t index, json::Value fields) {
            json::Value c = Envelope(*job, object);
            json::Value choice = json::Object{{"index", index}};
            for (auto& [k, v] : fields.mutable_object()) choice.Set(k, std::move(v));
            if (!choice.Find("finish_reason")) choice.Set("finish_reason", json::Value());
            c.Set("choices", json::Array{std::move(choice)});
            return c;
          };
          if (chat && !state->role_sent) {
            state->role_sent = true;
            for (size_t i = 0; i < job->sequences.size(); ++i) {
              if (!send(chunk(static_cast<int64_t>(i),
                              json::Object{{"delta", json::Object{{"role", "assistant"}, {"content", ""}}}}))) {
                job->CancelAll();
                return false;
              }
            }
          }
          // Wait (briefly) for news from the first unfinished choice, then
          // send what every choice has.
          for (size_t i = 0; i < job->sequences.size(); ++i) {
            if (state->finished[i]) continue;
            (void)job->sequences[i]->WaitForMore(state->sent_bytes[i], Clock::now() + kPollInterval);
            break;
          }
          bool all_done = true;
          for (size_t i = 0; i < job->sequences.size(); ++i) {
            if (state->finished[i]) continue;
            const Sequence::Snapshot snap = job->sequences[i]->WaitForMore(0, Clock::now());
            const auto index = static_cast<int64_t>(i);
            if (snap.end == SequenceEnd::kTimeout || snap.end == SequenceEnd::kError ||
                snap.end == SequenceEnd::kCancelled) {
              const std::string message = snap.end == SequenceEnd::kTimeout
                                              ? "generation passed the server's request timeout"
                                              : (snap.error.empty() ? "generation failed" : snap.error);
              send(ErrorJson(message, snap.end == SequenceEnd::kTimeout ? "timeout_error" : "server_error"));
              job->CancelAll();
              sink.done();
              return true;
            }
            const bool ended = snap.end != SequenceEnd::kRunning;
            const size_t bytes = snap.text.size();
            const size_t ntok = snap.tokens.size();
            if (bytes > state->sent_bytes[i] || ntok > state->sent_tokens[i]) {
              const std::string delta = snap.text.substr(state->sent_bytes[i]);
              json::Value fields = chat ? json::Object{{"delta", json::Object{{"content", delta}}}}
                                        : json::Object{{"text", delta}};
              if (job->request.return_token_ids) {
                fields.Set("token_ids", IdsJson(std::vector<int32_t>(snap.tokens.begin() + state->sent_tokens[i],
                                                                     snap.tokens.begin() + ntok)));
              }
              if (job->request.logprobs.has_value()) {
                fields.Set("logprobs", LogprobsJson(*job, snap, state->sent_tokens[i], ntok));
              }
              if (!send(chunk(index, std::move(fields)))) {
                job->CancelAll();
                return false;
              }
              state->sent_bytes[i] = bytes;
              state->sent_tokens[i] = ntok;
            }
            if (!ended) {
              all_done = false;
              continue;
            }
            json::Value fields = chat ? json::Object{{"delta", json::Object{}}} : json::Object{{"text", ""}};
            fields.Set("finish_reason", FinishReasonName(snap.end));
            if (snap.end == SequenceEnd::kLoop) fields.Set("loop_detected_at", snap.detected_at);
            if (!send(chunk(index, std::move(fields)))) {
              job->CancelAll();
              return false;
            }
            state->finished[i] = 1;
            state->completion_tokens += static_cast<int64_t>(snap.tokens.size());
          }
          if (!all_done) return true;
          if (job->request.include_usage) {
            json::Value u = Envelope(*job, object);
            u.Set("choices", json::Array{});
            u.Set("usage", Usage(*job, state->completion_tokens));
            send(u);
          }
          static constexpr char kDone[] = "data: [DONE]\n\n";
          sink.write(kDone, sizeof(kDone) - 1);
          sink.done();
          return true;
        },
        [job](bool) { job->CancelAll(); });
  }
};

ModelServer::ModelServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ModelServer::~ModelServer() { Stop(); }

int ModelServer::port() const { return impl_->port; }

absl::StatusOr<std::unique_ptr<ModelServer>> ModelServer::Start(
    engine::LoadedModel model, std::optional<engine::ModelChatTemplates> templates,
    const ModelServerOptions& options) {
  if (options.port < 0 || options.port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("serve-model: --port ", options.port, " is out of range"));
  }
  if (!(options.request_timeout_s > 0)) {
    return absl::InvalidArgumentError("serve-model: the request timeout must be > 0");
  }
  auto impl = std::make_unique<Impl>(std::move(model), std::move(templates), options);
  absl::StatusOr<std::unique_ptr<EngineLoop>> engine = EngineLoop::Start(impl->model, options.engine);
  if (!engine.ok()) return engine.status();
  impl->engine = *std::move(engine);
  Impl* self = impl.get();
  BoundedHttpServer& s = impl->server;
  s.set_payload_max_length(options.max_body_bytes);
  s.set_default_headers({{"Cache-Control", "no-store"}});
  s.Get("/health", [self](const httplib::Request&, httplib::Response& r) {
    const EngineLoop::Load load = self->engine->load();
    SetJson(r, 200,
            json::Object{{"status", "ok"},
                         {"sequences_waiting", static_cast<int64_t>(load.waiting)},
                         {"sequences_running", static_cast<int64_t>(load.running)}});
  });
  s.Get("/v1/models", [self](const httplib::Request& q, httplib::Response& r) { self->HandleModels(q, r); });
  s.Post("/v1/completions",
         [self](const httplib::Request& q, httplib::Response& r) { self->HandleCompletion(q, r, false); });
  s.Post("/v1/chat/completions",
         [self](const httplib::Request& q, httplib::Response& r) { self->HandleCompletion(q, r, true); });
  s.set_error_handler([](const httplib::Request&, httplib::Response& r) {
    if (!r.body.empty()) return;
    if (r.status == 413) {
      SetError(r, 413, "the request body is larger than the server accepts");
    } else {
      SetError(r, r.status, r.status == 404 ? "no such route" : "bad request");
    }
  });
  absl::StatusOr<int> port = s.StartServing(options.host, options.port, "serve-model");
  if (!port.ok()) return port.status();
  impl->port = *port;
  return std::unique_ptr<ModelServer>(new ModelServer(std::move(impl)));
}

void ModelServer::Stop() {
  impl_->engine->Shutdown();  // handlers waiting on a generation return at once
  impl_->server.StopServing();
}

void ModelServer::Wait() { impl_->server.WaitServing(); }

}  // namespace doomscope::serve
