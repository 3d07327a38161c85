#!/usr/bin/env bash
# make demo: prepare Fashion-MNIST batches and the LeNet model under data/int8/fashion/, run
# sample_int8 on the 10,000 test images (batches 600..699 of 100), and print one row per precision;
# then one row per calibration algorithm (bench/calibration_table.cpp): INT8 top-1/top-5 on the
# same test images after calibrating on the sample's 500 training images, and calibration time.
set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."
bash scripts/prepare_fashion.sh "$BUILD"

out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$BUILD/bin/sample_int8" fashion start=600 score=100 | tee "$out"

echo
echo "LeNet on the 10,000 Fashion-MNIST test images, batch 100, $(nproc) threads, $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
awk '
  /^(FP32|FP16|INT8) run:/ { p = substr($1, 1, 4); order[++n] = p; made[p] = 1 }
  /Engine could not be created/ { made[p] = 0 }
  /^Top1:/ { gsub(",", "", $2); top1[p] = $2; top5[p] = $4 }
  /^Processing/ { msimg[p] = $5 }
  END {
    printf "%-9s %8s %8s %12s %12s\n", "precision", "top-1", "top-5", "ms/image", "images/s"
    for (i = 1; i <= n; i++) {
      q = order[i]
      if (!made[q]) { printf "%-9s %s\n", q, "engine could not be created at this precision (no fast path on this platform)"; continue }
      printf "%-9s %8.4f %8.4f %12.5f %12.0f\n", q, top1[q], top5[q], msimg[q], 1000 / msimg[q]
    }
  }' "$out"

echo
"$BUILD/bin/calibration_table" data/int8/fashion
