// An httplib::Server that a slow or greedy client cannot stall.
//
// httplib bounds each read by a timeout, but not a request as a whole: a
// client that sends one header line every two seconds holds a worker for as
// long as it likes, and a handful of them hold every worker. Here each
// connection is served by our own loop over httplib's request processing:
//   - a request (request line, headers and any body) must arrive within
//     `request_deadline_ms` of its first byte being awaited, else the
//     connection is closed;
//   - one client address holds at most `max_connections_per_client`
//     connections at once; more are answered 503 and closed;
//   - `workers` threads serve connections (well above any one client's cap),
//     so other clients are served while one misbehaves.
#ifndef DOOMSCOPE_RESULTS_DASHBOARD_BOUNDED_HTTP_SERVER_H_
#define DOOMSCOPE_RESULTS_DASHBOARD_BOUNDED_HTTP_SERVER_H_

#include <httplib.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/statusor.h"

namespace doomscope::results {

struct HttpLimits {
  int request_deadline_ms = 3000;
  int io_timeout_ms = 2000;  // one read or write
  int keep_alive_timeout_ms = 5000;
  int keep_alive_max_requests = 100;
  int max_connections_per_client = 32;
  int workers = 64;
};

class BoundedHttpServer : public httplib::Server {
 public:
  explicit BoundedHttpServer(const HttpLimits& limits);
  ~BoundedHttpServer() override;  // StopServing()

  // Binds host:port (port 0 picks a free one; never SO_REUSEPORT, so a second
  // server cannot silently share a port) and serves on a background thread.
  // Returns the port; errors (Unavailable) start with `what` and name the
  // address.
  absl::StatusOr<int> StartServing(const std::string& host, int port, std::string_view what);
  // Stops accepting, finishes in-flight requests and joins; idempotent.
  void StopServing();
  // Blocks until serving stops (StopServing from another thread, or a failure).
  void WaitServing();

  // The socket of the connection the calling worker thread is serving, or -1
  // outside a request: lets a long-running handler notice that its client
  // has gone (the model server stops the client's generation then).
  static int CurrentSocket();
  // Whether the peer of `sock` has closed its side (without reading data).
  static bool PeerClosed(int sock);

 private:
  bool process_and_close_socket(socket_t sock) override;
  // Takes a connection slot for `client`; false when it holds too many.
  bool Acquire(const std::string& client);
  void Release(const std::string& client);

  HttpLimits limits_;
  std::mutex mu_;
  std::map<std::string, int> open_;  // connections per client address
  std::thread thread_;               // the listening thread
  std::mutex stop_mu_;
  bool stopped_ = false;
  std::mutex done_mu_;  // guards done_: the listening thread has returned
  std::condition_variable done_cv_;
  bool done_ = false;
};

}  // namespace doomscope::results

#endif  // DOOMSCOPE_RESULTS_DASHBOARD_BOUNDED_HTTP_SERVER_H_
