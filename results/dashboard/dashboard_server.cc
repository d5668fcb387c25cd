#include "results/dashboard/dashboard_server.h"

#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <utility>
#include <vector>


#include "absl/strings/str_cat.h"
#include "results/dashboard/bounded_http_server.h"
#include "results/dashboard/html_report.h"
#include "results/files/regular_file.h"
#include "results/json/json.h"
#include "results/json/jsonl.h"
#include "results/run_dir.h"
#include "results/dashboard/sample_compaction.h"
#include "results/report_json.h"
#include "results/stage_report.h"
#include "results/jury_store.h"
#include "results/sample_errors.h"

namespace doomscope::results {
namespace {

namespace fs = std::filesystem;

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 500;
constexpr int64_t kMaxFileBytes = 256 << 20;

// What one load of the folder gives every request until the files change.
struct Snapshot {
  std::string fingerprint;
  DashboardRun run;   // records, warnings, jury report and coverage, errored samples
  std::string error;  // loading failed: served as 503 until the files change
  std::string summary_json;
};

// Names, sizes and mtimes of the files the page comes from: the manifest,
// the records, the error records and the jury's files.
std::string Fingerprint(const std::string& dir) {
  std::vector<std::string> parts;
  auto add = [&](const fs::path& p) {
    std::error_code ec;
    const auto size = fs::file_size(p, ec);
    if (ec) return;
    const auto mtime = fs::last_write_time(p, ec);
    if (ec) return;
    parts.push_back(absl::StrCat((p.parent_path().filename() / p.filename()).string(), ":", size, ":",
                                 mtime.time_since_epoch().count()));
  };
  add(ManifestPath(dir));
  std::error_code ec;
  for (const std::string& folder : {RecordsDir(dir), ErrorsDir(dir), JuryDir(dir)}) {
    ec.clear();
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
      add(it->path());
    }
  }
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (const auto& p : parts) absl::StrAppend(&out, p, "\n");
  return out;
}

bool ParseInt(const std::string& s, int64_t* out) {
  if (s.empty()) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

void SetJson(httplib::Response& res, int status, const json::Value& v) {
  res.status = status;
  res.set_content(json::Serialize(v), "application/json");
}

void SetError(httplib::Response& res, int status, const std::string& message) {
  SetJson(res, status, json::Object{{"error", message}});
}

}  // namespace

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

struct DashboardServer::Impl {
  explicit Impl(const DashboardServerOptions& o) : options(o), server(o.http) {}

  std::string dir;
  ScopedFd dir_fd;  // /files/ paths are opened beneath it
  DashboardServerOptions options;
  BoundedHttpServer server;
  int port = 0;

  std::mutex mu;  // guards snapshot
  std::shared_ptr<const Snapshot> snapshot;

  std::shared_ptr<const Snapshot> Current() {
    const std::string fp = Fingerprint(dir);
    std::lock_guard<std::mutex> lock(mu);
    if (snapshot && snapshot->fingerprint == fp) return snapshot;
    auto next = std::make_shared<Snapshot>();
    next->fingerprint = fp;
    absl::StatusOr<RunContents> contents = LoadRunDir(dir, ReadMode::kSalvage);
    if (!contents.ok()) {
      next->error = std::string(contents.status().message());
    } else {
      absl::StatusOr<DashboardRun> run =
          LoadDashboardRun(dir, std::move(contents->records), std::move(contents->warnings));
      if (!run.ok()) {
        next->error = std::string(run.status().message());
      } else {
        next->run = *std::move(run);
        StageReport report = BuildStageReport(next->run.records);
        report.errors = next->run.errors;
        next->summary_json = json::Serialize(StageReportToJson(report));
      }
    }
    snapshot = std::move(next);
    return snapshot;
  }

  void HandleIndex(const httplib::Request&, httplib::Response& res) {
    const auto snap = Current();
    if (!snap->error.empty()) return SetError(res, 503, snap->error);
    DashboardOptions options;
    options.live = true;
    options.live_poll_ms = this->options.poll_ms;
    options.title = "doomscope live";
    res.set_content(
        RenderDashboardHtml({snap->run}, options),
        "text/html; charset=utf-8");
  }

  void HandleSummary(const httplib::Request&, httplib::Response& res) {
    const auto snap = Current();
    if (!snap->error.empty()) return SetError(res, 503, snap->error);
    res.set_content(snap->summary_json, "application/json");
  }

