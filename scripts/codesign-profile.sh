#!/usr/bin/env bash
# The co-design profile of one bundled model on a simulated card: every verb with the CPU, then
# `prove --device sim|sim:rtl`, which proves with the card, makes the same proof again on the CPU
# and prints per kernel the card's cycles and bytes, projected times at ASSUMED clocks and PCIe
# rate, beside the CPU prover's measured time (docs/architecture.md).
#
#   scripts/codesign-profile.sh tiny sim:rtl      # the tiny model, whole card in RTL
#   scripts/codesign-profile.sh mlp sim           # the 784-128-10 MLP, fast variant
#   scripts/codesign-profile.sh cnn sim           # cnn_small_28 (conv, pool, dense)
#
# ZKACCEL_BIN names the binary (default: build target/release/zkaccel with --features sim).
# OUT=dir also writes dir/projection-MODEL.md (the table), dir/projection-MODEL.svg (the plot:
# CPU measured vs card projected per kernel and for the three kernels together) and
# dir/prove-MODEL.json (the prover's --json report the table is made from).
# LAYOUT=projection proves the matrix products by random projection (gen-settings
# --matmul-layout projection; default: the settings' default, mac); the files are then named
# projection-MODEL-projection.{md,svg}.
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?usage: $0 tiny|mlp|cnn [sim|sim:rtl]}
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
    --device "$device" --device-timeout 3600 --json > "$d/prove.json"
z prove --witness "$d/witness.json" -M "$d/model.compiled" --pk-path "$d/pk.key" --proof-path "$d/proof.json" \
    --device cpu >/dev/null 2>&1
name=$model${LAYOUT:+-$LAYOUT}
python3 - "$d/prove.json" "$name" "${OUT:-}" <<'PY'
import json, os, sys
j = json.load(open(sys.argv[1]))
model, out = sys.argv[2], sys.argv[3]
a, cd = j["accel"], j["codesign"]
clocks = (150, 250, 350)
lines = [
    f"k = {j['k']}; whole prove with the simulated card {j['prove_ms']/1e3:.1f} s (simulation speed, not a card's); fallbacks {a['fallback_count']}",
    f"CPU prover, same proof, measured: prove {cd['cpu_prove_ms']:.0f} ms (MSM {cd['cpu_msm_ms']:.0f} ms, NTT {cd['cpu_ntt_ms']:.0f} ms, lookup kernels {cd.get('cpu_lookup_ms', float('nan')):.0f} ms)",
    "",
    "| kernel | card calls | elements | card cycles | bytes to card | bytes from card | projected at 150 / 250 / 350 MHz (ms) | CPU measured (ms) |",
    "|---|---|---|---|---|---|---|---|",
]
rows = []  # (kernel, cpu ms, [projected ms per clock] or None)
for k in ("msm", "ntt", "lookup"):
    p, at = a.get(k, {}), cd["projected_card"].get(k, {})
    cpu_ms = cd.get(f"cpu_{k}_ms")
    if not p or (p["card_calls"] + p["cpu_calls"] == 0 and not cpu_ms):
        continue
    proj = [at[f"{f}_mhz_ms"] for f in clocks] if at else None
    # Calls the card did not serve ran on the CPU in the card run too: count them at their CPU time.
    served_on_cpu = p.get("cpu_ms", 0.0)
    note = "" if not p["cpu_calls"] else f" (+{p['cpu_calls']} calls on the CPU, {served_on_cpu:.1f} ms)"
    ptxt = " / ".join(f"{x:.2f}" for x in proj) if proj else "—"
    lines.append(f"| {k} | {p['card_calls']} | {p['card_elements']} | {p['card_cycles']} | {p['card_bytes_to']} | {p['card_bytes_from']} | {ptxt}{note} | {cpu_ms:.1f} |")
    rows.append((k, cpu_ms, [(x if x is not None else 0.0) + served_on_cpu for x in proj] if proj else [served_on_cpu] * 3))
tot_cpu = sum(r[1] for r in rows)
tot_card = [sum(r[2][i] for r in rows) for i in range(3)]
lines.append(f"| all three | | | | | | {' / '.join(f'{x:.2f}' for x in tot_card)} | {tot_cpu:.1f} |")
print("\n".join(lines))
if out:
    os.makedirs(out, exist_ok=True)
    open(os.path.join(out, f"projection-{model}.md"), "w").write("\n".join(lines) + "\n")
    json.dump(j, open(os.path.join(out, f"prove-{model}.json"), "w"), indent=1)
    # Grouped bars on a log scale: per kernel, CPU measured and the card projected at each clock.
    import math
    groups = rows + [("all three", tot_cpu, tot_card)]
    series = [("CPU prover, measured", "#444444")] + [(f"card at {f} MHz (assumed), projected", c) for f, c in zip(clocks, ("#9ecae1", "#4292c6", "#08519c"))]
    vals = [[g[1]] + list(g[2]) for g in groups]
    top = max(v for vs in vals for v in vs if v > 0)
    bot = min(v for vs in vals for v in vs if v > 0)
    lo, hi = math.floor(math.log10(bot)), math.ceil(math.log10(top))
    W, H, L, B, T = 760, 380, 70, 60, 40
    ph = H - B - T
    y = lambda v: T + ph - (math.log10(max(v, 10**lo)) - lo) / (hi - lo) * ph
    gw = (W - L - 20) / len(groups)
    bw = gw * 0.8 / len(series)
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H + 60}" font-family="sans-serif" font-size="12">',
           f'<text x="{W/2}" y="20" text-anchor="middle" font-size="14">{model}: kernel time per proof, CPU measured vs card projected (k = {j["k"]})</text>']
    for e in range(lo, hi + 1):
        yy = y(10**e)
        svg.append(f'<line x1="{L}" x2="{W-20}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#ddd"/><text x="{L-6}" y="{yy+4:.1f}" text-anchor="end">{10**e:g} ms</text>')
    for gi, (g, vs) in enumerate(zip(groups, vals)):
        x0 = L + gi * gw + gw * 0.1
        for si, ((_, color), v) in enumerate(zip(series, vs)):
            if v <= 0:
                continue
            x = x0 + si * bw
            svg.append(f'<rect x="{x:.1f}" y="{y(v):.1f}" width="{bw-2:.1f}" height="{T + ph - y(v):.1f}" fill="{color}"><title>{v:.2f} ms</title></rect>')
            svg.append(f'<text x="{x + bw/2 - 1:.1f}" y="{y(v) - 3:.1f}" text-anchor="middle" font-size="9">{v:.3g}</text>')
        svg.append(f'<text x="{x0 + gw*0.4:.1f}" y="{T + ph + 16}" text-anchor="middle">{g[0]}</text>')
    for si, (name, color) in enumerate(series):
        xx = L + (si % 2) * 340
        yy = H + 5 + (si // 2) * 18
        svg.append(f'<rect x="{xx}" y="{yy}" width="12" height="12" fill="{color}"/><text x="{xx+16}" y="{yy+10}">{name}</text>')
    svg.append(f'<text x="{L}" y="{H + 52}" font-size="10">PCIe at an assumed {cd["assumed"]["pcie_bytes_per_s"]/1e9:.0f} GB/s, not overlapped; card cycles from the simulated RTL; CPU times measured in the same command.</text>')
    svg.append("</svg>")
    open(os.path.join(out, f"projection-{model}.svg"), "w").write("\n".join(svg) + "\n")
    print(f"wrote {out}/projection-{model}.md, .svg, prove-{model}.json")
PY
