// The int8rt command line: one file per subcommand (cmd_<name>.cpp), each a function taking the
// arguments after the subcommand name and returning the exit code (0 ok, 1 error, 2 usage).
#pragma once
#include <string>
#include <vector>

namespace int8rt::cli {

using Args = std::vector<std::string>;

int cmdBuild(const Args& args);
int cmdInfer(const Args& args);
int cmdScore(const Args& args);
int cmdBatches(const Args& args);
int cmdInspect(const Args& args);
int cmdCalibrate(const Args& args);
int cmdCompare(const Args& args);

}  // namespace int8rt::cli
