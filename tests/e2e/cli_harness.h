// Runs the built command-line programs as a user would and captures exit status and output.
#pragma once
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace int8rt::e2e {

struct Outcome {
  int exitCode = -1;  // 128+N when killed by signal N
  std::string out, err;
  bool crashed() const { return exitCode >= 128 || exitCode < 0; }
  int errLines() const {
    int n = 0;
    for (char c : err) n += c == '\n';
    return n;
  }
};

inline std::string env(const char* name, const char* dflt) {
  const char* v = std::getenv(name);
  return v ? v : dflt;
}
// The test binary sits beside the programs it tests (build/bin), whatever the working directory.
inline std::string binDir() {
  if (const char* v = std::getenv("INT8RT_BIN_DIR")) return v;
  return std::filesystem::canonical("/proc/self/exe").parent_path().string();
}
inline std::string sourceDir() { return env("INT8RT_SOURCE_DIR", "."); }
inline std::string lenetDir() { return sourceDir() + "/models/lenet"; }
inline std::string fashionDir() { return "/usr/share/datasets/fashion-mnist"; }

inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// A fresh directory for one test, removed on destruction.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() / ("int8rt_e2e_" + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
  // Files in the directory (to check that a failed command left nothing behind).
  int fileCount() const {
    int n = 0;
    for (auto& e : std::filesystem::directory_iterator(path)) n += e.is_regular_file();
    return n;
  }
};

// Runs "<bin>/<program> <args>" through the shell from `cwd`.
inline Outcome run(const std::string& program, const std::string& args, const std::string& cwd = ".") {
  TempDir io;
  std::string cmd = "cd '" + cwd + "' && '" + binDir() + "/" + program + "' " + args + " > '" +
                    (io / "out") + "' 2> '" + (io / "err") + "' < /dev/null";
  int status = std::system(cmd.c_str());
  Outcome r;
  if (WIFEXITED(status)) r.exitCode = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) r.exitCode = 128 + WTERMSIG(status);
  r.out = slurp(io / "out");
  r.err = slurp(io / "err");
  return r;
}

inline void writeBytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f << bytes;
}

}  // namespace int8rt::e2e
