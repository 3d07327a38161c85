// `int8rt batches`: turns an idx image set (MNIST, Fashion-MNIST; plain or .gz) into the batch
// files of CONTRACTS.md §5 that calibration and scoring read.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/file_io.h"
#include "data/batch_stream.h"
#include "data/idx.h"
#include "data/preprocess.h"
#include "options.h"

namespace int8rt::cli {
namespace {

const std::vector<OptionSpec> kSpecs = {
    {"images", "FILE", "idx images (magic 0x00000803), plain or gzip-compressed"},
    {"labels", "FILE", "idx labels (magic 0x00000801); without it the files carry no labels"},
    {"out", "DIR", "output directory, created if needed"},
    {"per-file", "N", "images per batch file (default 100)"},
    {"scale", "S", "pixel scale, a number or a fraction such as 1/255 (default 1/256)"},
    {"mean", "M", "subtracted from each pixel before scaling (default 0)"},
    {"start", "I", "first image to use (default 0)"},
    {"count", "N", "number of images (default: all from --start on)"},
    {"append", "", "number new files after those already in DIR (train, then test)"},
};

constexpr const char* kAbout =
    "\nWrites DIR/batch0, batch1, ...: float32 NCHW images, (pixel - mean) * scale, with their\n"
    "labels: the batch files that calibration and scoring read (CONTRACTS.md section 5).\n";

struct Settings {
  std::string images, labels, out;
  int perFile = 100;
  PreprocessOptions pre;
  int64_t start = 0;
  std::optional<int64_t> count;
  bool append = false;
};

// A number, or "a/b" so that scales like 1/255 need not be typed to 17 digits.
double parseScale(const std::string& text) {
  auto number = [&](const std::string& part) {
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(part.c_str(), &end);
    if (part.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v))
      throw UsageError("option '--scale': '" + text + "' is not a number or a fraction a/b");
    return v;
  };
  const auto slash = text.find('/');
  if (slash == std::string::npos) return number(text);
  const double den = number(text.substr(slash + 1));
  if (den == 0) throw UsageError("option '--scale': division by zero in '" + text + "'");
  return number(text.substr(0, slash)) / den;
}

Settings settingsFrom(const Options& o) {
  Settings s;
  s.images = o.require("images");
  s.out = o.require("out");
  s.labels = o.get("labels");
  s.perFile = int(o.integer("per-file", 100, 1, 1 << 20));
  if (o.has("scale")) s.pre.scale = parseScale(o.get("scale"));
  s.pre.mean = o.real("mean", 0.0, -1e30, 1e30);
  s.start = o.integer("start", 0, 0, INT32_MAX);
  if (o.has("count")) s.count = o.integer("count", 0, 1, INT32_MAX);
  s.append = o.has("append");
  return s;
}

// The index the first new file gets; checks that appended files would agree with those already
// there (BatchStream rejects a directory whose files disagree).
int firstFileIndex(const Settings& o, int rows, int cols) {
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

int run(const Settings& o) {
  IdxImages images = readIdxImages(o.images);
  std::vector<uint8_t> labels;
  if (!o.labels.empty()) {
    labels = readIdxLabels(o.labels);
    check(int64_t(labels.size()) == images.count, o.labels, ": ", labels.size(),
          " labels for the ", images.count, " images of ", o.images);
  }
  if (o.start >= images.count)
    throw UsageError("option '--start': " + std::to_string(o.start) + " is beyond the " +
                     std::to_string(images.count) + " images of " + o.images);
  const int64_t available = images.count - o.start;
  const int64_t count = o.count.value_or(available);
  if (count > available)
    throw UsageError("option '--count': " + std::to_string(count) + " is beyond the " +
                     std::to_string(available) + " images available from --start " +
                     std::to_string(o.start));

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
  return runCommand("batches", [&] {
    Options options("batches", kSpecs, args);
    if (options.help()) {
      std::fputs(Options::usage("batches", "--images FILE [--labels FILE] --out DIR [options]",
                                kSpecs).c_str(), stdout);
      std::fputs(kAbout, stdout);
      return 0;
    }
    return run(settingsFrom(options));
  });
}

}  // namespace int8rt::cli
