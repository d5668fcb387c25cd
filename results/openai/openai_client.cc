#include "results/openai/openai_client.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "results/openai/base_url.h"
#include "results/openai/sse_parser.h"

namespace doomscope::openai {
namespace {

using Clock = std::chrono::steady_clock;

// Closes the client's socket when `seconds` pass before it is destroyed, so a
// server that keeps sending a byte now and then cannot outlast the deadline.
class Watchdog {
 public:
  Watchdog(httplib::Client& client, double seconds)
      : until_(Clock::now() + std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6))),
        thread_([this, &client] {
          std::unique_lock<std::mutex> lock(mu_);
          if (!cv_.wait_until(lock, until_, [this] { return done_; })) {
            expired_ = true;
            client.stop();
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  bool expired() const { return expired_.load(); }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::atomic<bool> expired_{false};
  Clock::time_point until_;
  std::thread thread_;  // last: starts once the members above exist
};

void SetTimeout(double seconds, const std::function<void(time_t, time_t)>& set) {
  const auto us = static_cast<int64_t>(seconds * 1e6);
  set(static_cast<time_t>(us / 1000000), static_cast<time_t>(us % 1000000));
}

// The server's own words from an error body: OpenAI's {"error": {"message"}},
// {"error": "text"}, {"message": ...}, {"detail": ...}; else the body's start.
std::string ServerMessage(const std::string& body) {
  absl::StatusOr<json::Value> v = json::Parse(body);
  if (v.ok() && v->is_object()) {
    const json::Value* e = v->Find("error");
    if (e != nullptr && e->is_object()) {
      const json::Value* m = e->Find("message");
      if (m != nullptr && m->is_string()) return m->as_string();
    }
    if (e != nullptr && e->is_string()) return e->as_string();
    for (const char* key : {"message", "detail"}) {
      const json::Value* m = v->Find(key);
      if (m != nullptr && m->is_string()) return m->as_string();
    }
  }
  std::string text = body.substr(0, 300);
  if (body.size() > text.size()) text += "...";
  return std::string(absl::StripAsciiWhitespace(text));
}

// Payload type URLs (absl::Status::SetPayload).
constexpr char kHttpStatusPayload[] = "doomscope.openai/http_status";
constexpr char kAttemptsPayload[] = "doomscope.openai/attempts";

absl::Status HttpErrorStatus(int status, const std::string& message) {
  if (status == 400 || status == 422) return absl::InvalidArgumentError(message);
  if (status == 401) return absl::UnauthenticatedError(message);
  if (status == 403) return absl::PermissionDeniedError(message);
  if (status == 404) return absl::NotFoundError(message);
  if (status == 408 || status == 429) return absl::ResourceExhaustedError(message);
  if (status >= 500) return absl::UnavailableError(message);
  return absl::FailedPreconditionError(message);
}

absl::Status HttpError(int status, const std::string& where, const std::string& body) {
  absl::Status s = HttpErrorStatus(status, absl::StrCat(where, ": HTTP ", status, ": ", ServerMessage(body)));
  s.SetPayload(kHttpStatusPayload, absl::Cord(absl::StrCat(status)));
  return s;
}

int IntPayload(const absl::Status& status, const char* key, int fallback) {
  const auto payload = status.GetPayload(key);  // absl::optional on Debian's Abseil
  int value = 0;
  if (!payload.has_value() || !absl::SimpleAtoi(std::string(*payload), &value)) return fallback;
  return value;
}

double Jitter(double max_s) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, std::max(0.0, max_s))(rng);
}

bool Finite(double x, double lo) { return std::isfinite(x) && x >= lo; }

}  // namespace

absl::StatusOr<std::string> ApiKeyFromEnv(std::string_view name) {
  if (name.empty()) return std::string();
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr || *value == '\0') {
    return absl::InvalidArgumentError(absl::StrCat("environment variable ", std::string(name), " (the API key) is not set"));
  }
  return std::string(value);
}

std::optional<int> HttpStatusOf(const absl::Status& status) {
  const int code = IntPayload(status, kHttpStatusPayload, 0);
  return code > 0 ? std::optional<int>(code) : std::nullopt;
}

int AttemptsOf(const absl::Status& status) { return IntPayload(status, kAttemptsPayload, 1); }

bool IsRetryable(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status) || absl::IsResourceExhausted(status);
}

