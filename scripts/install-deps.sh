#!/usr/bin/env bash
# Installs the Debian packages int8rt needs to build, test and run its demo. Idempotent: asks
# apt only for what is missing, and runs 'apt-get update' only when something is.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libprotobuf-dev protobuf-compiler   # model formats (caffe.proto subset, onnx.proto)
  libonnx-dev                         # ONNX's protobuf definitions
  zlib1g-dev                          # gzip'd idx files, plan checksums
  libgtest-dev libbenchmark-dev       # tests and kernel benchmarks
  dataset-fashion-mnist               # the default real data set
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
