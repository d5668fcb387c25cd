// A small client for OpenAI-compatible HTTP servers (doomscope serve-model,
// llama.cpp's llama-server, vLLM, SGLang, api.openai.com).
//
//   Client client = *Client::Create({.base_url = "http://127.0.0.1:8080/v1"});
//   StatusOr<json::Value> r = client.Post("/chat/completions", body);     // one JSON answer
//   client.Stream("/chat/completions", body, [](const json::Value& chunk) {
//     ...; return true;  // false closes the stream (early stop)
//   });
//
// Transport: cpp-httplib, one connection per attempt (so a Client may be used
// from many threads at once). Each attempt is bounded: the connection by
// connect_timeout_s, every read by read_timeout_s, the whole attempt by
// deadline_s (a watchdog closes the socket when it passes, so a server that
// trickles bytes cannot hold a caller either).
//
// Retries: connection errors, timeouts, HTTP 408, 429 and 5xx are retried up
// to max_retries times with exponential backoff and full jitter (a random wait
// in [0, min(backoff_max_s, backoff_initial_s * 2^attempt)]; a Retry-After
// header in seconds raises the wait, within backoff_max_s). Other 4xx answers
// are final. A stream is retried only until its first event has reached the
// caller: after that a failure is returned, never replayed.
//
// Errors are absl::Status values that name the method, the URL and the
// server's own message ({"error": {"message": ...}} or the start of the body):
//   400 -> InvalidArgument, 401 -> Unauthenticated, 403 -> PermissionDenied,
//   404 -> NotFound, 408/429 -> ResourceExhausted, 5xx -> Unavailable,
//   connection failures -> Unavailable, timeouts -> DeadlineExceeded.
#ifndef DOOMSCOPE_RESULTS_OPENAI_OPENAI_CLIENT_H_
#define DOOMSCOPE_RESULTS_OPENAI_OPENAI_CLIENT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "results/json/json.h"

namespace doomscope::openai {

struct ClientOptions {
  // Where the API lives, with its version path: "http://127.0.0.1:8080/v1".
  // http and https are accepted.
  std::string base_url;
  // Sent as "Authorization: Bearer KEY" when not empty.
  std::string api_key;
  double connect_timeout_s = 10;
  double read_timeout_s = 60;   // the longest silence between two reads
  double deadline_s = 120;      // one attempt, from connect to the last byte
  int max_retries = 4;
  double backoff_initial_s = 0.5;
  double backoff_max_s = 30;
  // Largest body accepted (a non-streamed answer, or one streamed event).
  size_t max_response_bytes = size_t{64} << 20;
};

// The value of environment variable `name`: empty `name` gives "", an unset or
// empty variable is an error naming it.
absl::StatusOr<std::string> ApiKeyFromEnv(std::string_view name);

// Whether a failed call is worth retrying (see the header comment).
bool IsRetryable(const absl::Status& status);

// What a failed call's status carries besides its message (absl::Status
// payloads, so callers need not parse the text): the HTTP status of the last
// answer (nullopt when none came: connection failures, timeouts), and the
// attempts made (1 when the status did not come from Post/Get/Stream).
std::optional<int> HttpStatusOf(const absl::Status& status);
int AttemptsOf(const absl::Status& status);

// How a stream ended.
enum class StreamEnd {
  kDone,     // the server sent "data: [DONE]" or closed the stream
  kStopped,  // the callback returned false; the connection was closed
};

class Client {
 public:
  // Checks the options (a URL with scheme and host, finite positive limits).
  static absl::StatusOr<Client> Create(ClientOptions options);

  // POST `path` (appended to base_url, e.g. "/chat/completions") with a JSON
  // body; the JSON answer of a 2xx response.
  absl::StatusOr<json::Value> Post(std::string_view path, const json::Value& body) const;

  // GET `path` (e.g. "/models").
  absl::StatusOr<json::Value> Get(std::string_view path) const;

  // POST with "stream": true set in `body`; `on_chunk` sees each streamed
  // JSON object in order and returns false to stop (the connection is closed
  // at once, which stops generation on servers that watch for it). An event
  // holding {"error": ...} ends the stream with that error.
  using OnChunk = std::function<bool(const json::Value& chunk)>;
  absl::StatusOr<StreamEnd> Stream(std::string_view path, json::Value body, const OnChunk& on_chunk) const;

  const ClientOptions& options() const { return options_; }
  // base_url + path, as it appears in errors.
  std::string Url(std::string_view path) const;

 private:
  explicit Client(ClientOptions options) : options_(std::move(options)) {}

  // One HTTP exchange. `on_body` receives the body of a 2xx answer in pieces
  // (returning false ends the exchange, which then counts as a success);
  // `*retry_after_s` is set from a Retry-After header.
  absl::Status Send(std::string_view method, std::string_view path, const std::string* body,
                    const std::function<bool(std::string_view)>& on_body, double* retry_after_s) const;
  // Send, retried as the header comment says; `on_retry` resets the caller's
  // state before each new attempt, and no retry happens once `*delivered`.
  absl::Status SendWithRetries(std::string_view method, std::string_view path, const std::string* body,
                               const std::function<bool(std::string_view)>& on_body,
                               const std::function<void()>& on_retry, const bool* delivered) const;
  // A whole JSON answer.
  absl::StatusOr<json::Value> Exchange(std::string_view method, std::string_view path,
                                       const std::string* body) const;

  ClientOptions options_;
  std::string origin_;  // scheme://host[:port]
  std::string prefix_;  // the base URL's path, without a trailing '/'
};

}  // namespace doomscope::openai

#endif  // DOOMSCOPE_RESULTS_OPENAI_OPENAI_CLIENT_H_
