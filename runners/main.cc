#include "runners/command.h"

int main(int argc, char** argv) { return doomscope::RunCommandLine(argc, argv); }
