#include "runners/command.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#ifndef DOOMSCOPE_VERSION
#define DOOMSCOPE_VERSION "dev"
#endif

namespace doomscope {
namespace {

const Command* FindCommand(std::string_view name) {
  for (const Command& c : AllCommands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

void PrintTopLevelHelp(std::FILE* out) {
  std::fprintf(out,
               "doomscope %s: evaluation and doom-loop diagnostics for small language models\n\n"
               "usage: doomscope COMMAND [flags] [args]\n\ncommands:\n",
               DOOMSCOPE_VERSION);
  for (const Command& c : AllCommands()) {
    std::fprintf(out, "  %-10s %s\n", std::string(c.name).c_str(), std::string(c.summary).c_str());
  }
  std::fprintf(out, "\n`doomscope COMMAND --help` lists a command's flags. `doomscope --version` prints the version.\n");
}

void PrintCommandHelp(const Command& c, std::FILE* out) {
  std::fprintf(out, "%s\n\nusage: %s\n", std::string(c.summary).c_str(), std::string(c.usage).c_str());
  if (c.flags.empty()) return;
  std::fprintf(out, "\nflags:\n");
  for (std::string_view name : c.flags) {
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(std::string(name));
    if (flag == nullptr) continue;
    std::string def = flag->DefaultValue();
    std::fprintf(out, "  --%s  %s%s\n", std::string(name).c_str(), flag->Help().c_str(),
                 def.empty() ? "" : absl::StrCat(" (default: ", def, ")").c_str());
  }
}

// The flag name in "--name=value", "-name", "--noname"; empty when `arg` is not a flag.
std::string FlagName(std::string_view arg) {
  if (arg.size() < 2 || arg[0] != '-') return "";
  arg.remove_prefix(arg[1] == '-' ? 2 : 1);
  return std::string(arg.substr(0, arg.find('=')));
}

// Flags may be written GNU-style (--max-new-tokens) or as absl names them
// (--max_new_tokens): hyphens in the name part become underscores.
std::string UnderscoreFlagName(std::string_view arg) {
  std::string out(arg);
  if (arg.size() < 3 || arg[0] != '-') return out;
  const size_t start = arg[1] == '-' ? 2 : 1;
  const size_t end = std::min(out.find('='), out.size());
  for (size_t i = start; i < end; ++i) {
    if (out[i] == '-') out[i] = '_';
  }
  return out;
}

// absl accepts any registered flag; a command accepts only its own.
bool CheckFlagsBelong(const Command& c, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") break;
    std::string name = FlagName(arg);
    if (name.empty()) continue;
    auto known = [&](std::string_view n) {
      return std::find(c.flags.begin(), c.flags.end(), n) != c.flags.end();
    };
    if (known(name)) continue;
    if (absl::StartsWith(name, "no") && known(name.substr(2))) continue;
    std::fprintf(stderr, "doomscope %s: unknown flag --%s\n\n", std::string(c.name).c_str(), name.c_str());
    PrintCommandHelp(c, stderr);
    return false;
  }
  return true;
}

// absl exits with status 1 on a flag value it cannot parse; every other bad
// input exits 2, so values are checked here first, with absl's own parsers.
bool CheckFlagValues(const Command& c, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") break;
    std::string name = FlagName(arg);
    if (name.empty()) continue;
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    const bool negated = flag == nullptr && absl::StartsWith(name, "no");
    if (negated) flag = absl::FindCommandLineFlag(name.substr(2));
    if (flag == nullptr) continue;
    const size_t eq = arg.find('=');
    std::string value;
    if (eq != std::string_view::npos) {
      value = std::string(arg.substr(eq + 1));
    } else if (flag->IsOfType<bool>()) {
      continue;  // --flag, --noflag
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      std::fprintf(stderr, "doomscope %s: flag --%s needs a value\n", std::string(c.name).c_str(), name.c_str());
      return false;
    }
    // Parse into a scratch copy: the real value is set by absl afterwards.
    const std::string saved = flag->CurrentValue();
    std::string error;
    const bool ok = !negated && flag->ParseFrom(value, &error);
    std::string unused;
    flag->ParseFrom(saved, &unused);
    if (!ok) {
      std::fprintf(stderr, "doomscope %s: invalid value \"%s\" for --%s%s%s\n", std::string(c.name).c_str(),
                   value.c_str(), name.c_str(), error.empty() ? "" : ": ", error.c_str());
      return false;
    }
  }
  return true;
}

}  // namespace

int ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kAlreadyExists:
      return kExitBadInput;
    default:
      return kExitFailure;
  }
}

int RunCommandLine(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h" ||
      std::string_view(argv[1]) == "help") {
    PrintTopLevelHelp(argc < 2 ? stderr : stdout);
    return argc < 2 ? kExitBadInput : kExitOk;
  }
  if (std::string_view(argv[1]) == "--version") {
    std::printf("doomscope %s\n", DOOMSCOPE_VERSION);
    return kExitOk;
  }
  const Command* command = FindCommand(argv[1]);
  if (command == nullptr) {
    std::fprintf(stderr, "doomscope: unknown command '%s'\n\n", argv[1]);
    PrintTopLevelHelp(stderr);
    return kExitBadInput;
  }
  // argv for absl: "doomscope NAME" as the program name, then the flags.
  std::string program = "doomscope " + std::string(command->name);
  std::vector<char*> args;
  args.push_back(program.data());
  std::vector<std::string> spelled;  // flags as absl spells them, alive for ParseCommandLine
  spelled.reserve(static_cast<size_t>(argc));
  bool flags_done = false;
  for (int i = 2; i < argc; ++i) {
    std::string_view a = argv[i];
    if (!flags_done && (a == "--help" || a == "-h" || a == "--helpfull" || a == "-help")) {
      PrintCommandHelp(*command, stdout);
      return kExitOk;
    }
    if (a == "--") flags_done = true;
    spelled.push_back(flags_done ? std::string(a) : UnderscoreFlagName(a));
    args.push_back(spelled.back().data());
  }
  if (!CheckFlagsBelong(*command, static_cast<int>(args.size()), args.data())) return kExitBadInput;
  if (!CheckFlagValues(*command, static_cast<int>(args.size()), args.data())) return kExitBadInput;
  std::vector<char*> rest = absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  std::vector<std::string> positional;
  for (size_t i = 1; i < rest.size(); ++i) positional.emplace_back(rest[i]);
  return command->run(positional);
}

}  // namespace doomscope
