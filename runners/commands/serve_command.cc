// `doomscope serve DIR [--host 127.0.0.1] [--port 8080]`: the dashboard, live
// over a results folder, until interrupted.
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "results/dashboard/dashboard_server.h"
#include "runners/command.h"
#include "runners/common_flags.h"
#include "runners/commands/commands.h"


namespace doomscope {
namespace {

int RunServe(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    std::cerr << "serve: expected exactly one results folder (doomscope serve DIR)\n";
    return kExitBadInput;
  }
  results::DashboardServerOptions options;
  options.host = absl::GetFlag(FLAGS_host);
  options.port = absl::GetFlag(FLAGS_port);
  if (!results::IsLoopbackHost(options.host)) {
    std::cerr << "serve: warning: listening on " << options.host
              << ", not loopback: anyone who can reach it can read these records\n";
  }
  auto server = results::DashboardServer::Start(args[0], options);
  if (!server.ok()) {
    std::cerr << server.status().message() << "\n";
    return server.status().code() == absl::StatusCode::kUnavailable ? kExitFailure
                                                                     : kExitBadInput;
  }
  const std::string shown_host =
      options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  std::cout << "serving " << args[0] << " at http://" << shown_host << ":" << (*server)->port()
            << "/  (API: /api/summary, /api/samples; Ctrl-C stops)" << std::endl;
  (*server)->Wait();
  return kExitOk;
}

}  // namespace

Command ServeCommand() {
  return Command{
      .name = "serve",
      .summary = "Serve the dashboard live over a results folder (read-only, loopback by default)",
      .usage = "doomscope serve DIR [--host 127.0.0.1] [--port 8080]\n"
               "  The HTML dashboard of DIR's records, refreshed as a run appends to it, plus\n"
               "  /api/summary (summary.json's shape) and\n"
               "  /api/samples?checkpoint=&stage=&task=&sampling=&verdict=&offset=&limit=.",
      .flags = {"host", "port"},
      .run = &RunServe,
  };
}

}  // namespace doomscope
