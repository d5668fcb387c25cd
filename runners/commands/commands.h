// One factory per subcommand; each is defined in commands/NAME_command.cc.
#ifndef DOOMSCOPE_RUNNERS_COMMANDS_COMMANDS_H_
#define DOOMSCOPE_RUNNERS_COMMANDS_COMMANDS_H_

#include "runners/command.h"

namespace doomscope {

Command RunCommand();
Command DetectCommand();
Command ReportCommand();
Command GateCommand();
Command ExportCommand();
Command SynthModelCommand();
Command GenerateCommand();
Command BenchCommand();
Command ServeCommand();
Command ScoreCommand();
Command RepairCommand();
Command TokenizeCommand();
Command RenderTemplateCommand();
Command ServeModelCommand();
Command JudgeCommand();
Command PairsCommand();

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_COMMANDS_COMMANDS_H_
