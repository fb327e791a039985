#!/usr/bin/env bash
# The co-design profile of one bundled model on a simulated card: every verb with the CPU, then
# `prove --device sim|sim:rtl|sim:dual`, which proves with the card, makes the same proof again on the CPU
# and prints per kernel the card's cycles and bytes, projected times at ASSUMED clocks and PCIe
# rate, beside the CPU prover's measured time (docs/architecture.md).
#
#   scripts/codesign-profile.sh tiny sim:rtl      # the tiny model, whole card in RTL
#   scripts/codesign-profile.sh mlp sim           # the 784-128-10 MLP, fast variant
#   scripts/codesign-profile.sh cnn sim           # cnn_small_28 (conv, pool, dense)
#   scripts/codesign-profile.sh mlp sim:dual      # the two-MSM-unit card
#
# ZKACCEL_BIN names the binary (default: build target/release/zkaccel with --features sim).
# OUT=dir also writes dir/projection-MODEL.md (the table), dir/projection-MODEL.svg (the plot:
# CPU measured vs card projected per kernel and for the three kernels together) and
# dir/prove-MODEL.json (the prover's --json report the table is made from).
# LAYOUT=projection proves the matrix products by random projection (gen-settings
# --matmul-layout projection; default: the settings' default, mac); the files are then named
# projection-MODEL-projection.{md,svg}; with the device sim:dual the names end in -dual.
# DEVICE_KERNELS=msm,lookup (any subset; default all) keeps the other kernels on the CPU in the
# card run (prove --device-kernels): their CPU time is then in the card run's rows.
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?usage: $0 tiny|mlp|cnn [sim|sim:rtl|sim:dual]}
device=${2:-sim}
if [ -z "${ZKACCEL_BIN:-}" ]; then
    cargo build --release -q -p zkaccel-zkml --features sim
    ZKACCEL_BIN=target/release/zkaccel
fi
ex=host/onnx/examples
case "$model" in
    tiny) onnx=$ex/tiny_4_8_3.onnx; input=$ex/tiny_input.json
          gen=(--input-scale 5 --param-scale 5 -D "$input"); compile=(--lanes 2) ;;
    mlp)  onnx=$ex/mlp_784_128_10.onnx; input=$ex/mlp_input.json
          gen=(--param-visibility fixed); compile=() ;;
    cnn)  onnx=$ex/cnn_small_28.onnx; input=$ex/cnn_input.json
          gen=(--param-visibility fixed); compile=() ;;
    *) echo "unknown model $model (tiny, mlp or cnn)" >&2; exit 1 ;;
esac
d=$(mktemp -d)
z() { "$ZKACCEL_BIN" "$@"; }
if [ -n "${LAYOUT:-}" ]; then gen+=(--matmul-layout "$LAYOUT"); fi
z gen-settings -M "$onnx" -O "$d/settings.json" "${gen[@]}" >/dev/null
if [ "$model" != tiny ]; then
    z calibrate-settings -M "$onnx" -D "$ex/${model}_calibration.json" --settings-path "$d/settings.json" >/dev/null
fi
z compile-circuit -M "$onnx" --compiled-circuit "$d/model.compiled" -S "$d/settings.json" "${compile[@]}" >/dev/null
z setup -M "$d/model.compiled" --dev-srs --vk-path "$d/vk.key" --pk-path "$d/pk.key" --device cpu >/dev/null 2>&1
z gen-witness -D "$input" -M "$d/model.compiled" -O "$d/witness.json" >/dev/null
echo "model $model, device $device, files in $d"
z prove --witness "$d/witness.json" -M "$d/model.compiled" --pk-path "$d/pk.key" --proof-path "$d/proof.json" \
    --device "$device" --device-timeout 3600 ${DEVICE_KERNELS:+--device-kernels "$DEVICE_KERNELS"} --json > "$d/prove.json"
z prove --witness "$d/witness.json" -M "$d/model.compiled" --pk-path "$d/pk.key" --proof-path "$d/proof.json" \
    --device cpu >/dev/null 2>&1
name=$model${LAYOUT:+-$LAYOUT}
if [ "$device" = sim:dual ]; then name+=-dual; fi
python3 scripts/projection-table.py "$d/prove.json" "$name" "${OUT:-}"
