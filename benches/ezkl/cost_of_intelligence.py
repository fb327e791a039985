#!/usr/bin/env python3
"""The cost of intelligence: proving cost against parameter count, zkaccel beside ezkl.

Generates MLPs and LeNet-style CNNs from about 10^4 to 10^6 parameters (onnx.helper graphs,
seeded), runs each through ezkl (Python API) and zkaccel (CLI; `--matmul-layout mac` and
`projection`) on the same machine with the step runners of compare.py (one process per step,
wall time, peak RSS by GNU time), and writes a markdown table and an SVG plot: parameters →
prove time, peak memory, proof size, verify time, for every tool, with the ratio to ezkl.

    benches/ezkl/.venv/bin/python benches/ezkl/cost_of_intelligence.py            # the sweep
    benches/ezkl/.venv/bin/python benches/ezkl/cost_of_intelligence.py --render   # table + plot
                                                                                  # from the JSON

The machine this was written for is shared (2 cores, 24 GB, other jobs building), so:
* every step's memory is capped: a watchdog sums the resident memory of the step's process
  group every 0.1 s and kills it at `--mem-cap-gib` (default 8); such a step is reported as
  "out of memory at the 8 GiB cap" — the cap, not the machine, is the limit reached;
* every step has a time limit (`--step-timeout`, default 600 s), reported as such;
* the 1-minute load average at the start of each step is recorded with every row;
* sizes run smallest first (all families of one size before the next size), so the largest
  run last; a tool stops getting larger models of a family once one of its runs failed or its
  setup + prove took longer than `--stop-after` seconds (default 240: the next size, about 3×
  the parameters, would pass ~10 min), and no new model starts after `--budget-min` minutes.

Both tools get the same model, input and calibration samples, the same visibility (input
private, output public, weights fixed) and the same fixed scale (`--scale`, default 7 for
input and weights: ezkl `calibrate_settings(scales=[7])`, zkaccel `gen-settings --input-scale 7
--param-scale 7 -D calibration`); each tool chooses its own layout (ezkl its logrows, zkaccel its
lanes and k). Every proof must verify (else the row says so). One repetition per model: read the
ratios, and the load column, not single absolute times.

The results go to `--out-dir` (default docs/cost-of-intelligence): results.json (every
measurement, written after each step so a cut-off sweep keeps what it measured), table.md and
cost-of-intelligence.svg. Models and tool work files go to `--work-dir` (default
benches/ezkl/work/cost).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import compare  # noqa: E402  (the step runners and measurement of the side-by-side harness)

REPO = HERE.parent.parent
OPSET = 13

# family -> list of (name, constructor arguments); sizes about 10^4, 3·10^4, 10^5, 3·10^5, 10^6
MLP_SIZES = [12, 36, 110, 300, 690]  # 784 → h → h → 10
CNN_SIZES = [(4, 64), (8, 96), (16, 160), (32, 224), (48, 560)]  # (channels c, hidden h)
TOOLS = ("ezkl", "zkaccel-mac", "zkaccel-projection")


# ---------------------------------------------------------------------------------------------
# models


def _init(name, array):
    from onnx import numpy_helper

    return numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)


class Graph:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.params, self.macs = [], [], 0, 0

    def gemm(self, x, name, n_in, n_out):
        from onnx import helper

        w = self.rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))
        b = self.rng.normal(0.0, 0.05, size=(n_out,))
        self.inits += [_init(f"{name}.weight", w), _init(f"{name}.bias", b)]
        self.nodes.append(helper.make_node("Gemm", [x, f"{name}.weight", f"{name}.bias"],
                                           [f"{name}_out"], name=name, transB=1))
        self.params += w.size + b.size
        self.macs += w.size
        return f"{name}_out"

    def conv(self, x, name, c_in, c_out, k, out_side):
        from onnx import helper

        w = self.rng.normal(0.0, np.sqrt(2.0 / (c_in * k * k)), size=(c_out, c_in, k, k))
        b = self.rng.normal(0.0, 0.05, size=(c_out,))
        self.inits += [_init(f"{name}.weight", w), _init(f"{name}.bias", b)]
        # every attribute written out, as torch.onnx.export does (ezkl requires the strides)
        self.nodes.append(helper.make_node(
            "Conv", [x, f"{name}.weight", f"{name}.bias"], [f"{name}_out"], name=name,
            kernel_shape=[k, k], strides=[1, 1], dilations=[1, 1], pads=[0, 0, 0, 0], group=1))
        self.params += w.size + b.size
        self.macs += w.size * out_side * out_side
        return f"{name}_out"

    def op(self, op_type, x, name, **attrs):
        from onnx import helper

        self.nodes.append(helper.make_node(op_type, [x], [f"{name}_out"], name=name, **attrs))
        return f"{name}_out"

    def model(self, name, in_shape, out_shape):
        import onnx
        from onnx import TensorProto, helper

        self.nodes[-1].output[0] = "output"
        g = helper.make_graph(self.nodes, name,
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, in_shape)],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, out_shape)],
                              initializer=self.inits)
        m = helper.make_model(g, producer_name="zkaccel cost_of_intelligence.py",
                              opset_imports=[helper.make_opsetid("", OPSET)])
        m.ir_version = 8
        onnx.checker.check_model(m)
        return m


def mlp(h):
    """784 → h → ReLU → h → ReLU → 10 on a flat 28×28 input."""
    g = Graph(seed=1000 + h)
    x = g.op("Relu", g.gemm("input", "fc1", 784, h), "relu1")
    x = g.op("Relu", g.gemm(x, "fc2", h, h), "relu2")
    g.gemm(x, "fc3", h, 10)
    return g.model(f"mlp_{h}", [1, 784], [1, 10]), g.params, g.macs, [1, 784]


def cnn(c, h):
    """LeNet-style: Conv 1→c 5×5, ReLU, MaxPool 2, Conv c→2c 5×5, ReLU, MaxPool 2, Gemm 32c→h,
    ReLU, Gemm h→10 on a 1×1×28×28 input (c = 4, h = 32 is the bundled cnn_small_28)."""
    g = Graph(seed=2000 + 100 * c + h)
    pool = dict(kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 0, 0])
    x = g.op("Relu", g.conv("input", "conv1", 1, c, 5, 24), "relu1")
    x = g.op("MaxPool", x, "pool1", **pool)
    x = g.op("Relu", g.conv(x, "conv2", c, 2 * c, 5, 8), "relu2")
    x = g.op("MaxPool", x, "pool2", **pool)
    x = g.op("Flatten", x, "flatten", axis=1)
    x = g.op("Relu", g.gemm(x, "fc1", 2 * c * 16, h), "relu3")
    g.gemm(x, "fc2", h, 10)
    return g.model(f"cnn_{c}_{h}", [1, 1, 28, 28], [1, 10]), g.params, g.macs, [1, 1, 28, 28]


def digit_like(rng, shift):
    """A 28×28 stroke image in [0, 1] (as host/onnx/examples/make_cnn.py)."""
    img = np.zeros((28, 28), dtype=np.float32)
    for t in np.linspace(0.0, 1.0, 60):
        r = int(6 + 16 * t)
        col = int(14 + shift + 7 * np.sin(3.0 * t + 0.5 * shift))
        img[max(r - 1, 0):r + 2, max(col - 1, 0):min(col + 2, 28)] = 1.0
    img += rng.uniform(0.0, 0.1, size=img.shape).astype(np.float32) * (img == 0)
    return np.clip(img, 0.0, 1.0)


def write_model(work, name, built):
    import onnx

    model, params, macs, _ = built
    d = work / "models"
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{name}.onnx"
    onnx.save(model, str(path))
    rng = np.random.default_rng(7)
    imgs = [digit_like(rng, s) for s in (-3, -2, -1, 0, 1, 2, 3, 0)]
    (d / "input.json").write_text(json.dumps({"input_data": [[float(v) for v in imgs[3].ravel()]]}))
    (d / "calibration.json").write_text(json.dumps(
        {"input_data": [[float(v) for img in imgs for v in img.ravel()]]}))
    return path, d / "input.json", d / "calibration.json", params, macs


def plan():
    """(size index, family, name, builder) smallest first, the families interleaved."""
    out = []
    for i in range(len(MLP_SIZES)):
        h = MLP_SIZES[i]
        out.append((i, "MLP", f"mlp_{h}", lambda h=h: mlp(h), f"784-{h}-{h}-10"))
        c, hh = CNN_SIZES[i]
        out.append((i, "CNN", f"cnn_{c}_{hh}", lambda c=c, hh=hh: cnn(c, hh),
                    f"conv {c}, {2 * c} ch 5×5, fc {hh}"))
    return out


# ---------------------------------------------------------------------------------------------
# a memory cap for each step


class MemCap:
    """Patches compare.run_measured: the step runs in its own session (compare starts it with
    start_new_session), and a watchdog thread sums the RSS of every process of that session
    every 0.1 s; over the cap it kills the session, and the step is reported as out of memory."""

    def __init__(self, cap_bytes):
        self.cap = cap_bytes
        self.hit = False
        self.peak_seen = 0
        self._orig_popen = subprocess.Popen

    @staticmethod
    def session_rss(sid):
        total = 0
        page = os.sysconf("SC_PAGE_SIZE")
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[3]) != sid:  # field 6 of stat: session id
                    continue
                total += int(fields[21]) * page  # field 24: rss in pages
            except (OSError, IndexError, ValueError):
                continue
        return total

    def run(self, cmd, cwd, log_path, timeout, env=None):
        self.hit = False
        self.peak_seen = 0
        cap, stop = self, threading.Event()

        class Watched(cap._orig_popen):
            def __init__(self, *a, **kw):
                super().__init__(*a, **kw)
                threading.Thread(target=self._watch, daemon=True).start()

            def _watch(self):
                while not stop.wait(0.1):
                    rss = MemCap.session_rss(self.pid)
                    cap.peak_seen = max(cap.peak_seen, rss)
                    if rss > cap.cap:
                        cap.hit = True
                        try:
                            os.killpg(self.pid, signal.SIGKILL)
                        except OSError:
                            pass
                        return

        compare.subprocess.Popen = Watched  # compare's run_measured starts the step with it
        try:
            return ORIG_RUN_MEASURED(cmd, cwd, log_path, timeout, env)
        finally:
            compare.subprocess.Popen = self._orig_popen
            stop.set()


ORIG_RUN_MEASURED = compare.run_measured


# ---------------------------------------------------------------------------------------------
# running


def tool_args(args, tool, work):
    argv = ["--scale", str(args.scale), "--timeout", str(args.step_timeout),
            "--work-dir", str(work), "--zkaccel", str(args.zkaccel),
            "--ezkl-python", args.ezkl_python]
    if tool == "zkaccel-projection":
        argv.append("--zkaccel-settings-args=--matmul-layout projection")
    a = compare.parse_args(argv)
    a.work_dir = args.work_dir  # ezkl's SRS files are cached in WORK_DIR/srs across models
    return a


def run_tool(args, cap, tool, model, data, calib, work):
    """prepare, setup, witness, prove, verify once; returns the row's measurements for `tool`."""
    a = tool_args(args, tool, work)
    cls = compare.Ezkl if tool == "ezkl" else compare.Zkaccel
    t = cls(a, model, data, calib, work)
    if tool != "ezkl":
        t.dir = work / tool
        t.dir.mkdir(parents=True, exist_ok=True)
        d = t.dir
        t.settings, t.compiled = d / "settings.json", d / "model.compiled"
        t.pk, t.vk, t.witness, t.proof = d / "pk.key", d / "vk.key", d / "witness.json", d / "proof.json"
    res = {"steps": {}, "status": "ok"}
    step = "prepare"
    try:
        prep = t.prepare()
        res["prepare"] = {k: _slim(v) for k, v in prep.items()}
        for step in compare.TIMED_STEPS:
            res["steps"][step] = _slim(t.step(step))
        res["info"] = t.info()
        res["proof_bytes"] = t.proof_size()["proof_bytes"]
        res["keys"] = t.key_sizes()
    except compare.StepFailed as exc:
        msg = str(exc).splitlines()[0]
        if cap.hit:
            res["status"] = f"out of memory at the {args.mem_cap_gib:g} GiB cap ({step})"
        elif "timed out" in msg:
            res["status"] = f"over the {args.step_timeout:g} s step limit ({step})"
        else:
            res["status"] = f"failed ({step}): {msg[:300]}"
        res["failed_step"] = step
        res["watchdog_peak_bytes"] = cap.peak_seen
        try:
            res["info"] = t.info()
        except Exception:  # noqa: BLE001  (settings may not exist yet)
            pass
    return res