absl::StatusOr<Client> Client::Create(ClientOptions options) {
  absl::StatusOr<BaseUrl> url = SplitBaseUrl(options.base_url);
  if (!url.ok()) return url.status();
  if (!Finite(options.connect_timeout_s, 1e-3) || !Finite(options.read_timeout_s, 1e-3) ||
      !Finite(options.deadline_s, 1e-3) || !Finite(options.backoff_initial_s, 0) ||
      !Finite(options.backoff_max_s, 0) || options.max_retries < 0 || options.max_response_bytes == 0) {
    return absl::InvalidArgumentError(
        "client limits must be finite: timeouts and deadline > 0, backoff >= 0, max_retries >= 0");
  }
  Client client(std::move(options));
  client.origin_ = std::move(url->origin);
  client.prefix_ = std::move(url->prefix);
  return client;
}

std::string Client::Url(std::string_view path) const { return absl::StrCat(origin_, prefix_, std::string(path)); }

absl::Status Client::Send(std::string_view method, std::string_view path, const std::string* body,
                          const std::function<bool(std::string_view)>& on_body, double* retry_after_s) const {
  const std::string where = absl::StrCat(std::string(method), " ", Url(path));
  httplib::Client http(origin_);
  http.set_keep_alive(false);
  SetTimeout(options_.connect_timeout_s, [&](time_t s, time_t us) { http.set_connection_timeout(s, us); });
  SetTimeout(options_.read_timeout_s, [&](time_t s, time_t us) { http.set_read_timeout(s, us); });
  SetTimeout(options_.read_timeout_s, [&](time_t s, time_t us) { http.set_write_timeout(s, us); });

  httplib::Request req;
  req.method = std::string(method);
  req.path = absl::StrCat(prefix_, std::string(path));
  req.set_header("Accept", "application/json, text/event-stream");
  if (!options_.api_key.empty()) req.set_header("Authorization", absl::StrCat("Bearer ", options_.api_key));
  if (body != nullptr) {
    req.body = *body;
    req.set_header("Content-Type", "application/json");
  }
  int status = 0;
  std::string error_body;
  bool stopped = false;
  req.response_handler = [&](const httplib::Response& res) {
    status = res.status;
    double seconds = 0;
    if (res.has_header("Retry-After") && absl::SimpleAtod(res.get_header_value("Retry-After"), &seconds) &&
        std::isfinite(seconds)) {
      *retry_after_s = seconds;
    }
    return true;
  };
  Watchdog watchdog(http, options_.deadline_s);
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    if (watchdog.expired()) return false;
    if (status < 200 || status > 299) {
      if (error_body.size() < 65536) error_body.append(data, std::min<size_t>(n, 65536 - error_body.size()));
      return true;
    }
    if (!on_body(std::string_view(data, n))) {
      stopped = true;
      return false;
    }
    return true;
  };
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  const bool ok = http.send(req, res, error);
  if (stopped) return absl::OkStatus();
  if (watchdog.expired()) {
    return absl::DeadlineExceededError(
        absl::StrCat(where, ": no complete answer within the deadline of ", options_.deadline_s, " s"));
  }
  if (!ok) {
    switch (error) {
      case httplib::Error::Connection:
        return absl::UnavailableError(absl::StrCat(where, ": cannot connect (", httplib::to_string(error), ")"));
      case httplib::Error::ConnectionTimeout:
        return absl::DeadlineExceededError(
            absl::StrCat(where, ": connection timed out after ", options_.connect_timeout_s, " s"));
      case httplib::Error::Read:
        return absl::UnavailableError(absl::StrCat(
            where, ": reading the answer failed (connection closed, or silent for ", options_.read_timeout_s,
            " s)"));
      default:
        return absl::UnavailableError(absl::StrCat(where, ": ", httplib::to_string(error)));
    }
  }
  if (status < 200 || status > 299) return HttpError(status, where, error_body);
  return absl::OkStatus();
}

