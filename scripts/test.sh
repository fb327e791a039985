#!/usr/bin/env bash
# The whole test suite (the README's test command; `.ci/run` runs exactly this): installs what the
# tests need (scripts/install-deps.sh), then runs every test of the workspace with cargo-nextest,
# which schedules the tests of all test binaries together on the machine's cores, one process per
# test, instead of cargo test's one binary after another (on CI's 2-core machine the Verilator
# model builds and the simulated-card proofs made cargo test's run ≈ 1.3× longer), and finally the
# documentation tests, which nextest does not run. Extra arguments go to `cargo nextest run`
# (a filter, `--no-capture`, ...). Settings: .config/nextest.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
features=zkaccel-zkml/sim,zkaccel-zkml/test-utils
scripts/install-deps.sh
cargo nextest run --workspace --features "$features" "$@"
cargo test --workspace --doc --features "$features"
