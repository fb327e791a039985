#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers a user can feed (issue 20), with cargo-afl on the stable
# toolchain.
#
#   scripts/fuzz.sh TARGET SECONDS [EXECS]   # one target; TARGET "all" runs each in turn
#
# Each target runs for SECONDS of wall time, or until about EXECS executions when given (AFL's -E),
# whichever comes first: `scripts/fuzz.sh vk 7200 1000000` stops at a million executions.
#
# Targets (fuzz/src/targets.rs): onnx input_json settings compiled witness proof_json
# proof_bytes vk pk ptau manifest. Installs what it needs on first use (afl++'s tools and clang from
# Debian's packages through scripts/install-deps.sh --fuzz, then `cargo install cargo-afl`); the
# README test command never needs them. Prints execs and crashes per target; each crash input is
# copied to fuzz/regressions/TARGET/, which host/zkml/tests/robust/fuzz_regressions.rs runs in the
# README test command (fix the crash, then keep the input).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh TARGET SECONDS [EXECS]}
secs=${2:?usage: scripts/fuzz.sh TARGET SECONDS [EXECS]}
execs_cap=${3:-}
case "$execs_cap" in ''|*[!0-9]*) [ -z "$execs_cap" ] || { echo "fuzz: EXECS must be a number, got '$execs_cap'" >&2; exit 1; } ;; esac
all="onnx input_json settings compiled witness proof_json proof_bytes vk pk ptau manifest"

scripts/install-deps.sh --fuzz
if ! cargo afl --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-afl" >&2
    cargo install cargo-afl --locked
fi
# cargo-afl's AFL++ runtime: built by `cargo install` or here once per rustc (it refuses, harmlessly,
# when already built).
cargo afl config --build >/dev/null 2>&1 || true
(cd fuzz && cargo afl build --release)
bin=fuzz/target/release/zkaccel-fuzz
out=fuzz/out
mkdir -p "$out"
"$bin" seeds "$out/seeds"

# AFL_NO_AFFINITY: several targets may run at once on a shared machine (AFL would refuse a third
# one once every core is bound).
# -t: a valid proof, key or circuit takes AFL's default time-out (≤ 1 s under load) to check, so
# AFL would abort on its own seeds; per-input time-out ZKACCEL_FUZZ_TIMEOUT_MS (default 10 000), and
# "+" lets it skip a seed that times out instead of aborting.
run_one() {
    local t=$1
    rm -rf "$out/$t"
    echo "fuzz: $t for ${secs} s" >&2
    AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_BENCH_UNTIL_CRASH=0 \
        ZKACCEL_FUZZ_TARGET=$t cargo afl fuzz -V "$secs" ${execs_cap:+-E "$execs_cap"} -t "${ZKACCEL_FUZZ_TIMEOUT_MS:-10000}+" -i "$out/seeds/$t" -o "$out/$t" -- "$bin" >"$out/$t.log" 2>&1 || true
    local stats="$out/$t/default/fuzzer_stats"
    local execs crashes run_time
    execs=$(sed -n 's/^execs_done *: *//p' "$stats" 2>/dev/null || echo "?")
    run_time=$(sed -n 's/^run_time *: *//p' "$stats" 2>/dev/null || echo "?")
    crashes=0
    for c in "$out/$t"/default/crashes/id:*; do
        [ -e "$c" ] || continue
        crashes=$((crashes + 1))
        cp "$c" "fuzz/regressions/$t/crash-$(sha256sum "$c" | cut -c1-16)"
    done
    echo "fuzz: $t: ${execs:-?} execs in ${run_time:-?} s, $crashes crash(es)$([ "$crashes" -gt 0 ] && echo " (saved under fuzz/regressions/$t/)")"
}

if [ "$target" = all ]; then
    for t in $all; do run_one "$t"; done
else
    run_one "$target"
fi