def _slim(m):
    keep = ("wall_s", "time_s", "maxrss_kib", "user_s", "sys_s", "load_before", "load_after",
            "self_reported")
    return {k: m[k] for k in keep if k in m}


def sweep(args):
    out_dir, work = args.out_dir, args.work_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    results_path = out_dir / "results.json"
    snap = work / "zkaccel.snapshot"  # a private copy: the target directory is shared
    import shutil

    shutil.copy2(args.zkaccel, snap)
    args.zkaccel = snap
    cap = MemCap(int(args.mem_cap_gib * 2**30))
    compare.run_measured = cap.run
    result = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": shlex.join(["benches/ezkl/.venv/bin/python", "benches/ezkl/cost_of_intelligence.py",
                               *sys.argv[1:]]),
        "machine": compare.machine_info(),
        "settings": {"scale": args.scale, "mem_cap_gib": args.mem_cap_gib,
                     "step_timeout_s": args.step_timeout, "stop_after_s": args.stop_after,
                     "budget_min": args.budget_min,
                     "visibility": "input private, output public, params fixed"},
        "zkaccel_version": subprocess.run([str(snap), "--version"], capture_output=True,
                                          text=True).stdout.strip(),
        "rows": [],
    }
    if args.resume and results_path.exists():
        old = json.loads(results_path.read_text())
        result["rows"] = old.get("rows", [])
        result["date"] = old.get("date", result["date"])
        result["commands"] = old.get("commands", [old.get("command")]) + [result["command"]]
    stopped = {}  # (family, tool) -> why no larger model
    for row in result["rows"]:
        for tool, r in row["tools"].items():
            _note_stop(stopped, row["family"], tool, r, args)
    t_start = time.monotonic()
    done = {r["name"] for r in result["rows"]}
    wanted = set(args.tools.split(","))
    for idx, family, name, build, shape in plan():
        if idx >= args.max_size or family.lower() not in args.families.split(","):
            continue
        if name in done:
            continue
        tools = [t for t in TOOLS if t in wanted and (family, t) not in stopped]
        if not tools:
            continue
        if (time.monotonic() - t_start) / 60 > args.budget_min:
            compare.log(f"budget of {args.budget_min} min spent: not starting {name}")
            break
        model, data, calib, params, macs = write_model(work, name, build())
        row = {"family": family, "name": name, "shape": shape, "params": int(params),
               "macs": int(macs), "tools": {},
               "not_run": {t: stopped[(family, t)] for t in TOOLS
                           if t in wanted and (family, t) in stopped}}
        for tool in tools:
            compare.log(f"[{name}] {params} params: {tool}")
            r = run_tool(args, cap, tool, model, data, calib, work / name)
            row["tools"][tool] = r
            _note_stop(stopped, family, tool, r, args)
            compare.log(f"[{name}] {tool}: {r['status']}; "
                        + ", ".join(f"{s} {v['time_s']:.2f} s {v['maxrss_kib'] / 1024:.0f} MiB"
                                    for s, v in r["steps"].items()))
            result["rows"] = [x for x in result["rows"] if x["name"] != name] + [row]
            results_path.write_text(json.dumps(result, indent=1))
        if not args.keep_work:
            shutil.rmtree(work / name, ignore_errors=True)  # keys of the large models are GBs
    render(result, out_dir)
    return 0


