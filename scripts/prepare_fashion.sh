#!/usr/bin/env bash
# Prepares data/int8/fashion/ for sample_int8 and `int8rt score` (CONTRACTS.md §6 layout):
#   batches/batch0..batch599   the 60,000 Fashion-MNIST training images, 100 per file
#   batches/batch600..batch699 the 10,000 test images
#   deploy.prototxt, fashion.caffemodel   the LeNet of models/lenet/
# Images are scaled by 1/256 with no mean, as the model was trained, and carry their labels.
# Idempotent: batches already complete are kept, model files are copied only when they differ.
#
# Usage: scripts/prepare_fashion.sh [BUILD_DIR]   (default build; relative to the repository)
# Environment: INT8RT_BIN overrides BUILD_DIR/bin/int8rt; FASHION_MNIST_DIR (default Debian's
# /usr/share/datasets/fashion-mnist from the dataset-fashion-mnist package).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-build}"
[[ "$build" = /* ]] || build="$root/$build"
int8rt="${INT8RT_BIN:-$build/bin/int8rt}"
dataset="${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}"
out="$root/data/int8/fashion"
batches="$out/batches"

# 600 training files then 100 test files: the last one proves both runs completed.
if [[ -f "$batches/batch699" ]]; then
  echo "$batches: complete (batch0..batch699), kept"
else
  [[ -x "$int8rt" ]] || { echo "prepare_fashion.sh: $int8rt not found; build int8rt first" >&2; exit 1; }
  for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz \
           t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
    [[ -f "$dataset/$f" ]] || {
      echo "prepare_fashion.sh: $dataset/$f not found (apt install dataset-fashion-mnist)" >&2
      exit 1
    }
  done
  # Build into a scratch directory and rename at the end, so an interrupted run never leaves a
  # half-filled batches/ that would later pass for a complete one.
  partial="$batches.partial"
  rm -rf -- "$partial"
  mkdir -p "$partial"
  "$int8rt" batches --images "$dataset/train-images-idx3-ubyte.gz" \
    --labels "$dataset/train-labels-idx1-ubyte.gz" --out "$partial" --per-file 100 \
    --scale 0.00390625 --mean 0
  "$int8rt" batches --images "$dataset/t10k-images-idx3-ubyte.gz" \
    --labels "$dataset/t10k-labels-idx1-ubyte.gz" --out "$partial" --per-file 100 \
    --scale 0.00390625 --mean 0 --append
  [[ -f "$partial/batch699" ]] || { echo "prepare_fashion.sh: batch699 missing after conversion" >&2; exit 1; }
  rm -rf -- "$batches"
  mv -- "$partial" "$batches"
fi

# Copies src to dst unless identical, via a temporary name so dst is never half-written.
copy_if_changed() {
  local src="$1" dst="$2"
  [[ -f "$src" ]] || { echo "prepare_fashion.sh: $src not found" >&2; exit 1; }
  if cmp -s -- "$src" "$dst"; then
    echo "$dst: up to date"
  else
    cp -- "$src" "$dst.tmp.$$" && mv -- "$dst.tmp.$$" "$dst"
    echo "$dst: copied from ${src#"$root"/}"
  fi
}
copy_if_changed "$root/models/lenet/deploy.prototxt" "$out/deploy.prototxt"
copy_if_changed "$root/models/lenet/lenet.caffemodel" "$out/fashion.caffemodel"
