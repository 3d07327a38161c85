#!/usr/bin/env bash
# LeNet on the GPU, int8rt against PyTorch, in one run on the same card (issue 4, Targets):
#   int8rt  FP32 / FP16 / INT8 CUDA engines: BUILD/bin/cuda_bench
#   PyTorch FP32, FP16, channels-last, eager and CUDA-graph replay at batch 100; FP16
#           torch.compile(max-autotune) at batch 8192: bench/lenet_torch_cuda.py
# Both time each call between CUDA events and report medians; at batch 8192 both rotate their
# inputs through buffers larger than twice the L2 cache. Prints both programs' lines, then one
# table: the card, int8rt INT8 ms per batch of 100 against PyTorch's best, their ratio, the
# batch-8192 images/s of both and the fraction of the "FP32 input read once" bound.
#
# Usage: bench/run_cuda_bench.sh [BUILD_DIR]   (default build; needs cuda_bench built)
# Environment: PYTHON (python3: the device image's, with torch and onnx), ITERATIONS (2000),
# BIG_BATCH (8192), BIG_ITERATIONS (200), NO_COMPILE=1 (skip torch.compile), COMPILE_MODES
# (default max-autotune,max-autotune-no-cudagraphs), CALIB_CACHE (a
# calibration cache for lenet.onnx, used when data/int8/fashion/batches is absent),
# FASHION_MNIST_DIR (the idx .gz files: batches are made from them when absent).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-build}"
[[ "$build" = /* ]] || build="$root/$build"
python="${PYTHON:-python3}"
iterations="${ITERATIONS:-2000}" big="${BIG_BATCH:-8192}" bigit="${BIG_ITERATIONS:-200}"
cd "$root"

[[ -x "$build/bin/cuda_bench" ]] || {
  echo "run_cuda_bench.sh: $build/bin/cuda_bench not built (needs the CUDA backend)" >&2; exit 1; }
# Calibration and accuracy data: made from Fashion-MNIST when the idx files are at hand.
if [[ ! -f data/int8/fashion/batches/batch699 ]] &&
   [[ -f "${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}/t10k-images-idx3-ubyte.gz" ]]; then
  bash scripts/prepare_fashion.sh "$build" >/dev/null
fi
cache_args=()
[[ -n "${CALIB_CACHE:-}" ]] && cache_args=(--calib-cache "$CALIB_CACHE")
compile_args=()
[[ "${NO_COMPILE:-0}" = 1 ]] && compile_args=(--no-compile)
[[ -n "${COMPILE_MODES:-}" ]] && compile_args+=(--compile-modes "$COMPILE_MODES")

out=$(mktemp)
trap 'rm -f "$out"' EXIT
# One failing side must not hide the other's numbers: both run, the script fails at the end.
status=0
"$build/bin/cuda_bench" --iterations "$iterations" --big-batch "$big" --big-iterations "$bigit" \
  "${cache_args[@]}" | tee -a "$out" || { status=$?; echo "run_cuda_bench.sh: cuda_bench failed (rc $status)"; }
PYTHONUNBUFFERED=1 "$python" bench/lenet_torch_cuda.py --iterations "$iterations" --big-batch "$big" \
  --big-iterations "$bigit" "${compile_args[@]}" | tee -a "$out" ||
  { status=$?; echo "run_cuda_bench.sh: lenet_torch_cuda.py failed (rc $status)"; }

echo
awk -v big="$big" '
  function field(name,   i, kv) {
    for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == name) return kv[2] }
    return ""
  }
  $1 == "card" && $2 ~ /^name=/ { card = substr($0, index($0, "name=") + 5) }
  $1 == "copy" { gbps = field("gbytes/s"); bound = field("bound_images/s") }
  $1 == "int8rt" && field("batch") == 100 && field("graphs") == "on" { ms[$2] = field("ms/batch"); top1[$2] = field("top1") }
  $1 == "int8rt" && field("batch") == 100 && field("graphs") == "off" { msng[$2] = field("ms/batch") }
  $1 == "int8rt" && field("batch") == big { ips[$2] = field("images/s") }
  $1 == "torch" && field("batch") == 100 && field("ms/batch") != "" {
    t = field("ms/batch") + 0
    if (tbest == "" || t < tbest) { tbest = t; tbestName = $2 }
    if (!($2 in tms)) torder[++tn] = $2
    tms[$2] = t
  }
  $1 == "torch" && field("batch") == big && field("images/s") != "" {
    v = field("images/s") + 0
    if (v > tips) { tips = v; tipsName = $2 }
    if (!($2 in tbig)) border[++bn] = $2
    tbig[$2] = v
    if ($2 ~ /compile-max-autotune$/) tcompile = v
  }
  END {
    printf "card: %s; copy %.0f GB/s; FP32 input-read bound %.2f M images/s\n", card, gbps, bound / 1e6
    printf "%-36s %12s %12s %14s %8s %8s\n", "engine", "ms/b100", "ms/b100 nog", "images/s b" big, "bound", "top-1"
    split("fp32 fp16 int8", precisions, " ")
    for (i = 1; i <= 3; i++) {
      p = precisions[i]
      if (p in ms)
        printf "%-36s %12.5f %12.5f %14.0f %7.1f%% %8s\n", "int8rt " p, ms[p], msng[p], ips[p], 100 * ips[p] / bound, top1[p]
    }
    for (i = 1; i <= tn; i++) printf "%-36s %12.5f\n", "PyTorch " torder[i], tms[torder[i]]
    for (i = 1; i <= bn; i++)
      printf "%-36s %12s %12s %14.0f %7.1f%%\n", "PyTorch " border[i], "", "", tbig[border[i]], 100 * tbig[border[i]] / bound
    print ""
    if (ms["int8"] != "" && tbest != "")
      printf "batch 100: int8rt INT8 %.5f ms vs PyTorch best %.5f ms (%s): %.2fx (target >= 2x; INT8 target <= 0.015 ms)\n",
             ms["int8"], tbest, tbestName, tbest / ms["int8"]
    if (ips["int8"] != "")
      printf "batch %d: int8rt INT8 %.0f images/s = %.1f%% of the input-read bound (target >= 50%%)\n", big, ips["int8"], 100 * ips["int8"] / bound
    if (tips != "")
      printf "batch %d: PyTorch best %.0f images/s (%s) = %.1f%% of the bound; torch.compile(max-autotune) %s; int8rt INT8 / PyTorch best %.2fx\n",
             big, tips, tipsName, 100 * tips / bound, (tcompile == "" ? "failed or skipped" : sprintf("%.0f images/s", tcompile)), ips["int8"] / tips
  }' "$out"
grep '^kernels' "$out" || true
exit "$status"
