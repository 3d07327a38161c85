#!/usr/bin/env bash
# make bench: LeNet inference time, int8rt against PyTorch, in one run on the same machine, the
# same weights (models/lenet/) and the same Fashion-MNIST test images (data/int8/fashion/).
#   int8rt  FP32 and INT8 (EntropyCalibration2 on 500 training images): BUILD/bin/lenet_bench
#   PyTorch FP32 eager, FP32 traced+frozen+optimize_for_inference, INT8 eager-mode static PTQ
#           per quantized engine (eager and traced+frozen): bench/lenet_torch.py on Debian's
#           /usr/bin/python3 with python3-torch (not another python3 on PATH)
# Both use 2 threads and report the median of single inference calls (ms/image = median / batch)
# at batch 100 and batch 1. The load average is printed with each measurement: the machine may
# be shared, and a loaded machine makes every number slower and noisier.
#
# Usage: bench/run_lenet_bench.sh [BUILD_DIR]   (default build)
# Environment: THREADS (2), ROUNDS (5), TIMED_BATCHES (20: batch-100 calls per round),
# SINGLE_IMAGES (500: batch-1 calls per round), PYTHON (/usr/bin/python3).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-build}"
[[ "$build" = /* ]] || build="$root/$build"
threads="${THREADS:-2}" rounds="${ROUNDS:-5}" timed="${TIMED_BATCHES:-20}" single="${SINGLE_IMAGES:-500}"
python="${PYTHON:-/usr/bin/python3}"
cd "$root"

bash scripts/prepare_fashion.sh "$build" >/dev/null
[[ -x "$build/bin/lenet_bench" ]] || { echo "run_lenet_bench.sh: $build/bin/lenet_bench not built" >&2; exit 1; }
"$python" -c 'import torch' 2>/dev/null || {
  echo "run_lenet_bench.sh: $python has no torch (apt install python3-torch)" >&2; exit 1; }

load() { cut -d' ' -f1-3 /proc/loadavg; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "load int8rt-before $(load)" >>"$out"
"$build/bin/lenet_bench" --threads "$threads" --rounds "$rounds" --timed-batches "$timed" --single-images "$single" | tee -a "$out"
echo "load torch-before $(load)" >>"$out"
"$python" bench/lenet_torch.py --threads "$threads" --rounds "$rounds" --timed-batches "$timed" --single-images "$single" | tee -a "$out"
echo "load after $(load)" >>"$out"

echo
cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -1) (family $(lscpu | sed -n 's/^CPU family: *//p'), model $(lscpu | sed -n 's/^Model: *//p'))"
echo "LeNet, Fashion-MNIST test images, $threads threads, $cpu," \
     "$(nproc) CPUs; load average (1/5/15 min):" \
     "$(awk '$1 == "load" { printf "%s%s %s/%s/%s", sep, $2, $3, $4, $5; sep = ", " }' "$out")"
awk -v threads="$threads" '
  # key=value fields of a measurement line
  function field(name,   i, kv) {
    for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == name) return kv[2] }
    return ""
  }
  ($1 == "int8rt" || $1 == "torch") && field("batch") != "" {
    name = ($1 == "int8rt" ? "int8rt " : "PyTorch ") $2
    if (!(name in seen)) { seen[name] = 1; order[++n] = name }
    ms[name, field("batch")] = field("ms/image")
    if (field("batch") == 100) top1[name] = field("top1")  # batch 1 times only a subset
    prec[name] = ($2 ~ /int8/ ? "INT8" : "FP32")
  }
  $2 == "calibration" { calib[$1 " " $3] = field("seconds") }
  END {
    printf "%-28s %-5s %14s %14s %8s\n", "engine", "prec", "ms/img b=100", "ms/img b=1", "top-1"
    for (i = 1; i <= n; i++) {
      k = order[i]
      printf "%-28s %-5s %14.5f %14.5f %8.4f\n", k, prec[k], ms[k, 100], ms[k, 1], top1[k]
      if (k ~ /^PyTorch/) for (b = 1; b <= 100; b += 99)
        if (!((prec[k], b) in best) || ms[k, b] < best[prec[k], b]) { best[prec[k], b] = ms[k, b]; bestName[prec[k], b] = k }
    }
    print ""
    for (b = 100; b >= 1; b -= 99) {
      f = ms["int8rt fp32", b]; q = ms["int8rt int8", b]
      printf "batch %3d: FP32 int8rt/PyTorch-best %.3f (%.2fx faster; best: %s)\n", b, f / best["FP32", b], best["FP32", b] / f, bestName["FP32", b]
      printf "batch %3d: INT8 int8rt/PyTorch-best %.3f (%.2fx faster; best: %s)\n", b, q / best["INT8", b], best["INT8", b] / q, bestName["INT8", b]
      printf "batch %3d: int8rt INT8/FP32 %.3f\n", b, q / f
    }
    for (i = 1; i <= n; i++) {
      k = order[i]
      if (prec[k] != "INT8" || k ~ /-trace$/) continue  # a traced model computes what its eager one does
      ref = (k ~ /^int8rt/ ? "int8rt fp32" : "PyTorch fp32-eager")
      printf "top-1 INT8 - FP32 on 10,000 images: %s %+.2f points\n", k, 100 * (top1[k] - top1[ref])
    }
    for (k in calib) printf "calibration time, 500 images: %s %s s\n", k, calib[k]
  }' "$out"
grep '^kernels' "$out" || true
