// The `doomscope` subcommand table and its dispatcher.
//
// absl flags are process-global, so every flag a command accepts is listed in
// its Command entry: the dispatcher rejects flags that belong to other commands
// and prints per-command --help from the flags' own help strings.
#ifndef DOOMSCOPE_RUNNERS_COMMAND_H_
#define DOOMSCOPE_RUNNERS_COMMAND_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace doomscope {

// Exit codes shared by commands (gate documents its own 0/1/2/3): bad input
// (a bad flag, suite or data file, a corrupt or busy run folder) is 2
// everywhere; 1 is a failure while running.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadInput = 2;

// kExitBadInput for statuses that mean the input is wrong (invalid argument,
// not found, failed precondition, data loss, out of range, already exists),
// else kExitFailure.
int ExitCodeFor(const absl::Status& status);

struct Command {
  std::string_view name;
  std::string_view summary;  // one line, shown by `doomscope --help`
  std::string_view usage;    // synopsis, shown by `doomscope NAME --help`
  std::vector<std::string_view> flags;  // names of the absl flags it reads
  // Runs with the positional arguments left after flag parsing; returns the exit code.
  int (*run)(const std::vector<std::string>& args);
};

// Every command, in the order `doomscope --help` lists them (command_table.cc).
const std::vector<Command>& AllCommands();

// Parses argv, dispatches, and returns the process exit code.
int RunCommandLine(int argc, char** argv);

// The version string printed by --version and stored in run manifests.
std::string_view DoomscopeVersion();

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_COMMAND_H_