def _note_stop(stopped, family, tool, r, args):
    if r["status"] != "ok":
        stopped[(family, tool)] = f"not run: the smaller model was {r['status']}"
        return
    s = r["steps"]
    t = s["setup"]["time_s"] + s["prove"]["time_s"]
    if t > args.stop_after:
        stopped[(family, tool)] = (f"not run: setup + prove of the smaller model took {t:.0f} s "
                                   f"(> {args.stop_after:g} s; the next size would pass the time box)")


# ---------------------------------------------------------------------------------------------
# table and plot


def _fmt_t(s):
    return compare.fmt_time(s)


def _fmt_mem(kib):
    return f"{kib / 1024:.0f} MiB" if kib < 10 * 1024 * 1024 else f"{kib / 2**20:.1f} GiB"


def _fmt_params(n):
    if n >= 10**6:
        return f"{n / 1e6:.2f} M"
    return f"{n / 1e3:.1f} k"


def _cell(r, key, ez=None):
    """A table cell of tool result r: the value, with the ratio to ezkl's when given."""
    if r is None:
        return "—"
    if r["status"] != "ok":
        return _short(r["status"])
    if key == "prove":
        v = r["steps"]["prove"]["time_s"]
        s = _fmt_t(v)
        ev = ez["steps"]["prove"]["time_s"] if ez and ez["status"] == "ok" else None
    elif key == "mem":
        v = max(m["maxrss_kib"] for m in r["steps"].values())
        s = _fmt_mem(v)
        ev = max(m["maxrss_kib"] for m in ez["steps"].values()) if ez and ez["status"] == "ok" else None
    elif key == "verify":
        return _fmt_t(r["steps"]["verify"]["time_s"])
    elif key == "setup":
        return _fmt_t(r["steps"]["setup"]["time_s"])
    elif key == "proof":
        return f"{r['proof_bytes']}"
    elif key == "k":
        return str(r.get("info", {}).get("circuit_logrows"))
    else:
        raise ValueError(key)
    if ez is not None and ev:
        s += f" ({v / ev:.3f}×)" if v / ev < 0.1 else f" ({v / ev:.2f}×)"
    return s