  void HandleSamples(const httplib::Request& req, httplib::Response& res) {
    int64_t offset = 0, limit = kDefaultLimit;
    if (req.has_param("offset") && (!ParseInt(req.get_param_value("offset"), &offset) || offset < 0)) {
      return SetError(res, 400, "offset: expected an integer >= 0");
    }
    if (req.has_param("limit") &&
        (!ParseInt(req.get_param_value("limit"), &limit) || limit < 0 || limit > kMaxLimit)) {
      return SetError(res, 400, absl::StrCat("limit: expected an integer in [0, ", kMaxLimit, "]"));
    }
    auto param = [&](const char* name) {
      return req.has_param(name) ? req.get_param_value(name) : std::string();
    };
    const std::string checkpoint = param("checkpoint"), task = param("task"),
                      sampling = param("sampling"), verdict = param("verdict"),
                      stage = param("stage");
    if (!verdict.empty()) {
      bool known = false;
      for (int v = 0; v < kNumVerdictClasses; ++v) {
        known |= VerdictClassName(static_cast<VerdictClass>(v)) == verdict;
      }
      if (!known) return SetError(res, 400, absl::StrCat("verdict: unknown class \"", verdict, "\""));
    }
    const auto snap = Current();
    if (!snap->error.empty()) return SetError(res, 503, snap->error);
    json::Array samples;
    int64_t total = 0;
    for (const auto& r : snap->run.records) {
      if (!checkpoint.empty() && r.checkpoint() != checkpoint) continue;
      if (!task.empty() && r.task() != task) continue;
      if (!sampling.empty() && r.sampling() != sampling) continue;
      if (!stage.empty() && StageName(r.stage()) != stage) continue;
      if (!verdict.empty() && VerdictClassName(ClassifyVerdict(r.findings())) != verdict) continue;
      if (total >= offset && total < offset + limit) samples.push_back(SampleToApiJson(r));
      ++total;
    }
    SetJson(res, 200,
            json::Object{{"total", total},
                         {"offset", offset},
                         {"limit", limit},
                         {"samples", json::Value(std::move(samples))}});
  }

  void HandleFile(const httplib::Request& req, httplib::Response& res) {
    const std::string rel = req.matches.size() > 1 ? req.matches[1].str() : std::string();
    const fs::path rel_path(rel);
    bool bad = rel.empty() || rel_path.is_absolute() || rel.front() == '/' ||
               rel.find('\\') != std::string::npos || rel.find('%') != std::string::npos ||
               rel.find('\0') != std::string::npos;
    for (const auto& part : rel_path) bad |= part == "..";
    if (bad) return SetError(res, 403, "path outside the results folder");
    // One walk from the folder's descriptor, no symlink followed, and the
    // checks made on what was opened: nothing to swap between a check and
    // the open.
    absl::StatusOr<ScopedFd> fd = OpenRegularFileBeneath(dir_fd.get(), rel);
    if (!fd.ok()) {
      return fd.status().code() == absl::StatusCode::kPermissionDenied
                 ? SetError(res, 403, "path outside the results folder")
                 : SetError(res, 404, "not found");
    }
    std::string contents;
    if (!ReadAll(fd->get(), rel, &contents, kMaxFileBytes).ok()) return SetError(res, 404, "not found");
    const std::string ext = rel_path.extension().string();
    const char* type = ext == ".json" ? "application/json"
                       : ext == ".html" ? "text/plain; charset=utf-8"  // never render as a page
                       : ext == ".tfrecord" ? "application/octet-stream"
                                            : "text/plain; charset=utf-8";
    res.set_content(std::move(contents), type);
  }
};

DashboardServer::DashboardServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DashboardServer::~DashboardServer() { Stop(); }

int DashboardServer::port() const { return impl_->port; }

absl::StatusOr<std::unique_ptr<DashboardServer>> DashboardServer::Start(
    const std::string& dir, const DashboardServerOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return absl::NotFoundError(absl::StrCat("serve: ", dir, " is not a folder"));
  }
  if (options.port < 0 || options.port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("serve: --port ", options.port, " is out of range"));
  }
  auto impl = std::make_unique<Impl>(options);
  impl->dir = dir;
  absl::StatusOr<ScopedFd> dir_fd = OpenDirectory(dir);
  if (!dir_fd.ok()) return absl::NotFoundError(absl::StrCat("serve: ", dir_fd.status().message()));
  impl->dir_fd = *std::move(dir_fd);
  Impl* self = impl.get();
  BoundedHttpServer& s = impl->server;
  // Everything is read-only: no request has a body, so one is refused (413)
  // before a byte of it is read, and other methods get 405.
  s.set_payload_max_length(0);
  s.set_pre_routing_handler([](const httplib::Request& q, httplib::Response& r) {
    if (q.method == "GET" || q.method == "HEAD") return httplib::Server::HandlerResponse::Unhandled;
    r.set_header("Connection", "close");
    SetError(r, 405, "read-only: GET only");
    return httplib::Server::HandlerResponse::Handled;
  });
  s.set_default_headers({
      {"Cache-Control", "no-store"},
      {"X-Content-Type-Options", "nosniff"},
      {"Content-Security-Policy",
       "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "connect-src 'self'; img-src data:"},
  });
  s.Get("/", [self](const httplib::Request& q, httplib::Response& r) { self->HandleIndex(q, r); });
  s.Get("/index.html",
        [self](const httplib::Request& q, httplib::Response& r) { self->HandleIndex(q, r); });
  s.Get("/api/summary",
        [self](const httplib::Request& q, httplib::Response& r) { self->HandleSummary(q, r); });
  s.Get("/api/samples",
        [self](const httplib::Request& q, httplib::Response& r) { self->HandleSamples(q, r); });
  s.Get("/files/(.*)",
        [self](const httplib::Request& q, httplib::Response& r) { self->HandleFile(q, r); });
  s.set_error_handler([](const httplib::Request&, httplib::Response& r) {
    if (r.body.empty()) SetError(r, r.status, r.status == 404 ? "not found" : "error");
  });

  absl::StatusOr<int> port = s.StartServing(options.host, options.port, "serve");
  if (!port.ok()) return port.status();
  impl->port = *port;
  return std::unique_ptr<DashboardServer>(new DashboardServer(std::move(impl)));
}

void DashboardServer::Stop() { impl_->server.StopServing(); }

void DashboardServer::Wait() { impl_->server.WaitServing(); }

}  // namespace doomscope::results
