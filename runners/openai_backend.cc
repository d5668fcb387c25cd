#include "runners/openai_backend.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "results/openai/openai_response.h"
#include "runners/text_loop_stop.h"

namespace doomscope {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kDefaultMaxNewTokens = 256;  // SamplingConfig's documented default

int Concurrency(const OpenAiBackend& c) { return c.concurrency() > 0 ? c.concurrency() : kDefaultOpenAiConcurrency; }
double TimeoutS(const OpenAiBackend& c) { return c.timeout_s() > 0 ? c.timeout_s() : kDefaultOpenAiTimeoutS; }
int MaxRetries(const OpenAiBackend& c) { return c.has_max_retries() ? c.max_retries() : kDefaultOpenAiMaxRetries; }

openai::ClientOptions ClientOptionsFor(const OpenAiBackend& c, std::string api_key) {
  openai::ClientOptions o;
  o.base_url = c.base_url();
  o.api_key = std::move(api_key);
  o.deadline_s = TimeoutS(c);
  o.read_timeout_s = std::min(o.read_timeout_s, o.deadline_s);
  o.connect_timeout_s = std::min(o.connect_timeout_s, o.deadline_s);
  o.max_retries = MaxRetries(c);
  return o;
}

json::Value MessageJson(const benchmarks::ChatMessage& m) {
  json::Value v = json::Object{{"role", m.role}, {"content", m.content}};
  if (!m.tool_calls.empty()) {
    json::Array calls;
    for (size_t i = 0; i < m.tool_calls.size(); ++i) {
      const benchmarks::ToolCall& call = m.tool_calls[i];
      calls.push_back(json::Object{
          {"id", call.id.empty() ? absl::StrCat("call_", i) : call.id},
          {"type", "function"},
          {"function", json::Object{{"name", call.name}, {"arguments", json::Serialize(call.arguments)}}}});
    }
    v.Set("tool_calls", std::move(calls));
  }
  if (!m.tool_call_id.empty()) v.Set("tool_call_id", m.tool_call_id);
  if (!m.name.empty()) v.Set("name", m.name);
  return v;
}

// Native tool calls, written into the text as one JSON object per call
// ({"name": ..., "arguments": {...}}), the form the call extractors read.
std::string ToolCallsText(const json::Value& calls) {
  std::string text;
  if (!calls.is_array()) return text;
  for (const json::Value& call : calls.as_array()) {
    const json::Value* f = call.Find("function");
    if (f == nullptr) continue;
    const json::Value* name = f->Find("name");
    const json::Value* args = f->Find("arguments");
    json::Value arguments = json::Object{};
    if (args != nullptr && args->is_string()) {
      absl::StatusOr<json::Value> parsed = json::Parse(args->as_string());
      arguments = parsed.ok() ? *std::move(parsed) : json::Value(args->as_string());
    } else if (args != nullptr) {
      arguments = *args;
    }
    if (!text.empty()) text += "\n";
    text += json::Serialize(json::Object{{"name", name != nullptr ? *name : json::Value("")},
                                         {"arguments", std::move(arguments)}});
  }
  return text;
}

FinishReason MapFinish(const std::string& reason) {
  if (reason == "length") return LENGTH;
  if (reason == "loop") return LOOP;
  return STOP;  // stop, tool_calls, eos, end_turn, content_filter, or none given
}

}  // namespace

absl::StatusOr<std::unique_ptr<OpenAiHttpBackend>> OpenAiHttpBackend::Create(const OpenAiBackend& config) {
  absl::StatusOr<std::string> key = openai::ApiKeyFromEnv(config.api_key_env());
  if (!key.ok()) return absl::InvalidArgumentError(absl::StrCat("backend.openai.api_key_env: ", key.status().message()));
  absl::StatusOr<openai::Client> client = openai::Client::Create(ClientOptionsFor(config, *std::move(key)));
  if (!client.ok()) return absl::InvalidArgumentError(absl::StrCat("backend.openai: ", client.status().message()));
  return std::unique_ptr<OpenAiHttpBackend>(new OpenAiHttpBackend(config, *std::move(client)));
}

std::string OpenAiHttpBackend::Version() const {
  return absl::StrCat("openai-compatible:", config_.base_url(), config_.model().empty() ? "" : " model ",
                      config_.model());
}