def _short(status):
    """A table cell's failure: the reason without the tool's output (that is under the table)."""
    return status.split(":")[0] if status.startswith("failed") else status


def render(result, out_dir):
    rows = sorted(result["rows"], key=lambda r: (r["family"] != "MLP", r["params"]))
    names = {"ezkl": "ezkl", "zkaccel-mac": "zkaccel mac", "zkaccel-projection": "zkaccel projection"}
    present = [t for t in TOOLS if any(t in r["tools"] for r in rows)]
    L = []
    L.append("<!-- generated by benches/ezkl/cost_of_intelligence.py; do not edit -->")
    L.append("# The cost of intelligence: zkaccel and ezkl by parameter count\n")
    cmds = result.get("commands") or [result["command"]]
    L.append("Command" + (f"s, run one after the other (`--resume` keeps the rows before it)"
                          if len(cmds) > 1 else "") + ": " + "; ".join(f"`{c}`" for c in cmds)
             + ". Table and plot again from results.json: the script with `--render`.")
    m = result["machine"]
    st = result["settings"]
    binary = result.get("zkaccel_binary") or (
        f"commit {m.get('git', {}).get('commit', '?')[:10]}"
        f"{', dirty tree' if m.get('git', {}).get('dirty') else ''}")
    L.append(f"Run {result['date']}, {result.get('zkaccel_version')} ({binary}), "
             f"ezkl 23.0.5; {m['nproc']} CPUs ({m['cpu_model']}), {m['mem_total_mib']} MiB, "
             f"**shared with other jobs** (load column). Scales {st['scale']}/{st['scale']} on both "
             f"tools; {st['visibility']}; one repetition per model; every step its own process, "
             f"peak RSS by GNU time, capped at {st['mem_cap_gib']:g} GiB per step (a step over the "
             f"cap is killed: 'out of memory at the cap' is the cap, not the machine) and "
             f"{st['step_timeout_s']:g} s.\n")
    L.append("Prove time and peak memory (the largest of setup, witness, prove, verify) with the "
             "ratio to ezkl on the same model:\n")
    head = ["model", "params", "MACs"]
    head += [f"prove {names[t]}" for t in present]
    head += [f"peak RSS {names[t]}" for t in present]
    head += ["load (1 min) at prove"]
    L.append("| " + " | ".join(head) + " |")
    L.append("|" + "---|" * len(head))
    for r in rows:
        ez = r["tools"].get("ezkl")
        cells = [f"{r['family']} {r['shape']}", _fmt_params(r["params"]), _fmt_params(r["macs"])]
        for key in ("prove", "mem"):
            for t in present:
                tr = r["tools"].get(t)
                if tr is None and t in r.get("not_run", {}):
                    cells.append("not run")
                else:
                    cells.append(_cell(tr, key, ez if t != "ezkl" else None))
        loads = [f"{tr['steps']['prove']['load_before']:.1f}" for t in present
                 if (tr := r["tools"].get(t)) and "prove" in tr["steps"]]
        cells.append(" / ".join(loads) if loads else "—")
        L.append("| " + " | ".join(cells) + " |")
    L.append("")
    L.append("Setup, verify (each as its own process), proof bytes and the circuit's log2 rows:\n")
    head = ["model"]
    for key in ("setup", "verify", "proof bytes", "k"):
        head += [f"{key} {names[t]}" for t in present]
    L.append("| " + " | ".join(head) + " |")
    L.append("|" + "---|" * len(head))
    for r in rows:
        cells = [f"{r['family']} {_fmt_params(r['params'])}"]
        for key in ("setup", "verify", "proof", "k"):
            for t in present:
                tr = r["tools"].get(t)
                if tr is not None and tr["status"] != "ok":
                    done = key in tr["steps"] or (key == "k" and tr.get("info"))
                    cells.append(_cell(dict(tr, status="ok"), key) if done else "—")
                else:
                    cells.append(_cell(tr, key) if tr else "not run")
        L.append("| " + " | ".join(cells) + " |")
    notes = [f"{r['family']} {_fmt_params(r['params'])} {names[t]}: {_short(why)}"
             for r in rows for t, why in r.get("not_run", {}).items()]
    if notes:
        L.append("\nNot run (time box): " + "; ".join(notes) + ".")
    fails = []
    for r in rows:
        for t, tr in r["tools"].items():
            if tr["status"] == "ok":
                continue
            done = ", ".join(f"{s} {_fmt_t(v['time_s'])} / {_fmt_mem(v['maxrss_kib'])}"
                             for s, v in tr["steps"].items())
            fails.append(f"{r['family']} {_fmt_params(r['params'])} {names[t]}: {tr['status']}"
                         + (f" after {done} (time / peak RSS)" if done else ""))
    if fails:
        L.append("\nRuns that did not finish: " + "; ".join(fails) + ".")
    if result.get("note"):
        L.append("\n" + result["note"])
    L.append("\n![prove time and peak memory by parameter count](cost-of-intelligence.svg)")
    (out_dir / "table.md").write_text("\n".join(L) + "\n")
    (out_dir / "cost-of-intelligence.svg").write_text(svg(rows, present, names))
    print("\n".join(L))


