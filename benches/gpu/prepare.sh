#!/usr/bin/env bash
# Prepares the GPU baseline for a lent GPU machine (which has nvcc but no Rust and no network):
# builds the harness (`--example gpu_baseline`, release) and copies it,
# stripped, into .gpu/ (ignored by git; name it in the device tool's `carry`). With NVCC set to a
# CUDA 13 nvcc, also builds the GPU program for sm_90 into .gpu/ (the device script otherwise
# builds it there, ~30 s). Run from the repository root.
set -euo pipefail
cd "$(dirname "$0")/../.."
grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
mkdir -p .gpu
cargo build --release -p zkaccel-benches --example gpu_baseline
strip -o .gpu/gpu_baseline target/release/examples/gpu_baseline
if [ -n "${NVCC:-}" ]; then
    "$NVCC" -O3 -std=c++17 -arch=sm_90 -o .gpu/gpu_baseline_sm90 benches/gpu/main.cu
fi
ls -la .gpu
