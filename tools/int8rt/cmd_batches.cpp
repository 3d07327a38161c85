// `int8rt batches`: turns an idx image set (MNIST, Fashion-MNIST; plain or .gz) into the batch
// files of CONTRACTS.md §5 that calibration and scoring read.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/file_io.h"
#include "data/batch_stream.h"
#include "data/idx.h"
#include "data/preprocess.h"
#include "int8rt/commands.h"

namespace int8rt::cli {
namespace {

constexpr const char* kUsage =
    "usage: int8rt batches --images FILE[.gz] [--labels FILE[.gz]] --out DIR [options]\n"
    "\n"
    "Writes DIR/batch0, batch1, ...: preprocessed float32 images (NCHW) with their labels, the\n"
    "batch files that calibration and scoring read. Input files are idx (MNIST format), plain or\n"
    "gzip-compressed. Each pixel becomes (pixel - mean) * scale.\n"
    "\n"
    "  --images FILE     idx images (magic 0x00000803)\n"
    "  --labels FILE     idx labels (magic 0x00000801); without it the files carry no labels\n"
    "  --out DIR         output directory, created if needed\n"
    "  --per-file N      images per batch file (default 100)\n"
    "  --scale S         pixel scale, a number or a fraction such as 1/255 (default 1/256)\n"
    "  --mean M          value subtracted from each pixel before scaling (default 0)\n"
    "  --start I         first image to use (default 0)\n"
    "  --count N         number of images (default: all from --start on)\n"
    "  --append          continue numbering after the batch files already in DIR, so a training\n"
    "                    set and a test set can share one directory\n"
    "  --help            this text\n";

// Thrown for a bad command line (exit 2); int8rt::Error stays for bad data (exit 1).
struct UsageError {
  std::string message;
};

struct Options {
  std::string images, labels, out;
  int perFile = 100;
  PreprocessOptions pre;
  int64_t start = 0;
  std::optional<int64_t> count;
  bool append = false;
};

double parseNumber(const std::string& flag, const std::string& text) {
  // Accepts "a/b" so scales like 1/255 need not be typed to 17 digits.
  const auto slash = text.find('/');
  if (slash != std::string::npos) {
    double num = parseNumber(flag, text.substr(0, slash));
    double den = parseNumber(flag, text.substr(slash + 1));
    if (den == 0) throw UsageError{flag + ": division by zero in '" + text + "'"};
    return num / den;
  }
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v))
    throw UsageError{flag + ": '" + text + "' is not a number"};
  return v;
}

int64_t parseInteger(const std::string& flag, const std::string& text, int64_t min) {
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE)
    throw UsageError{flag + ": '" + text + "' is not an integer"};
  if (v < min) throw UsageError{flag + " must be at least " + std::to_string(min) + ", got " + text};
  return v;
}

// Returns nullopt for --help. Accepts "--flag value" and "--flag=value".
std::optional<Options> parseArgs(const Args& args) {
  Options o;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i], value;
    bool inlineValue = false;
    if (auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      inlineValue = true;
    }
    if (flag == "--help" || flag == "-h") return std::nullopt;
    if (flag == "--append") {
      if (inlineValue) throw UsageError{"--append takes no value"};
      o.append = true;
      continue;
    }
    const bool known = flag == "--images" || flag == "--labels" || flag == "--out" ||
                       flag == "--per-file" || flag == "--scale" || flag == "--mean" ||
                       flag == "--start" || flag == "--count";
    if (!known) throw UsageError{"unknown argument '" + args[i] + "'"};
    if (!inlineValue) {
      if (i + 1 >= args.size()) throw UsageError{flag + " needs a value"};
      value = args[++i];
    }
    if (flag == "--images") o.images = value;
    else if (flag == "--labels") o.labels = value;
    else if (flag == "--out") o.out = value;
    else if (flag == "--per-file") o.perFile = int(parseInteger(flag, value, 1));
    else if (flag == "--scale") o.pre.scale = parseNumber(flag, value);
    else if (flag == "--mean") o.pre.mean = parseNumber(flag, value);
    else if (flag == "--start") o.start = parseInteger(flag, value, 0);
    else if (flag == "--count") o.count = parseInteger(flag, value, 1);
  }
  if (o.images.empty()) throw UsageError{"--images is required"};
  if (o.out.empty()) throw UsageError{"--out is required"};
  if (o.perFile > (1 << 20)) throw UsageError{"--per-file is too large (at most 1048576)"};
  return o;
}

