#!/usr/bin/env python3
"""The co-design projection table and plot of one prove run.

    scripts/projection-table.py PROVE_JSON MODEL [OUT_DIR]

PROVE_JSON is `zkaccel prove --device sim --json`'s report (scripts/codesign-profile.sh makes it;
docs/projection/prove-*.json are kept ones). Prints the table; with OUT_DIR also writes
OUT_DIR/projection-MODEL.md, OUT_DIR/projection-MODEL.svg and OUT_DIR/prove-MODEL.json.
Card times are projections: RTL cycles at assumed clocks plus PCIe at an assumed rate, plus the
host's share of the card calls (digits, decoding and combining answers, four-step passes, wire
conversion) and the checks of their results, both measured in the card run; CPU times are the CPU
prover's, measured in the same command.
"""
import json, os, sys
j = json.load(open(sys.argv[1]))
model, out = sys.argv[2], sys.argv[3]
a, cd = j["accel"], j["codesign"]
clocks = (150, 250, 350)
lines = [
    f"k = {j['k']}; whole prove with the simulated card {j['prove_ms']/1e3:.1f} s (simulation speed, not a card's); fallbacks {a['fallback_count']}",
    f"CPU prover, same proof, measured: prove {cd['cpu_prove_ms']:.0f} ms (MSM {cd['cpu_msm_ms']:.0f} ms, NTT {cd['cpu_ntt_ms']:.0f} ms, lookup kernels {cd.get('cpu_lookup_ms', float('nan')):.0f} ms)",
    "",
    "| kernel | card calls | elements | card cycles | bytes to card | bytes from card | of which host share + checks, measured (ms) | projected at 150 / 250 / 350 MHz (ms) | CPU measured (ms) |",
    "|---|---|---|---|---|---|---|---|---|",
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
    if proj and "card_host_ms" not in p:
        sys.exit(f"{sys.argv[1]}: no card_host_ms for {k}: a report from before the projection counted the host's share; prove again")
    host = f"{p['card_host_ms']:.2f} + {p['check_ms']:.2f}" if proj else "—"
    lines.append(f"| {k} | {p['card_calls']} | {p['card_elements']} | {p['card_cycles']} | {p['card_bytes_to']} | {p['card_bytes_from']} | {host} | {ptxt}{note} | {cpu_ms:.1f} |")
    rows.append((k, cpu_ms, [(x if x is not None else 0.0) + served_on_cpu for x in proj] if proj else [served_on_cpu] * 3))
tot_cpu = sum(r[1] for r in rows)
tot_card = [sum(r[2][i] for r in rows) for i in range(3)]
lines.append(f"| all three | | | | | | | {' / '.join(f'{x:.2f}' for x in tot_card)} | {tot_cpu:.1f} |")
# Each kernel on the side that is faster for it (card projected vs CPU measured), one after another.
tot_split = [sum(min(r[2][i], r[1]) for r in rows) for i in range(3)]
sides = ", ".join(f"{r[0]} on the {'card' if r[2][1] < r[1] else 'CPU'}" for r in rows)
lines.append(f"| all three, each on its faster side¹ | | | | | | | {' / '.join(f'{x:.2f}' for x in tot_split)} | {tot_cpu:.1f} |")
lines.append("")
lines.append(f"¹ Per kernel the smaller of the card's projected and the CPU's measured time, kernels one after another (no overlap); at 250 MHz: {sides}.")
print("\n".join(lines))
if out:
    os.makedirs(out, exist_ok=True)
    open(os.path.join(out, f"projection-{model}.md"), "w").write("\n".join(lines) + "\n")
    json.dump(j, open(os.path.join(out, f"prove-{model}.json"), "w"), indent=1)
    # Grouped bars on a log scale: per kernel, CPU measured and the card projected at each clock.
    import math
    groups = rows + [("all three", tot_cpu, tot_card), ("faster side each", tot_cpu, tot_split)]
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
    svg.append(f'<text x="{L}" y="{H + 52}" font-size="10">PCIe at an assumed {cd["assumed"]["pcie_bytes_per_s"]/1e9:.0f} GB/s, not overlapped; card cycles from the simulated RTL; host share and checks measured; CPU times measured in the same command.</text>')
    svg.append("</svg>")
    open(os.path.join(out, f"projection-{model}.svg"), "w").write("\n".join(svg) + "\n")
    print(f"wrote {out}/projection-{model}.md, .svg, prove-{model}.json")