COLORS = {"ezkl": "#d62728", "zkaccel-mac": "#1f77b4", "zkaccel-projection": "#2ca02c"}


def svg(rows, present, names):
    """Two log-log panels (prove time, peak memory) against parameters; MLP solid, CNN dashed;
    a failed run is a cross at the top of the panel with its reason in the legend."""
    W, H, PW, PH, ML, MT = 980, 430, 380, 300, 70, 50
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>']
    xs = [r["params"] for r in rows] or [1e4, 1e6]
    xlo, xhi = min(xs) / 1.6, max(xs) * 1.6
    sup = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")

    def panel(x0, title, unit, value):
        vals = [value(tr) for r in rows for t in present if (tr := r["tools"].get(t))
                and tr["status"] == "ok"]
        vals = [v for v in vals if v > 0] or [1, 10]
        ylo, yhi = min(vals) / 2, max(vals) * 2

        def px(x):
            return x0 + PW * (math.log10(x) - math.log10(xlo)) / (math.log10(xhi) - math.log10(xlo))

        def py(y):
            return MT + PH - PH * (math.log10(y) - math.log10(ylo)) / (math.log10(yhi) - math.log10(ylo))

        out.append(f'<text x="{x0 + PW / 2}" y="{MT - 20}" text-anchor="middle" '
                   f'font-size="14">{title}</text>')
        out.append(f'<rect x="{x0}" y="{MT}" width="{PW}" height="{PH}" fill="none" stroke="#888"/>')
        e = math.ceil(math.log10(xlo))
        while 10**e <= xhi:
            x = px(10**e)
            out.append(f'<line x1="{x:.1f}" y1="{MT}" x2="{x:.1f}" y2="{MT + PH}" stroke="#eee"/>')
            out.append(f'<text x="{x:.1f}" y="{MT + PH + 16}" text-anchor="middle">'
                       f'10{str(e).translate(sup)}</text>')
            e += 1
        e = math.ceil(math.log10(ylo))
        while 10**e <= yhi:
            y = py(10**e)
            out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + PW}" y2="{y:.1f}" stroke="#eee"/>')
            label = f"{10**e:g}" if -3 <= e <= 4 else f"1e{e}"
            out.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
            e += 1
        out.append(f'<text x="{x0 + PW / 2}" y="{MT + PH + 34}" text-anchor="middle">parameters</text>')
        out.append(f'<text x="{x0 - 48}" y="{MT + PH / 2}" text-anchor="middle" '
                   f'transform="rotate(-90 {x0 - 48} {MT + PH / 2})">{unit}</text>')
        for fam, dash in (("MLP", ""), ("CNN", ' stroke-dasharray="6 4"')):
            for t in present:
                pts = [(r["params"], value(tr)) for r in rows if r["family"] == fam
                       and (tr := r["tools"].get(t)) and tr["status"] == "ok"]
                if len(pts) > 1:
                    d = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
                    out.append(f'<polyline points="{d}" fill="none" stroke="{COLORS[t]}" '
                               f'stroke-width="2"{dash}/>')
                for x, y in pts:
                    shape = (f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.5" fill="{COLORS[t]}"/>'
                             if fam == "MLP" else
                             f'<rect x="{px(x) - 3.5:.1f}" y="{py(y) - 3.5:.1f}" width="7" '
                             f'height="7" fill="{COLORS[t]}"/>')
                    out.append(shape)
                for r in rows:
                    tr = r["tools"].get(t)
                    if r["family"] == fam and tr and tr["status"] != "ok":
                        x, y = px(r["params"]), MT + 8
                        out.append(f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" '
                                   f'fill="{COLORS[t]}" font-size="14">✕</text>')

    panel(ML, "prove time", "seconds (prove process)", lambda tr: tr["steps"]["prove"]["time_s"])
    panel(ML + PW + 110, "peak memory", "MiB (largest step)",
          lambda tr: max(m["maxrss_kib"] for m in tr["steps"].values()) / 1024)
    ly = H - 22
    x = ML
    for t in present:
        out.append(f'<rect x="{x}" y="{ly - 9}" width="14" height="4" fill="{COLORS[t]}"/>')
        out.append(f'<text x="{x + 20}" y="{ly}">{names[t]}</text>')
        x += 150
    out.append(f'<text x="{x}" y="{ly}">● MLP (solid)   ■ CNN (dashed)   ✕ out of memory / over '
               f'the time limit</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--zkaccel", type=Path, default=REPO / "target" / "release" / "zkaccel")
    p.add_argument("--ezkl-python", default=sys.executable)
    p.add_argument("--scale", type=int, default=7, help="input and param scale on both tools")
    p.add_argument("--mem-cap-gib", type=float, default=8.0)
    p.add_argument("--step-timeout", type=float, default=600.0)
    p.add_argument("--stop-after", type=float, default=240.0,
                   help="no larger model for a tool whose setup + prove took longer (s)")
    p.add_argument("--budget-min", type=float, default=90.0,
                   help="start no new model after this many minutes")
    p.add_argument("--max-size", type=int, default=len(MLP_SIZES),
                   help="sizes to try (1 = only ~10^4 parameters)")
    p.add_argument("--families", default="mlp,cnn")
    p.add_argument("--tools", default=",".join(TOOLS))
    p.add_argument("--resume", action="store_true",
                   help="keep the rows of OUT_DIR/results.json and run only the missing models")
    p.add_argument("--keep-work", action="store_true", help="keep keys and proofs of each model")
    p.add_argument("--work-dir", type=Path, default=HERE / "work" / "cost")
    p.add_argument("--out-dir", type=Path, default=REPO / "docs" / "cost-of-intelligence")
    p.add_argument("--render", action="store_true",
                   help="write table.md and the SVG from OUT_DIR/results.json; run nothing")
    args = p.parse_args(argv)
    args.work_dir = args.work_dir.resolve()
    args.out_dir = args.out_dir.resolve()
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.render:
        render(json.loads((args.out_dir / "results.json").read_text()), args.out_dir)
        return 0
    if not args.zkaccel.exists():
        sys.exit(f"zkaccel binary not found: {args.zkaccel} "
                 "(cargo build --release -p zkaccel-zkml --bin zkaccel)")
    return sweep(args)


if __name__ == "__main__":
    sys.exit(main())
