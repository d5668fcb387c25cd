// `doomscope serve`: the dashboard, live over one results folder.
//
// Routes (GET only; everything is read-only):
//   /                 the dashboard page (live mode: it polls /api/summary and
//                     reloads when the records change)
//   /api/summary      StageReportToJson of the current records (summary.json's shape)
//   /api/samples      ?checkpoint=&stage=&task=&sampling=&verdict=&offset=&limit=
//                     -> {"total", "offset", "limit", "samples": [SampleToApiJson...]}
//   /files/PATH       a regular file inside DIR (manifest, summary.json, ...)
// Anything else is 404. /files refuses (403) "..", absolute paths, '%' left
// after URL decoding, and any symlink on the way: the file is opened in one
// walk from DIR's descriptor, never following a link (a folder swapped for a
// symlink between two requests, or mid-request, cannot lead out of DIR).
//
// Freshness: before answering, the folder's fingerprint (names, sizes and
// modification times of DIR/manifest and DIR/records/*.tfrecord) is compared
// with the loaded one; only a change re-reads the records. A record a writer
// is appending right now is a torn tail to the reader and is simply not
// shown yet.
//
// Bounded (bounded_http_server.h): a deadline for each whole request, a cap
// on connections per client, read/write timeouts, keep-alive limits, no
// request bodies (methods other than GET are refused before one is read),
// and /api/samples pages of at most 500.
#ifndef DOOMSCOPE_RESULTS_DASHBOARD_DASHBOARD_SERVER_H_
#define DOOMSCOPE_RESULTS_DASHBOARD_DASHBOARD_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "results/dashboard/bounded_http_server.h"

namespace doomscope::results {

struct DashboardServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 picks a free port
  int poll_ms = 3000;
  HttpLimits http;  // per-request deadline, per-client connections, workers
};

// Whether `host` is a loopback address (127.0.0.0/8, ::1, localhost).
bool IsLoopbackHost(const std::string& host);

class DashboardServer {
 public:
  // Checks DIR, binds and starts serving on a background thread. Errors: DIR
  // is not a folder, or the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<DashboardServer>> Start(
      const std::string& dir, const DashboardServerOptions& options);

  ~DashboardServer();  // Stop()
  DashboardServer(const DashboardServer&) = delete;
  DashboardServer& operator=(const DashboardServer&) = delete;

  int port() const;
  // Stops accepting, finishes in-flight requests and joins the thread; idempotent.
  void Stop();
  // Blocks until the server stops (Stop() from another thread, or a failure).
  void Wait();

  struct Impl;

 private:
  explicit DashboardServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace doomscope::results

#endif  // DOOMSCOPE_RESULTS_DASHBOARD_DASHBOARD_SERVER_H_
