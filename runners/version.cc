// The version string (command.h's DoomscopeVersion), in the runner core:
// run manifests record it, and the core does not link the command line.
#include "runners/command.h"

#ifndef DOOMSCOPE_VERSION
#define DOOMSCOPE_VERSION "dev"
#endif

namespace doomscope {

std::string_view DoomscopeVersion() { return DOOMSCOPE_VERSION; }

}  // namespace doomscope
