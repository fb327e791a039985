#!/usr/bin/env bash
# Prepares the GPU baseline for a lent GPU machine (which has nvcc but no Rust and no network):
# builds the harness (`--example gpu_baseline`, release), copies it stripped into .gpu/ (ignored
# by git; name it in the device tool's `carry`) with .gpu/SOURCE naming the commit and whether the
# tree was clean. Run it right before the device call: the device script builds the GPU program
# from the tree there, but runs whatever harness .gpu/ holds. With NVCC set to a CUDA nvcc, also
# compile-checks the GPU program for sm_90 here (into /tmp; nothing of it is carried).
set -euo pipefail
cd "$(dirname "$0")/../.."
exclude=$(git rev-parse --git-path info/exclude)
mkdir -p "$(dirname "$exclude")"
grep -qx '/.gpu/' "$exclude" 2>/dev/null || echo '/.gpu/' >> "$exclude"
mkdir -p .gpu
cargo build --release -p zkaccel-benches --example gpu_baseline
strip -o .gpu/gpu_baseline target/release/examples/gpu_baseline
echo "harness source: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- benches && echo '' || echo ' + uncommitted changes in benches/')" > .gpu/SOURCE
if [ -n "${NVCC:-}" ]; then
    "$NVCC" -O3 -std=c++17 -arch=sm_90 -o /tmp/gpu_baseline_sm90 benches/gpu/main.cu
fi
rm -f .gpu/gpu_baseline_sm90
ls -la .gpu
cat .gpu/SOURCE
