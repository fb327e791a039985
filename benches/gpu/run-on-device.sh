#!/usr/bin/env bash
# The GPU baseline's run on a lent GPU machine (issue 23), a few minutes: builds the GPU program
# from the tree with the machine's nvcc (about 30 s; GPU_BIN=path runs another build instead),
# self-tests it, then runs the harness prepared by benches/gpu/prepare.sh right before the call
# (carried as .gpu/gpu_baseline, with .gpu/SOURCE naming the commit it was built from) at 2^16..2^22
# (LOG_N overrides): every MSM and NTT checked against arkworks, the CPU kernels timed beside
# the GPU on the same machine (2 threads and every core). Writes $OUT/gpu_baseline.md (the
# tables), $OUT/gpu_baseline.log (the program's lines) and $OUT/machine.txt.
#
#   device run, carry [".gpu"]:  bash benches/gpu/run-on-device.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v nvcc >/dev/null || PATH=/usr/local/cuda/bin:$PATH
OUT=${OUT:-/tmp/gpu-baseline-out}
mkdir -p "$OUT"
BIN=${GPU_BIN:-}
if [ -z "$BIN" ]; then
    nvcc -O3 -std=c++17 -arch=sm_90 -o /tmp/gpu_baseline_sm90 benches/gpu/main.cu
    BIN=/tmp/gpu_baseline_sm90
fi
cat .gpu/SOURCE 2>/dev/null || echo "harness source: unknown (.gpu/SOURCE missing)"
{
    nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,clocks.max.mem,memory.total --format=csv
    nproc
    grep -m1 'model name' /proc/cpuinfo
    grep -m1 -o 'avx512ifma' /proc/cpuinfo || echo 'no avx512ifma'
} | tee "$OUT/machine.txt"
"$BIN" info
.gpu/gpu_baseline --gpu-bin "$BIN" --log-n "${LOG_N:-16,18,20,22}" --reps 5 --cpu-reps 3 --cpu-threads 2,0 \
    --dir /tmp/gpu-baseline >"$OUT/gpu_baseline.md" 2>"$OUT/gpu_baseline.log" || { cat "$OUT/gpu_baseline.log"; exit 1; }
cat "$OUT/gpu_baseline.md" "$OUT/gpu_baseline.log"
