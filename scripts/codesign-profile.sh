#!/usr/bin/env bash
# The co-design profile of one bundled model on a simulated card: every verb with the CPU, then
# `prove --device sim|sim:rtl`, which proves with the card, makes the same proof again on the CPU
# and prints per kernel the card's cycles and bytes, projected times at ASSUMED clocks and PCIe
# rate, beside the CPU prover's measured time (docs/architecture.md).
#
#   scripts/codesign-profile.sh tiny sim:rtl      # the tiny model, whole card in RTL
#   scripts/codesign-profile.sh mlp sim           # the 784-128-10 MLP, fast variant
#
# ZKACCEL_BIN names the binary (default: build target/release/zkaccel with --features sim).
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?usage: $0 tiny|mlp [sim|sim:rtl]}
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
    *) echo "unknown model $model (tiny or mlp)" >&2; exit 1 ;;
esac
d=$(mktemp -d)
z() { "$ZKACCEL_BIN" "$@"; }
z gen-settings -M "$onnx" -O "$d/settings.json" "${gen[@]}" >/dev/null
if [ "$model" = mlp ]; then
    z calibrate-settings -M "$onnx" -D "$ex/mlp_calibration.json" --settings-path "$d/settings.json" >/dev/null
fi
z compile-circuit -M "$onnx" --compiled-circuit "$d/model.compiled" -S "$d/settings.json" "${compile[@]}" >/dev/null
z setup -M "$d/model.compiled" --dev-srs --vk-path "$d/vk.key" --pk-path "$d/pk.key" --device cpu >/dev/null 2>&1
z gen-witness -D "$input" -M "$d/model.compiled" -O "$d/witness.json" >/dev/null
echo "model $model, device $device, files in $d"
z prove --witness "$d/witness.json" -M "$d/model.compiled" --pk-path "$d/pk.key" --proof-path "$d/proof.json" \
    --device "$device" --device-timeout 3600 --json > "$d/prove.json"
z prove --witness "$d/witness.json" -M "$d/model.compiled" --pk-path "$d/pk.key" --proof-path "$d/proof.json" \
    --device cpu >/dev/null 2>&1
python3 - "$d/prove.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
a, cd = j["accel"], j["codesign"]
print(f"k = {j['k']}; whole prove with the simulated card {j['prove_ms']/1e3:.1f} s (simulation speed, not a card's); fallbacks {a['fallback_count']}")
print(f"CPU prover, same proof, measured: prove {cd['cpu_prove_ms']:.0f} ms (MSM {cd['cpu_msm_ms']:.0f} ms, NTT {cd['cpu_ntt_ms']:.0f} ms)")
print("| kernel | card calls | elements | card cycles | bytes to card | bytes from card | projected at 150 / 250 / 350 MHz (ms) | CPU measured (ms) |")
print("|---|---|---|---|---|---|---|---|")
for k, cpu_ms in (("msm", cd["cpu_msm_ms"]), ("ntt", cd["cpu_ntt_ms"])):
    p, at = a[k], cd["projected_card"].get(k, {})
    proj = " / ".join(f"{at[f'{f}_mhz_ms']:.2f}" for f in (150, 250, 350)) if at else "—"
    print(f"| {k} | {p['card_calls']} | {p['card_elements']} | {p['card_cycles']} | {p['card_bytes_to']} | {p['card_bytes_from']} | {proj} | {cpu_ms:.1f} |")
PY
