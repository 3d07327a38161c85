#include "options.h"

#include <cstdio>
#include <sstream>

#include "core/error.h"

namespace int8rt::cli {

Options::Options(const std::string& command, const std::vector<OptionSpec>& specs,
                 const Args& args)
    : command_(command) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "--help" || a == "-h") {
      help_ = true;
      continue;
    }
    if (a.rfind("--", 0) != 0) throw UsageError("unexpected argument '" + a + "' (see --help)");
    std::string name = a.substr(2), value;
    bool inlineValue = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inlineValue = true;
    }
    const OptionSpec* spec = nullptr;
    for (const auto& s : specs)
      if (s.name == name) spec = &s;
    if (!spec) throw UsageError("unknown option '--" + name + "' (see --help)");
    if (spec->argument.empty()) {
      if (inlineValue) throw UsageError("option '--" + name + "' takes no value");
      value = "1";
    } else if (!inlineValue) {
      if (i + 1 >= args.size()) throw UsageError("option '--" + name + "' needs a value");
      value = args[++i];
    }
    auto& v = values_[name];
    if (!v.empty() && !spec->repeatable)
      throw UsageError("option '--" + name + "' given more than once");
    v.push_back(value);
  }
}

std::string Options::get(const std::string& name, const std::string& dflt) const {
  auto it = values_.find(name);
  return it == values_.end() ? dflt : it->second.back();
}

std::vector<std::string> Options::all(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::string Options::require(const std::string& name) const {
  if (!has(name)) throw UsageError("missing required option '--" + name + "' (see --help)");
  return get(name);
}

long long Options::integer(const std::string& name, long long dflt, long long lo,
                           long long hi) const {
  if (!has(name)) return dflt;
  std::string s = get(name);
  size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(s, &used);
  } catch (...) {
    used = 0;
  }
  if (used != s.size() || s.empty())
    throw UsageError("option '--" + name + "': '" + s + "' is not an integer");
  if (v < lo || v > hi)
    throw UsageError("option '--" + name + "': " + s + " is out of range (" + std::to_string(lo) +
                     ".." + std::to_string(hi) + ")");
  return v;
}

double Options::real(const std::string& name, double dflt, double lo, double hi) const {
  if (!has(name)) return dflt;
  std::string s = get(name);
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (...) {
    used = 0;
  }
  if (used != s.size() || s.empty() || !(v >= lo && v <= hi)) {
    std::ostringstream os;
    os << "option '--" << name << "': '" << s << "' is not a number in [" << lo << ", " << hi << "]";
    throw UsageError(os.str());
  }
  return v;
}

std::string Options::usage(const std::string& command, const std::string& synopsis,
                           const std::vector<OptionSpec>& specs) {
  std::ostringstream os;
  os << "usage: int8rt " << command << " " << synopsis << "\n\noptions:\n";
  for (const auto& s : specs) {
    std::string left = "  --" + s.name + (s.argument.empty() ? "" : " " + s.argument);
    os << left;
    if (left.size() < 34) os << std::string(34 - left.size(), ' ');
    else os << "\n" << std::string(34, ' ');
    os << s.help << (s.repeatable ? " (repeatable)" : "") << "\n";
  }
  os << "  --help                          this text\n";
  return os.str();
}

int runCommand(const std::string& command, const std::function<int()>& body) {
  try {
    return body();
  } catch (const UsageError& e) {
    std::fprintf(stderr, "int8rt %s: %s\n", command.c_str(), e.what());
    return 2;
  } catch (const Error& e) {
    std::fprintf(stderr, "int8rt %s: %s\n", command.c_str(), e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "int8rt %s: out of memory\n", command.c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "int8rt %s: %s\n", command.c_str(), e.what());
    return 1;
  }
}

}  // namespace int8rt::cli