absl::Status OpenAiHttpBackend::LoadCheckpoint(const CheckpointConfig& checkpoint) {
  model_ = config_.model().empty() ? checkpoint.name() : config_.model();
  return absl::OkStatus();
}

BackendResult OpenAiHttpBackend::GenerateOne(const BackendRequest& r) const {
  BackendResult result;
  result.index = r.index;
  const SamplingConfig& s = r.sampling_config;
  result.max_new_tokens = s.max_new_tokens() > 0 ? s.max_new_tokens() : kDefaultMaxNewTokens;
  result.effective_max_tokens = result.max_new_tokens;  // the server's context is not known here
  const bool chat = r.format == PROMPT_FORMAT_CHAT ||
                    (r.format == PROMPT_FORMAT_AUTO && config_.chat_for_auto() && !r.chat.messages.empty());
  result.chat_format = chat;

  json::Value body = json::Object{{"model", model_}};
  if (chat) {
    json::Array messages;
    for (const benchmarks::ChatMessage& m : r.chat.messages) messages.push_back(MessageJson(m));
    body.Set("messages", std::move(messages));
    if (!r.chat.tools.empty()) {
      json::Array tools;
      for (const benchmarks::ToolDefinition& t : r.chat.tools) {
        tools.push_back(json::Object{{"type", "function"},
                                     {"function", json::Object{{"name", t.name},
                                                               {"description", t.description},
                                                               {"parameters", t.parameters}}}});
      }
      body.Set("tools", std::move(tools));
    }
    if (r.enable_thinking.has_value()) {
      // vLLM's and llama-server's way to pass template variables.
      body.Set("chat_template_kwargs", json::Object{{"enable_thinking", *r.enable_thinking}});
    }
  } else if (!r.prompt_tokens.empty()) {
    json::Array ids;
    for (int32_t id : r.prompt_tokens) ids.push_back(json::Value(static_cast<int64_t>(id)));
    body.Set("prompt", std::move(ids));
  } else {
    body.Set("prompt", r.prompt);
  }
  body.Set("max_tokens", result.max_new_tokens);
  body.Set("temperature", s.temperature());
  if (s.top_p() > 0 && s.top_p() < 1) body.Set("top_p", s.top_p());
  if (s.top_k() > 0) body.Set("top_k", static_cast<int64_t>(s.top_k()));
  if (s.min_p() > 0) body.Set("min_p", s.min_p());
  if (s.repetition_penalty() > 0 && s.repetition_penalty() != 1) body.Set("repetition_penalty", s.repetition_penalty());
  body.Set("seed", static_cast<int64_t>(r.seed));
  body.Set("return_token_ids", true);

  const LoopStopPolicy& policy = r.loop_stop;
  const bool watch = (policy.early_stop || policy.shadow) && policy.thresholds != nullptr;
  if (watch && policy.early_stop && config_.server_loop_stop()) body.Set("stop_on_loop", true);
  const std::string path = chat ? "/chat/completions" : "/completions";
  const Clock::time_point start = Clock::now();
  openai::Choice choice;
  int64_t server_detected_at = 0;
  if (!watch) {
    absl::StatusOr<json::Value> answer = client_.Post(path, body);
    if (!answer.ok()) {
      result.status = answer.status();
      result.attempts = openai::AttemptsOf(result.status);
      return result;
    }
    absl::StatusOr<std::vector<openai::Choice>> choices = openai::ParseChoices(*answer);
    if (!choices.ok() || choices->empty()) {
      result.status = absl::DataLossError(absl::StrCat(client_.Url(path), ": ",
                                                       choices.ok() ? "no choices" : choices.status().message()));
      return result;
    }
    choice = std::move((*choices)[0]);
    if (const json::Value* p = answer->Find("prompt_token_ids"); p != nullptr && p->is_array()) {
      for (const json::Value& id : p->as_array()) result.prompt_tokens.push_back(static_cast<int32_t>(id.as_int()));
    }
    if (const json::Value* c = answer->Find("choices"); c != nullptr && c->is_array() && !c->as_array().empty()) {
      if (const json::Value* d = c->as_array()[0].Find("loop_detected_at"); d != nullptr) server_detected_at = d->as_int();
    }
  } else {
    TextLoopStop rule(*policy.thresholds, result.max_new_tokens, result.effective_max_tokens);
    openai::StreamedChoices folded;
    absl::Status bad_chunk;
    int64_t fired_at = 0;
    absl::StatusOr<openai::StreamEnd> end = client_.Stream(path, body, [&](const json::Value& chunk) {
      std::string delta;
      int index = 0;
      if (absl::Status s = folded.Add(chunk, &delta, &index); !s.ok()) {
        bad_chunk = s;
        return false;
      }
      if (const json::Value* c = chunk.Find("choices"); c != nullptr && c->is_array() && !c->as_array().empty()) {
        if (const json::Value* d = c->as_array()[0].Find("loop_detected_at"); d != nullptr) {
          server_detected_at = d->as_int();
        }
      }
      if (index != 0 || delta.empty() || !rule.Push(delta)) return true;
      const openai::Choice& so_far = folded.at(0);
      fired_at = so_far.token_ids.has_value()
                     ? static_cast<int64_t>(so_far.token_ids->size())
                     : (rule.fired_at_chars() + 3) / 4;  // characters to tokens, as the rule assumes
      return !policy.early_stop;  // a shadow sample runs on
    });
    if (!end.ok() || !bad_chunk.ok()) {
      result.status = !end.ok() ? end.status()
                                : absl::DataLossError(absl::StrCat(client_.Url(path), ": ", bad_chunk.message()));
      result.attempts = openai::AttemptsOf(result.status);
      return result;
    }
    choice = folded.at(0);
    if (*end == openai::StreamEnd::kStopped) {
      choice.finish_reason = "loop";
      server_detected_at = fired_at;
    } else if (policy.shadow) {
      result.shadow_detected_at = fired_at;
    }
  }
  result.decode_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  result.text = std::move(choice.text);
  if (!choice.tool_calls.is_null()) {
    const std::string calls = ToolCallsText(choice.tool_calls);
    result.text = result.text.empty() ? calls : absl::StrCat(result.text, "\n", calls);
  }
  result.finish_reason = MapFinish(choice.finish_reason);
  if (result.finish_reason == LOOP) {
    result.detected_at = server_detected_at > 0 ? server_detected_at
                                                : (choice.token_ids ? static_cast<int64_t>(choice.token_ids->size()) : 0);
  }
  if (choice.token_ids.has_value()) result.tokens = std::move(choice.token_ids);
  if (result.prompt_tokens.empty()) result.prompt_tokens = r.prompt_tokens;
  return result;
}

