#!/usr/bin/env bash
# On the GPU machine, from the repository root, with .dev/ (or $DEV_DIR) from scripts/gpu/pack.sh: puts the
# build back at its original path, prepares the Fashion-MNIST batches, and runs STEPS (default
# "test sample bench"): `ctest -L cuda` (+ e2e), sample_int8 on the GPU, the GPU benchmark.
# Logs go to $OUT (when set) so they come back even if a step fails.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
dev="${DEV_DIR:-.dev}"
out="${OUT:-/tmp/int8rt-gpu}"; mkdir -p "$out"
build="$(cat $dev/build_path)"
if [[ ! -d $dev/build ]]; then
  tar -xJf $dev/build.tar.xz -C $dev 2>/dev/null ||
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' $dev/build.tar.xz $dev
fi
if [[ "$build" != "$root/$dev/build" ]]; then
  mkdir -p "$(dirname "$build")"; rm -rf "$build"; ln -s "$root/$dev/build" "$build"
fi
export LD_LIBRARY_PATH="$root/$dev/lib:${LD_LIBRARY_PATH:-}"
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader
# The e2e tests look for Debian's dataset path: give them the carried archives there.
if [[ ! -d /usr/share/datasets/fashion-mnist ]]; then
  mkdir -p /usr/share/datasets && ln -s "$root/$dev/fashion" /usr/share/datasets/fashion-mnist
fi
FASHION_MNIST_DIR="$root/$dev/fashion" bash scripts/prepare_fashion.sh "$build" > "$out/prepare.log" 2>&1 || { cat "$out/prepare.log"; exit 1; }
steps="${STEPS:-test sample bench}"
for step in $steps; do
  case "$step" in
    test)
      (cd "$build" && ctest -L cuda --output-on-failure -j4 --timeout 300) > "$out/ctest_cuda.log" 2>&1
      echo "ctest -L cuda: rc=$? $(grep -E 'tests passed|tests failed' "$out/ctest_cuda.log")"
      grep -E '^\s+[0-9]+ - .*\((Failed|SEGFAULT|Timeout|Subprocess|Exception)' "$out/ctest_cuda.log" | head -40
      (cd "$build" && ctest -L e2e --output-on-failure -j8 --timeout 300) > "$out/ctest_e2e.log" 2>&1
      echo "ctest -L e2e: rc=$? $(grep -E 'tests passed|tests failed' "$out/ctest_e2e.log")"
      grep -E '^\s+[0-9]+ - .*\((Failed|SEGFAULT|Timeout|Subprocess|Exception)' "$out/ctest_e2e.log" | head -20 ;;
    sample)
      "$build/bin/sample_int8" fashion start=600 score=100 > "$out/sample.log" 2>&1
      echo "sample_int8: rc=$?"; grep -v '^\.*$' "$out/sample.log" | tail -20 ;;
    bench)
      [[ -f bench/run_cuda_bench.sh ]] && bash bench/run_cuda_bench.sh "$build" > "$out/bench.log" 2>&1
      echo "bench: rc=$?"; tail -40 "$out/bench.log" ;;
    sanitize)
      compute-sanitizer --leak-check full --error-exitcode 9 "$build/bin/int8rt" build --device cuda \
        --model models/lenet/lenet.onnx --output /tmp/san.plan > "$out/sanitize.log" 2>&1
      echo "compute-sanitizer build: rc=$?"; tail -5 "$out/sanitize.log" ;;
    floor)
      "$build/bin/cuda_launch_floor" > "$out/floor.log" 2>&1
      echo "cuda_launch_floor: rc=$?"; cat "$out/floor.log" ;;
    profile)
      # Per-kernel device time of each engine at batch 100 (Nsight Compute, clocks as found):
      # plans built once, then 5 scored batches profiled kernel by kernel (graph nodes included).
      batches=data/int8/fashion/batches
      for p in fp32 fp16 int8; do
        flags=(); [[ $p = fp16 ]] && flags=(--fp16); [[ $p = int8 ]] && flags=(--int8 --calib "$batches")
        "$build/bin/int8rt" build --device cuda --model models/lenet/lenet.onnx "${flags[@]}" \
          --output "/tmp/lenet_$p.plan" > "$out/build_$p.log" 2>&1 || { echo "build $p failed"; tail -3 "$out/build_$p.log"; }
        "$build/bin/int8rt" inspect --plan "/tmp/lenet_$p.plan" > "$out/inspect_$p.log" 2>&1
        ncu --clock-control none --cache-control none --launch-skip 10 --launch-count 25 --csv \
          --metrics gpu__time_duration.sum,launch__registers_per_thread,launch__grid_size,launch__block_size,sm__warps_active.avg.pct_of_peak_sustained_active \
          "$build/bin/int8rt" score --plan "/tmp/lenet_$p.plan" --batches "$batches" --start 600 --count 8 \
          > "$out/ncu_$p.csv" 2> "$out/ncu_$p.err"
        echo "profile $p: rc=$?"
        python3 scripts/gpu/ncu_summary.py "$out/ncu_$p.csv"
      done ;;
    *) echo "run.sh: unknown step '$step'" >&2 ;;
  esac
done