absl::Status Client::SendWithRetries(std::string_view method, std::string_view path, const std::string* body,
                                     const std::function<bool(std::string_view)>& on_body,
                                     const std::function<void()>& on_retry, const bool* delivered) const {
  for (int attempt = 0;; ++attempt) {
    double retry_after_s = 0;
    absl::Status s = Send(method, path, body, on_body, &retry_after_s);
    if (s.ok() || !IsRetryable(s) || attempt >= options_.max_retries || (delivered != nullptr && *delivered)) {
      if (s.ok()) return s;
      absl::Status failed =
          attempt > 0 ? absl::Status(s.code(), absl::StrCat(s.message(), " (after ", attempt + 1, " attempts)")) : s;
      if (const std::optional<int> http = HttpStatusOf(s)) {
        failed.SetPayload(kHttpStatusPayload, absl::Cord(absl::StrCat(*http)));
      }
      failed.SetPayload(kAttemptsPayload, absl::Cord(absl::StrCat(attempt + 1)));
      return failed;
    }
    const double cap = std::min(options_.backoff_max_s, options_.backoff_initial_s * std::ldexp(1.0, attempt));
    const double wait_s = std::min(options_.backoff_max_s, std::max(Jitter(cap), retry_after_s));
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(wait_s * 1e6)));
    if (on_retry) on_retry();
  }
}

absl::StatusOr<json::Value> Client::Post(std::string_view path, const json::Value& body) const {
  const std::string text = json::Serialize(body);
  return Exchange("POST", path, &text);
}

absl::StatusOr<json::Value> Client::Get(std::string_view path) const { return Exchange("GET", path, nullptr); }

absl::StatusOr<json::Value> Client::Exchange(std::string_view method, std::string_view path,
                                             const std::string* body) const {
  std::string answer;
  bool too_big = false;
  absl::Status s = SendWithRetries(
      method, path, body,
      [&](std::string_view piece) {
        if (answer.size() + piece.size() > options_.max_response_bytes) {
          too_big = true;
          return false;
        }
        answer.append(piece);
        return true;
      },
      [&] {
        answer.clear();
        too_big = false;
      },
      nullptr);
  const std::string where = absl::StrCat(std::string(method), " ", Url(path));
  if (!s.ok()) return s;
  if (too_big) {
    return absl::OutOfRangeError(
        absl::StrCat(where, ": answer larger than ", options_.max_response_bytes, " bytes"));
  }
  absl::StatusOr<json::Value> v = json::Parse(answer);
  if (!v.ok()) {
    return absl::DataLossError(absl::StrCat(where, ": the answer is not JSON (", v.status().message(), ")"));
  }
  return v;
}

absl::StatusOr<StreamEnd> Client::Stream(std::string_view path, json::Value body, const OnChunk& on_chunk) const {
  body.Set("stream", true);
  const std::string text = json::Serialize(body);
  const std::string where = absl::StrCat("POST ", Url(path));
  bool delivered = false;
  bool done = false;
  bool stopped = false;
  absl::Status failure;
  auto on_event = [&](std::string_view data) {
    if (absl::StripAsciiWhitespace(absl::string_view(data.data(), data.size())) == "[DONE]") {
      done = true;
      return false;
    }
    absl::StatusOr<json::Value> chunk = json::Parse(data);
    if (!chunk.ok()) {
      failure = absl::DataLossError(
          absl::StrCat(where, ": a streamed event is not JSON (", chunk.status().message(), ")"));
      return false;
    }
    if (const json::Value* e = chunk->Find("error"); e != nullptr && !e->is_null()) {
      failure = absl::UnavailableError(
          absl::StrCat(where, ": the server ended the stream with an error: ", ServerMessage(std::string(data))));
      return false;
    }
    delivered = true;
    if (!on_chunk(*chunk)) {
      stopped = true;
      return false;
    }
    return true;
  };
  std::unique_ptr<SseParser> parser;
  auto reset = [&] {
    parser = std::make_unique<SseParser>(on_event, options_.max_response_bytes);
    done = stopped = false;
    failure = absl::OkStatus();
  };
  reset();
  absl::Status s = SendWithRetries(
      "POST", path, &text,
      [&](std::string_view piece) {
        if (absl::Status p = parser->Feed(piece); !p.ok()) {
          failure = absl::DataLossError(absl::StrCat(where, ": ", p.message()));
          return false;
        }
        return !parser->stopped();
      },
      reset, &delivered);
  if (!s.ok()) return s;
  if (failure.ok() && !done && !stopped) (void)parser->Finish();
  if (!failure.ok()) return failure;
  return stopped ? StreamEnd::kStopped : StreamEnd::kDone;
}

}  // namespace doomscope::openai