absl::Status OpenAiHttpBackend::Generate(std::vector<BackendRequest> requests,
                                         const std::function<void(BackendResult)>& on_done) {
  std::atomic<size_t> next{0};
  // Requests in a row that could not reach the server; past the limit the
  // server counts as dead and the rest fail without trying.
  std::atomic<int> unreachable{0};
  const int dead_after = Concurrency(config_) + 4;
  std::mutex mu;  // on_done is called one result at a time
  std::string last_error;
  auto work = [&] {
    for (size_t i = next++; i < requests.size(); i = next++) {
      BackendResult result;
      if (unreachable.load() >= dead_after) {
        result.index = requests[i].index;
        result.attempts = 0;
        std::lock_guard<std::mutex> lock(mu);
        result.status = absl::UnavailableError(
            absl::StrCat("not sent: the server at ", config_.base_url(), " stopped answering (", dead_after,
                         " requests in a row failed; last: ", last_error, ")"));
      } else {
        result = GenerateOne(requests[i]);
        if (openai::IsRetryable(result.status)) {
          ++unreachable;
          std::lock_guard<std::mutex> lock(mu);
          last_error = std::string(result.status.message());
        } else {
          unreachable = 0;
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      on_done(std::move(result));
    }
  };
  const int n = static_cast<int>(std::min<size_t>(Concurrency(config_), requests.size()));
  std::vector<std::thread> threads;
  for (int t = 1; t < n; ++t) threads.emplace_back(work);
  if (n > 0) work();
  for (std::thread& t : threads) t.join();
  return absl::OkStatus();
}

}  // namespace doomscope
