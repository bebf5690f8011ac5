// `hindsight <command> ...`: the command-line entry point.
#pragma once

namespace hindsight::service {

// Parses argv, runs the sub-command, returns the process exit code
// (0 ok, 1 runtime failure, 2 usage or configuration error).
int run_cli(int argc, char** argv);

}  // namespace hindsight::service
