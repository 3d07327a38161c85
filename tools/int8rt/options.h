// A small command-line option parser shared by the subcommands: "--name value", "--name=value",
// boolean flags and repeatable options; unknown options and bad numbers are usage errors.
#pragma once
#include <map>
#include <string>
#include <vector>

#include <functional>
#include <stdexcept>

#include "commands.h"

namespace int8rt::cli {

struct OptionSpec {
  std::string name;      // without the dashes
  std::string argument;  // "" for a flag, else the value's name shown in --help
  std::string help;
  bool repeatable = false;
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Options {
 public:
  // Throws UsageError on unknown options or missing values. "--help" sets help().
  Options(const std::string& command, const std::vector<OptionSpec>& specs, const Args& args);

  bool help() const { return help_; }
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::string get(const std::string& name, const std::string& dflt = "") const;
  std::vector<std::string> all(const std::string& name) const;
  std::string require(const std::string& name) const;
  // Numbers with range checks: the message names the option and the allowed range.
  long long integer(const std::string& name, long long dflt, long long lo, long long hi) const;
  double real(const std::string& name, double dflt, double lo, double hi) const;

  static std::string usage(const std::string& command, const std::string& synopsis,
                           const std::vector<OptionSpec>& specs);

 private:
  std::string command_;
  std::map<std::string, std::vector<std::string>> values_;
  bool help_ = false;
};

// Runs a subcommand body, mapping UsageError to exit 2 and int8rt::Error to exit 1, each as one
// line "int8rt <command>: <message>" on stderr.
int runCommand(const std::string& command, const std::function<int()>& body);

}  // namespace int8rt::cli
