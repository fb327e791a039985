#!/usr/bin/env bash
# Proves the bundled 784-128-10 MLP end to end with the zkaccel CLI and verifies the proof.
#
#   scripts/prove-example.sh [OUT_DIR]
#
# Runs the ezkl-style verb sequence (gen-settings, calibrate-settings, compile-circuit, setup,
# gen-witness, prove, verify) with `cargo run --release`, writing every file to OUT_DIR (default:
# a new temporary directory). The keys use the INSECURE development SRS (--dev-srs): the only
# ceremony file in the repo (snarkjs 2^10) is too small for this circuit's 2^13 rows; pass a
# large enough .ptau with ZKACCEL_PTAU=/path/file.ptau to use a real one.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-$(mktemp -d -t zkaccel-example.XXXXXX)}"
mkdir -p "$out"
ex=host/onnx/examples
cargo build -q --release -p zkaccel-zkml --bin zkaccel
zk() { cargo run -q --release -p zkaccel-zkml --bin zkaccel -- "$@"; }
if [[ -n "${ZKACCEL_PTAU:-}" ]]; then srs=(--srs-path "$ZKACCEL_PTAU"); else srs=(--dev-srs); fi

echo "== files in $out"
zk gen-settings -M "$ex/mlp_784_128_10.onnx" -O "$out/settings.json" --param-visibility fixed
zk calibrate-settings -M "$ex/mlp_784_128_10.onnx" -D "$ex/mlp_calibration.json" --settings-path "$out/settings.json"
zk compile-circuit -M "$ex/mlp_784_128_10.onnx" --compiled-circuit "$out/model.compiled" -S "$out/settings.json"
zk setup -M "$out/model.compiled" "${srs[@]}" --vk-path "$out/vk.key" --pk-path "$out/pk.key"
zk gen-witness -D "$ex/mlp_input.json" -M "$out/model.compiled" -O "$out/witness.json"
zk prove --witness "$out/witness.json" -M "$out/model.compiled" --pk-path "$out/pk.key" --proof-path "$out/proof.json"
zk verify --proof-path "$out/proof.json" --vk-path "$out/vk.key"
echo "== the proof verifies: $out/proof.json"
