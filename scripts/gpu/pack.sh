#!/usr/bin/env bash
# Packs what a GPU machine without Debian's build dependencies needs to run int8rt's GPU tests
# and benchmarks: binaries built here (BUILD_DIR, default build-dev) with their ctest files,
# libprotobuf (the one shared library they need beyond the CUDA driver and cuBLASLt), and the
# Fashion-MNIST archives. Result: .dev/ (or $DEV_DIR, a name like .dev-NAME, so that several
# packs can coexist: one travels per call) in the repository root (kept out of git by
# .git/info/exclude), about 40 MiB; scripts/gpu/run.sh uses it on the GPU machine. The binaries
# each hold the same CUDA fat binary (~25 MiB), so the build travels as one xz archive whose
# 64 MiB window (-9) stores that once: ~10 MiB instead of ~300.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-build-dev}"
[[ "$build" = /* ]] || build="$root/$build"
dev="${DEV_DIR:-.dev}"
out="$root/$dev"
rm -rf "$out" && mkdir -p "$out/lib" "$out/fashion"
grep -qx "/$dev/" "$root/.git/info/exclude" 2>/dev/null || { mkdir -p "$root/.git/info"; echo "/$dev/" >> "$root/.git/info/exclude"; }
# The build tree minus objects: bin/ and the ctest files (their absolute paths name $build, so
# run.sh puts the copy back at that path on the GPU machine).
(cd "$build" && find . \( -name CMakeFiles -prune \) -o \( -type f \( -path './bin/*' -o -name 'CTestTestfile.cmake' -o -name '*_tests.cmake' -o -name '*_include.cmake' \) -print \) |
  tar -cf - -T -) | (mkdir -p "$out/build" && cd "$out/build" && tar -xf -)
strip --strip-unneeded "$out"/build/bin/* 2>/dev/null || true
(cd "$out" && tar -cf - build | xz -T1 -9 > build.tar.xz && rm -rf build)
echo "$build" > "$out/build_path"
cp -L /lib/x86_64-linux-gnu/libprotobuf.so.32 "$out/lib/"
cp /usr/share/datasets/fashion-mnist/*.gz "$out/fashion/"
du -sh "$out"