// The index the first new file gets; checks that appended files would agree with those already
// there (BatchStream rejects a directory whose files disagree).
int firstFileIndex(const Options& o, int rows, int cols) {
  const int existing = countBatchFiles(o.out);
  if (existing == 0) return 0;
  if (!o.append)
    fail(o.out, ": already holds batch files batch0..batch", existing - 1,
         "; pass --append to add to them, or remove them first");
  const std::string first = batchFilePath(o.out, 0);
  BatchFile b = readBatchFile(first);
  if (b.c != 1 || b.h != rows || b.w != cols)
    fail(first, ": image dims ", b.c, "x", b.h, "x", b.w, " differ from the new images' 1x", rows,
         "x", cols, "; cannot append");
  if (b.labels.empty() != o.labels.empty())
    fail(first, b.labels.empty() ? ": has no labels but --labels was given; cannot append"
                                 : ": has labels but no --labels was given; cannot append");
  return existing;
}

int run(const Options& o) {
  IdxImages images = readIdxImages(o.images);
  std::vector<uint8_t> labels;
  if (!o.labels.empty()) {
    labels = readIdxLabels(o.labels);
    check(int64_t(labels.size()) == images.count, o.labels, ": ", labels.size(),
          " labels for the ", images.count, " images of ", o.images);
  }
  if (o.start >= images.count)
    throw UsageError{"--start " + std::to_string(o.start) + " is beyond the " +
                     std::to_string(images.count) + " images of " + o.images};
  const int64_t available = images.count - o.start;
  const int64_t count = o.count.value_or(available);
  if (count > available)
    throw UsageError{"--count " + std::to_string(count) + " is beyond the " +
                     std::to_string(available) + " images available from --start " +
                     std::to_string(o.start)};

  std::filesystem::create_directories(o.out);
  const int firstIndex = firstFileIndex(o, images.rows, images.cols);
  const int64_t files = (count + o.perFile - 1) / o.perFile;
  std::printf("%s: %d images %dx%d; writing %lld of them from image %lld into %lld files "
              "batch%d..batch%lld in %s\n",
              o.images.c_str(), images.count, images.rows, images.cols, (long long)count,
              (long long)o.start, (long long)files, firstIndex,
              (long long)(firstIndex + files - 1), o.out.c_str());
  std::fflush(stdout);

  int64_t lastReported = 0;
  for (int64_t f = 0; f < files; ++f) {
    const int64_t first = o.start + f * o.perFile;
    const int n = int(std::min<int64_t>(o.perFile, o.start + count - first));
    BatchFile b;
    b.n = n;
    b.c = 1;
    b.h = images.rows;
    b.w = images.cols;
    b.data = preprocessIdx(images, int(first), n, o.pre);
    if (!labels.empty()) b.labels.assign(labels.begin() + first, labels.begin() + first + n);
    writeBatchFile(batchFilePath(o.out, firstIndex + int(f)), b);
    // A line per tenth of the work: enough to see progress without flooding a log.
    const int64_t tenth = (f + 1) * 10 / files;
    if (tenth > lastReported || f + 1 == files) {
      lastReported = tenth;
      std::printf("  %3lld%%  batch%lld written\n", (long long)((f + 1) * 100 / files),
                  (long long)(firstIndex + f));
      std::fflush(stdout);
    }
  }
  std::printf("done: %lld images in %s/batch%d..batch%lld (%s)\n", (long long)count,
              o.out.c_str(), firstIndex, (long long)(firstIndex + files - 1),
              labels.empty() ? "no labels" : "with labels");
  return 0;
}

}  // namespace

int cmdBatches(const Args& args) {
  try {
    std::optional<Options> options = parseArgs(args);
    if (!options) {
      std::fputs(kUsage, stdout);
      return 0;
    }
    return run(*options);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "int8rt batches: %s (see int8rt batches --help)\n", e.message.c_str());
    return 2;
  } catch (const std::filesystem::filesystem_error& e) {
    std::fprintf(stderr, "int8rt batches: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "int8rt batches: %s\n", e.what());
    return 1;
  }
}

}  // namespace int8rt::cli
