// The list of subcommands. Each command lives in runners/commands/NAME_command.cc
// and exposes a `Command NameCommand()` function declared in commands/commands.h.
#include "runners/command.h"
#include "runners/commands/commands.h"

namespace doomscope {

const std::vector<Command>& AllCommands() {
  static const std::vector<Command>* commands = new std::vector<Command>{
      RunCommand(),
      DetectCommand(),
      ReportCommand(),
      GateCommand(),
      ExportCommand(),
      SynthModelCommand(),
      GenerateCommand(),
      BenchCommand(),
      ServeCommand(),
      ScoreCommand(),
      RepairCommand(),
      TokenizeCommand(),
      RenderTemplateCommand(),
      ServeModelCommand(),
      JudgeCommand(),
      PairsCommand(),
  };
  return *commands;
}

}  // namespace doomscope
