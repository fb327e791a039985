#!/usr/bin/env python3
"""zkaccel vs ezkl on the same ONNX models, on the same machine, in one run.

Every step of both tools runs as its own child process; the parent measures that process's wall
time and peak resident memory (``os.wait4`` → ``ru_maxrss``, which on Linux covers the child and
any descendants it waited for). ezkl runs through its Python API (``ezkl_step.py`` calls one API
function per process and reports the time of the call alone); zkaccel through its CLI. The timed
steps (setup, witness, prove, verify) are repeated ``--reps`` times and interleaved: in each
repetition every step runs once for each tool before the next step starts, and the tool that goes
first alternates between repetitions, so load drifts on a shared machine hit both. The one-off
preparation (settings, calibration, compilation, ezkl's SRS) is timed once and reported apart.

Both proofs must verify in every repetition (the run stops with an error otherwise), and after
the repetitions a tampered copy of each proof (changed public output) must be rejected.

See README.md next to this file for usage, the measurement method and measured results.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import resource
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
EXAMPLES = REPO / "host" / "onnx" / "examples"

# name -> (model, input for witness/prove, calibration samples)
MODELS = {
    "mlp": ("mlp_784_128_10.onnx", "mlp_input.json", "mlp_calibration.json"),
    "tiny": ("tiny_4_8_3.onnx", "tiny_input.json", "tiny_input.json"),
    # LeNet-style CNNs (host/onnx/examples/make_cnn.py): the bundled one proven in the tests and
    # LeNet-5 proper
    "cnn": ("cnn_small_28.onnx", "cnn_input.json", "cnn_calibration.json"),
    "lenet5": ("lenet5_28.onnx", "cnn_input.json", "cnn_calibration.json"),
}
TIMED_STEPS = ("setup", "witness", "prove", "verify")
TOOLS = ("ezkl", "zkaccel")
VISIBILITIES = ("public", "private", "fixed")
BN254_FR = 21888242871839275222246405745257275088548364400416034343698204186575808495617


class StepFailed(RuntimeError):
    pass


# ---------------------------------------------------------------------------------------------
# measurement


GNU_TIME = "/usr/bin/time"


def rss_method():
    """How peak RSS is measured: 'gnu-time' (preferred) or 'wait4'.

    Linux keeps a process's peak RSS across exec, and a child created by fork/vfork starts with
    its parent's: `os.wait4` on a direct child of this (Python, numpy/onnx-loaded) process
    therefore reports at least this process's own RSS. GNU time is a small C program that forks
    the step from its own ~1 MiB image and reports that grandchild's peak (`%M`), which is exact
    to about 1 MiB. Without /usr/bin/time the floor is recorded with every sample."""
    return "gnu-time" if os.access(GNU_TIME, os.X_OK) else "wait4"


def run_measured(cmd, cwd, log_path, timeout, env=None):
    """Run cmd as a child process; return wall time, peak RSS and CPU times of that process.

    stdout and stderr go to log_path (the child's own output, untouched)."""
    load_before = os.getloadavg()
    method = rss_method()
    time_out = Path(str(log_path) + ".rusage")
    if method == "gnu-time":
        cmd = [GNU_TIME, "-f", "%M %U %S %x", "-o", str(time_out), *cmd]
    with open(log_path, "wb") as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        timed_out = []

        def kill():
            timed_out.append(True)
            os.killpg(proc.pid, signal.SIGKILL)  # the step and GNU time around it

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, ru = os.wait4(proc.pid, 0)  # blocking: exact end time
        except BaseException:  # e.g. Ctrl-C: the child is in its own session, stop it too
            os.killpg(proc.pid, signal.SIGKILL)
            os.wait4(proc.pid, 0)
            raise
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if timed_out:
        raise StepFailed(f"timed out after {timeout} s: {shlex.join(map(str, cmd))}")
    m = {
        "rc": proc.returncode,
        "wall_s": wall,
        "maxrss_kib": ru.ru_maxrss,  # Linux: KiB
        "user_s": ru.ru_utime,
        "sys_s": ru.ru_stime,
        "rss_method": method,
        "load_before": load_before[0],
        "load_after": os.getloadavg()[0],
    }
    if method == "gnu-time":
        m["wait4_maxrss_kib"] = ru.ru_maxrss
        try:  # the last line (earlier ones are GNU time's own notes, e.g. a signal)
            maxrss, user, system, rc = time_out.read_text().split("\n")[-2].split()
            m.update(maxrss_kib=int(maxrss), user_s=float(user), sys_s=float(system), rc=int(rc))
        except (OSError, ValueError, IndexError):
            raise StepFailed(f"could not read GNU time's output {time_out}: "
                             f"{shlex.join(map(str, cmd))}")
    else:
        m["rss_floor_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return m


def tail(path, n=40):
    try:
        lines = Path(path).read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-n:])


def last_json_object(text):
    """The last line of text that parses as a JSON object (zkaccel --json output), or None."""
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    try:  # a pretty-printed object as the whole output
        obj = json.loads(text)
        return obj if isinstance(obj, dict) else None
    except json.JSONDecodeError:
        return None


# ---------------------------------------------------------------------------------------------
# ezkl (Python API, one process per call)


class ToolFiles:
    """What both tools' step runners share: sizes of the proof and key files they wrote."""

    def proof_size(self):
        return proof_size(self.proof)

    def key_sizes(self):
        return {"pk_bytes": self.pk.stat().st_size, "vk_bytes": self.vk.stat().st_size}


class Ezkl(ToolFiles):
    name = "ezkl"

    def __init__(self, args, model, data, calib, work):
        self.args, self.model, self.data, self.calib = args, model, data, calib
        self.dir = work / "ezkl"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.python = args.ezkl_python
        self.step_py = str(HERE / "ezkl_step.py")
        d = self.dir
        self.settings, self.compiled = d / "settings.json", d / "model.compiled"
        self.pk, self.vk, self.witness, self.proof = (
            d / "pk.key", d / "vk.key", d / "witness.json", d / "proof.json")
        self.srs = None
        self.version = None

    def _call(self, step, kwargs, key=None):
        key = key or step
        result_path = self.dir / f"{key}.result.json"
        if result_path.exists():
            result_path.unlink()
        log = self.dir / f"{key}.log"
        kwargs = {k: (str(v) if isinstance(v, Path) else v) for k, v in kwargs.items()}
        cmd = [self.python, self.step_py, step, json.dumps(kwargs), str(result_path)]
        m = run_measured(cmd, self.dir, log, self.args.timeout, env=self.args.child_env)
        res = json.loads(result_path.read_text()) if result_path.exists() else {}
        if m["rc"] != 0 or not res.get("ok"):
            raise StepFailed(f"ezkl {step} failed (exit {m['rc']}): {res.get('error')}\n"
                             f"--- {log} ---\n{tail(log)}")
        self.version = res.get("ezkl_version") or self.version
        m["time_s"] = res["call_s"]  # the API call alone
        m["import_s"] = res["import_s"]
        return m

    def prepare(self):
        a = self.args
        run_args = {
            "input_visibility": a.input_visibility,
            "output_visibility": a.output_visibility,
            "param_visibility": a.param_visibility,
        }
        if a.scale is not None:
            run_args["input_scale"] = run_args["param_scale"] = a.scale
        prep = {}
        prep["gen_settings"] = self._call(
            "gen_settings", {"model": self.model, "output": self.settings, "py_run_args": run_args})
        cal = {"data": self.calib, "model": self.model, "settings": self.settings,
               "target": a.ezkl_target}
        if a.scale is not None:
            cal["scales"] = [a.scale]
        prep["calibrate"] = self._call("calibrate_settings", cal)
        prep["compile"] = self._call(
            "compile_circuit",
            {"model": self.model, "compiled_circuit": self.compiled, "settings_path": self.settings})
        s = json.loads(self.settings.read_text())
        logrows = s["run_args"]["logrows"]
        srs_dir = a.work_dir / "srs"
        srs_dir.mkdir(parents=True, exist_ok=True)
        self.srs = srs_dir / f"ezkl_kzg{logrows}.srs"
        if not self.srs.exists():  # ezkl.gen_srs: insecure local SRS from a random tau
            prep["gen_srs"] = self._call("gen_srs", {"srs_path": self.srs, "logrows": logrows})
        if needs_witness_for_setup(a):
            prep["witness_for_setup"] = self.step("witness")
        return prep

    def info(self):
        s = json.loads(self.settings.read_text())
        r = s["run_args"]
        return {
            "version": self.version,
            "logrows": r["logrows"],
            "num_rows": s.get("num_rows"),
            "input_scale": r.get("input_scale"),
            "param_scale": r.get("param_scale"),
            "visibility": {k: str(r.get(f"{k}_visibility")).lower()
                           for k in ("input", "output", "param")},
            "num_inner_cols": r.get("num_inner_cols"),
            "circuit_logrows": r["logrows"],
            "circuit_rows": s.get("num_rows"),
            "srs": f"ezkl.gen_srs (insecure, local), logrows {r['logrows']}",
        }

    def step(self, step):
        if step == "setup":
            kw = {"model": self.compiled, "vk_path": self.vk, "pk_path": self.pk,
                  "srs_path": self.srs}
            if needs_witness_for_setup(self.args):
                kw["witness_path"] = self.witness
            return self._call("setup", kw)
        if step == "witness":
            return self._call("gen_witness", {"data": self.data, "model": self.compiled,
                                              "output": self.witness})
        if step == "prove":
            return self._call("prove", {"witness": self.witness, "model": self.compiled,
                                        "pk_path": self.pk, "proof_path": self.proof,
                                        "srs_path": self.srs})
        if step == "verify":
            return self._call("verify", {"proof_path": self.proof, "settings_path": self.settings,
                                         "vk_path": self.vk, "srs_path": self.srs})
        raise ValueError(step)

    def outputs(self):
        w = json.loads(self.witness.read_text())
        outs = w["pretty_elements"]["rescaled_outputs"]
        return [float(v) for out in outs for v in out]

    def tamper_rejected(self):
        """A proof whose public output was changed must not verify."""
        bad = self.dir / "proof.tampered.json"
        tamper_public_output(self.proof, bad)
        try:
            self._call("verify", {"proof_path": bad, "settings_path": self.settings,
                                  "vk_path": self.vk, "srs_path": self.srs},
                       key="verify_tampered")
        except StepFailed as exc:
            return str(exc).splitlines()[0]
        return False


# ---------------------------------------------------------------------------------------------
# zkaccel (CLI)


class Zkaccel(ToolFiles):
    name = "zkaccel"

    def __init__(self, args, model, data, calib, work):
        self.args, self.model, self.data, self.calib = args, model, data, calib
        self.bin = str(args.zkaccel)
        self.dir = work / "zkaccel"
        self.dir.mkdir(parents=True, exist_ok=True)
        d = self.dir
        self.settings, self.compiled = d / "settings.json", d / "model.compiled"
        self.pk, self.vk, self.witness, self.proof = (
            d / "pk.key", d / "vk.key", d / "witness.json", d / "proof.json")
        self.json_out = {}
        self.version = None

    def _run(self, key, argv):
        log = self.dir / f"{key}.log"
        cmd = [str(x) for x in (self.bin, *argv)]
        if self.args.zkaccel_json:
            cmd.append("--json")
        m = run_measured(cmd, self.dir, log, self.args.timeout, env=self.args.child_env)
        obj = last_json_object(Path(log).read_text(errors="replace"))
        if obj is not None:
            self.json_out[key] = obj
            m["self_reported"] = {k: v for k, v in obj.items()
                                  if k.endswith("_ms") and isinstance(v, (int, float))}
        if m["rc"] != 0:
            raise StepFailed(f"zkaccel {key} failed (exit {m['rc']}): {shlex.join(cmd)}\n"
                             f"--- {log} ---\n{tail(log)}")
        m["time_s"] = m["wall_s"]  # the whole process: start, file reads and writes included
        return m

    def prepare(self):
        a = self.args
        if self.version is None:
            try:
                self.version = subprocess.run([self.bin, "--version"], capture_output=True,
                                              text=True, timeout=30).stdout.strip() or None
            except OSError:
                pass
        prep = {}
        gen = ["gen-settings", "-M", self.model, "-O", self.settings,
               "--input-visibility", a.input_visibility,
               "--output-visibility", a.output_visibility,
               "--param-visibility", a.param_visibility, *a.zkaccel_settings_args]
        if a.scale is not None:
            # fixed scales: no calibration; the samples size the lookup range
            gen += ["--input-scale", str(a.scale), "--param-scale", str(a.scale), "-D", self.calib]
        prep["gen_settings"] = self._run("gen_settings", gen)
        if a.scale is None:
            cal = ["calibrate-settings", "-M", self.model, "-D", self.calib,
                   "--settings-path", self.settings, "--target", a.ezkl_target,
                   "--tolerance", repr(a.zkaccel_tolerance)]
            cal += a.zkaccel_calibrate_args
            prep["calibrate"] = self._run("calibrate", cal)
        prep["compile"] = self._run("compile", ["compile-circuit", "-M", self.model,
                                                "-S", self.settings,
                                                "--compiled-circuit", self.compiled,
                                                *a.zkaccel_compile_args])
        if needs_witness_for_setup(a):
            prep["witness_for_setup"] = self.step("witness")
        return prep

    def info(self):
        s = json.loads(self.settings.read_text())
        r = s.get("run_args", {})
        info = {
            "version": self.version,
            "logrows": r.get("logrows"),
            "num_rows": s.get("num_rows"),
            "input_scale": r.get("input_scale"),
            "param_scale": r.get("param_scale"),
            "visibility": {k: str(r.get(f"{k}_visibility")).lower()
                           for k in ("input", "output", "param")},
            "srs": ("--dev-srs (insecure development SRS, made inside setup)"
                    if self.args.zkaccel_srs == "dev" else f"--srs-path {self.args.zkaccel_srs}"),
        }
        # the compiled circuit's real layout, when the CLI reports it (compile-circuit --json)
        plan = (self.json_out.get("compile") or {}).get("plan") or {}
        for field in ("k", "lanes", "mac_rows", "io_rows", "shift", "bits"):
            if field in plan:
                info[f"compile_{field}"] = plan[field]
        # zkaccel's settings.json carries zkaccel-onnx's one-MAC-per-row estimate; the compiled
        # plan (lanes MACs per row) is what setup and prove use
        info["circuit_logrows"] = plan.get("k", info["logrows"])
        if "mac_rows" in plan:
            info["circuit_rows"] = (f"{plan['mac_rows'] + plan.get('io_rows', 0)} "
                                    f"({plan.get('lanes')} MAC{'s' if plan.get('lanes') != 1 else ''}"
                                    " per row)")
        else:
            info["circuit_rows"] = info["num_rows"]
        return info

    def step(self, step):
        if step == "setup":
            srs = (["--dev-srs"] if self.args.zkaccel_srs == "dev"
                   else ["--srs-path", str(self.args.zkaccel_srs)])
            wit = ["--witness", self.witness] if needs_witness_for_setup(self.args) else []
            return self._run("setup", ["setup", "-M", self.compiled, *srs,
                                       "--vk-path", self.vk, "--pk-path", self.pk, *wit])
        if step == "witness":
            return self._run("witness", ["gen-witness", "-D", self.data, "-M", self.compiled,
                                         "-O", self.witness])
        if step == "prove":
            return self._run("prove", ["prove", "--witness", self.witness, "-M", self.compiled,
                                       "--pk-path", self.pk, "--proof-path", self.proof])
        if step == "verify":
            return self._run("verify", ["verify", "--proof-path", self.proof,
                                        "--settings-path", self.settings, "--vk-path", self.vk])
        raise ValueError(step)

    def outputs(self):
        for src in (self.json_out.get("witness"), _load_json(self.witness)):
            vals = _find_outputs(src)
            if vals is not None:
                return vals
        return None

    def tamper_rejected(self):
        """A proof whose public output was changed (with its readable copy) must not verify."""
        bad = self.dir / "proof.tampered.json"
        tamper_public_output(self.proof, bad)
        try:
            self._run("verify_tampered", ["verify", "--proof-path", bad,
                                          "--settings-path", self.settings, "--vk-path", self.vk])
        except StepFailed:
            why = (self.json_out.get("verify_tampered") or {}).get("error")
            return json.dumps(why) if why else tail(self.dir / "verify_tampered.log", 3)
        return False


def needs_witness_for_setup(args):
    """A fixed input or output is baked into the keys: setup then needs a witness."""
    return "fixed" in (args.input_visibility, args.output_visibility)


def proof_size(path):
    """Proof bytes (ezkl: a list of byte values; zkaccel: a hex string) and the file's size."""
    p = json.loads(Path(path).read_text())
    raw = p["proof"]
    n = len(raw) if isinstance(raw, list) else len(bytes.fromhex(raw.removeprefix("0x")))
    return {"proof_bytes": n, "proof_file_bytes": Path(path).stat().st_size}


def tamper_public_output(path, out_path):
    """Copy a proof file (ezkl and zkaccel both keep `instances` as lists of 32-byte
    little-endian hex field elements) with its last public value increased by one; where the
    file repeats the public outputs for people (zkaccel's `public`), change them to match, so
    only the cryptographic check can catch it."""
    p = json.loads(Path(path).read_text())
    col = [c for c in p["instances"] if c][-1]
    v = int.from_bytes(bytes.fromhex(col[-1].removeprefix("0x")), "little")
    col[-1] = ((v + 1) % BN254_FR).to_bytes(32, "little").hex()
    pub = p.get("public")
    if isinstance(pub, dict) and pub.get("outputs") and pub["outputs"][-1]:
        q = pub["outputs"][-1][-1]
        pub["outputs"][-1][-1] = q + 1
        r = pub.get("rescaled_outputs")
        if r and r[-1]:
            scale = next((rv / qv for qv, rv in zip(pub["outputs"][-1], r[-1]) if qv), 0.0)
            r[-1][-1] = (q + 1) * scale
    Path(out_path).write_text(json.dumps(p))


def _load_json(path):
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def _find_outputs(obj):
    """Dequantized outputs from a zkaccel witness / --json object (several spellings accepted)."""
    if not isinstance(obj, dict):
        return None
    for keys in (("pretty_elements", "rescaled_outputs"), ("rescaled_outputs",),
                 ("outputs_float",), ("outputs_dequantized",), ("outputs",)):
        cur = obj
        for k in keys:
            cur = cur.get(k) if isinstance(cur, dict) else None
        if cur is None:
            continue
        flat = []

        def walk(v):
            if isinstance(v, list):
                for x in v:
                    walk(x)
            else:
                flat.append(v)

        walk(cur)
        try:
            vals = [float(v) for v in flat]
        except (TypeError, ValueError):
            continue
        if keys == ("outputs",) and all(float(v).is_integer() for v in vals) and vals:
            continue  # quantized integers, not dequantized values
        return vals
    return None


# ---------------------------------------------------------------------------------------------
# float reference (accuracy column)


def float_reference(model, data):
    try:
        import numpy as np
        import onnx
        from onnx.reference import ReferenceEvaluator
    except ImportError:
        return None
    m = onnx.load(str(model))
    init = {i.name for i in m.graph.initializer}
    inputs = [i for i in m.graph.input if i.name not in init]
    values = json.loads(Path(data).read_text())["input_data"]
    feeds = {}
    for inp, flat in zip(inputs, values):
        shape = [d.dim_value if d.dim_value > 0 else 1 for d in inp.type.tensor_type.shape.dim]
        feeds[inp.name] = np.asarray(flat, dtype=np.float32).reshape(shape)
    outs = ReferenceEvaluator(m).run(None, feeds)
    return [float(v) for o in outs for v in np.asarray(o).ravel()]


# ---------------------------------------------------------------------------------------------
# machine and reporting


def machine_info():
    cpu = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) // 1024
    except OSError:
        pass
    git = {}
    try:
        git["commit"] = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True,
                                       text=True).stdout.strip()
        git["dirty"] = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                           cwd=REPO, capture_output=True, text=True).stdout.strip())
    except OSError:
        pass
    return {
        "hostname": platform.node(),
        "nproc": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": cpu,
        "mem_total_mib": mem,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "rayon_num_threads": os.environ.get("RAYON_NUM_THREADS"),
        "git": git,
    }


def summarize(samples, key):
    vals = [s[key] for s in samples]
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "n": len(vals)}


def fmt_time(s):
    if s >= 10:
        return f"{s:.1f} s"
    if s >= 1:
        return f"{s:.2f} s"
    return f"{s * 1000:.0f} ms" if s >= 0.01 else f"{s * 1000:.1f} ms"


def fmt_mib(kib):
    return f"{kib / 1024:.0f} MiB"


def ratio(a, b):
    return a / b if b else float("nan")


def markdown(result):
    lines = []
    for mres in result["models"]:
        names = [t for t in TOOLS if t in mres["tools"]]
        T = {t: mres["tools"][t] for t in names}
        both = len(names) == 2
        lines.append(f"### {mres['model']} ({mres['reps']} repetitions"
                     f"{', interleaved' if both else ''})\n")
        head = ["step"] + [f"{t} time, median (min)" for t in names]
        if both:
            head.append("zkaccel / ezkl")
        head += [f"{t} peak RSS" for t in names]
        if both:
            head.append("zkaccel / ezkl")
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "---|" * len(head))
        for step in TIMED_STEPS:
            t = {n: T[n]["steps"][step]["time_s"] for n in names}
            m = {n: T[n]["steps"][step]["maxrss_kib"] for n in names}
            row = [step] + [f"{fmt_time(t[n]['median'])} ({fmt_time(t[n]['min'])})" for n in names]
            if both:
                row.append(f"{ratio(t['zkaccel']['median'], t['ezkl']['median']):.3f}")
            row += [fmt_mib(m[n]["max"]) for n in names]
            if both:
                row.append(f"{ratio(m['zkaccel']['max'], m['ezkl']['max']):.2f}")
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
        lines.append("| | " + " | ".join(names) + " |")
        lines.append("|---|" + "---|" * len(names))
        I = {n: T[n]["info"] for n in names}

        def vis(i):
            return " / ".join(i["visibility"][k] for k in ("input", "output", "param"))

        rows = [
            ("version", [I[n].get("version") for n in names]),
            ("logrows of the circuit proven", [I[n].get("circuit_logrows") for n in names]),
            ("rows used", [I[n].get("circuit_rows") for n in names]),
            ("settings.json logrows / num_rows",
             [f"{I[n].get('logrows')} / {I[n].get('num_rows')}" for n in names]),
            ("input / param scale",
             [f"{I[n].get('input_scale')} / {I[n].get('param_scale')}" for n in names]),
            ("visibility in / out / params", [vis(I[n]) for n in names]),
            ("proof bytes (file bytes)",
             [f"{T[n]['proof']['proof_bytes']} ({T[n]['proof']['proof_file_bytes']})"
              for n in names]),
            ("pk / vk bytes",
             [f"{T[n]['keys']['pk_bytes']} / {T[n]['keys']['vk_bytes']}" for n in names]),
            ("max abs error vs float (onnx reference)",
             [_fmt_err(T[n].get("max_abs_error")) for n in names]),
            ("every proof verified; tampered proof rejected",
             [f"{T[n]['verified_all']}; {T[n].get('tamper_rejected')}" for n in names]),
            ("SRS", [I[n].get("srs") for n in names]),
        ]
        if "zkaccel" in names:
            zi = I["zkaccel"]
            plan = ", ".join(f"{k.removeprefix('compile_')} {zi[k]}"
                             for k in ("compile_k", "compile_lanes", "compile_mac_rows",
                                       "compile_io_rows", "compile_shift", "compile_bits")
                             if k in zi)
            if plan:
                rows.append(("zkaccel compiled plan",
                             [plan if n == "zkaccel" else "" for n in names]))
        for label, vals in rows:
            lines.append(f"| {label} | " + " | ".join(str(v) for v in vals) + " |")
        lines.append("")
        prep = "; ".join(
            f"{n} " + ", ".join(f"{k} {fmt_time(v['time_s'])}" for k, v in T[n]["prepare"].items())
            for n in names)
        lines.append(f"One-off preparation (not in the table): {prep}.")
        if "zkaccel" in names:
            sr = T["zkaccel"].get("self_reported_ms") or {}
            parts = [f"{st}: " + ", ".join(f"{k.removesuffix('_ms')} {fmt_time(v / 1e3)}"
                                           for k, v in sr[st].items())
                     for st in TIMED_STEPS if sr.get(st)]
            if parts:
                lines.append("zkaccel's own timers inside the process (`--json`, median): "
                             + "; ".join(parts) + ".")
        if both:
            pr = ratio(T["zkaccel"]["steps"]["prove"]["time_s"]["median"],
                       T["ezkl"]["steps"]["prove"]["time_s"]["median"])
            mr = ratio(T["zkaccel"]["steps"]["prove"]["maxrss_kib"]["max"],
                       T["ezkl"]["steps"]["prove"]["maxrss_kib"]["max"])
            lines.append(f"Target (prove ≤ 0.1× ezkl, no more memory): time ratio {pr:.3f} → "
                         f"{'met' if pr <= 0.1 else 'MISSED'}; memory ratio {mr:.2f} → "
                         f"{'met' if mr <= 1.0 else 'MISSED'}.")
        lines.append("")
    mach = result["machine"]
    la = result["load"]
    lines.append(
        f"Machine: {mach['nproc']} CPUs ({mach['cpu_model']}), {mach['mem_total_mib']} MiB; "
        f"load average (1 min) {la['before']:.2f} before, {la['after']:.2f} after, "
        f"min/max at step starts {la['min']:.2f}/{la['max']:.2f}; {result['date']}.")
    me = result["measurement"]
    lines.append(
        f"Peak RSS via {me['rss_method']}; launching and measuring `true` the same way takes "
        f"{fmt_time(me['launch_overhead_s'])} and {fmt_mib(me['launch_maxrss_kib'])} "
        f"(included in every zkaccel time).")
    return "\n".join(lines)


def _fmt_err(v):
    return "—" if v is None else f"{v:.2e}"


# ---------------------------------------------------------------------------------------------
# main


def run_model(args, name, model, data, calib):
    work = args.work_dir / name
    work.mkdir(parents=True, exist_ok=True)
    classes = {"ezkl": Ezkl, "zkaccel": Zkaccel}
    tools = {t: classes[t](args, model, data, calib, work) for t in args.order}
    out = {"model": name, "onnx": str(model), "input": str(data), "calibration": str(calib),
           "reps": args.reps, "tools": {}}
    prepare = {}
    for tname in args.order:
        log(f"[{name}] {tname}: prepare")
        prepare[tname] = tools[tname].prepare()
    samples = {t: {s: [] for s in TIMED_STEPS} for t in args.order}
    for rep in range(args.reps):
        order = args.order if rep % 2 == 0 else tuple(reversed(args.order))
        for step in TIMED_STEPS:
            for tname in order:
                m = tools[tname].step(step)
                m["rep"] = rep
                samples[tname][step].append(m)
                log(f"[{name}] rep {rep + 1}/{args.reps} {tname:7s} {step:7s} "
                    f"{fmt_time(m['time_s']):>9s}  peak {fmt_mib(m['maxrss_kib']):>9s}  "
                    f"load {m['load_before']:.2f}")
    ref = float_reference(model, data)
    for tname in args.order:
        tool = tools[tname]
        tres = {
            "info": tool.info(),
            "prepare": prepare[tname],
            "steps": {s: {"time_s": summarize(samples[tname][s], "time_s"),
                          "wall_s": summarize(samples[tname][s], "wall_s"),
                          "maxrss_kib": summarize(samples[tname][s], "maxrss_kib"),
                          "samples": samples[tname][s]} for s in TIMED_STEPS},
            "self_reported_ms": {
                s: {k: statistics.median(m["self_reported"][k] for m in samples[tname][s])
                    for k in (samples[tname][s][0].get("self_reported") or {})
                    if all(k in (m.get("self_reported") or {}) for m in samples[tname][s])}
                for s in TIMED_STEPS},
            "proof": tool.proof_size(),
            "keys": tool.key_sizes(),
            "verified_all": all(m["rc"] == 0 for m in samples[tname]["verify"]),
        }
        outs = tool.outputs()
        tres["outputs"] = outs
        if ref is not None and outs is not None and len(outs) == len(ref):
            tres["max_abs_error"] = max(abs(a - b) for a, b in zip(outs, ref))
        if tname == "zkaccel":
            tres["json_output"] = tool.json_out
        out["tools"][tname] = tres
    out["float_reference"] = ref
    if args.tamper_check:
        for tname in args.order:
            why = tools[tname].tamper_rejected()
            out["tools"][tname]["tamper_rejected"] = bool(why)
            out["tools"][tname]["tamper_rejected_with"] = why or None
            log(f"[{name}] {tname}: tampered proof rejected: {why}")
            if not why:
                raise StepFailed(f"{tname} ACCEPTED a tampered proof for {name}")
    return out


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--models", default="mlp",
                   help=f"comma-separated bundled models ({', '.join(MODELS)})")
    p.add_argument("--model", type=Path, help="a custom ONNX model instead of --models")
    p.add_argument("--input", type=Path, help="input.json for --model (ezkl format)")
    p.add_argument("--calibration", type=Path,
                   help="calibration samples for --model (default: --input)")
    p.add_argument("--reps", type=int, default=3, help="repetitions of the timed steps")
    p.add_argument("--input-visibility", choices=VISIBILITIES, default="private")
    p.add_argument("--output-visibility", choices=VISIBILITIES, default="public")
    p.add_argument("--param-visibility", choices=VISIBILITIES, default="fixed")
    p.add_argument("--scale", type=int, default=None,
                   help="fix input and param scale on both tools (default: each tool "
                        "calibrates on the calibration samples)")
    p.add_argument("--ezkl-target", default="resources", choices=("resources", "accuracy"),
                   help="ezkl calibrate_settings target")
    p.add_argument("--zkaccel-tolerance", type=float, default=1e-3,
                   help="`zkaccel calibrate-settings --tolerance` (max |quantized - float| on the "
                        "samples); ezkl's resources calibration of the MLP reaches 9e-4")
    p.add_argument("--zkaccel-calibrate-args", default="",
                   help="extra arguments for `zkaccel calibrate-settings` (quoted string)")
    p.add_argument("--zkaccel-settings-args", default="",
                   help="extra arguments for `zkaccel gen-settings`, e.g. '--matmul-layout projection'")
    p.add_argument("--zkaccel-compile-args", default="",
                   help="extra arguments for `zkaccel compile-circuit`, e.g. '--lanes 8'")
    p.add_argument("--zkaccel", type=Path, default=REPO / "target" / "release" / "zkaccel",
                   help="zkaccel binary")
    p.add_argument("--zkaccel-srs", default="dev",
                   help="'dev' (setup --dev-srs) or a .ptau path (setup --srs-path)")
    p.add_argument("--no-zkaccel-json", dest="zkaccel_json", action="store_false",
                   help="do not pass --json to zkaccel")
    p.add_argument("--ezkl-python", default=sys.executable,
                   help="python interpreter with ezkl installed")
    p.add_argument("--threads", type=int, default=None,
                   help="set RAYON_NUM_THREADS for both tools (default: unset, all cores)")
    p.add_argument("--first", choices=TOOLS, default="ezkl",
                   help="tool that runs first in odd repetitions (alternates)")
    p.add_argument("--only", choices=TOOLS, default=None,
                   help="run one tool alone (no comparison; e.g. ezkl's baseline)")
    p.add_argument("--no-tamper-check", dest="tamper_check", action="store_false")
    p.add_argument("--timeout", type=float, default=1800, help="seconds per step")
    p.add_argument("--work-dir", type=Path, default=HERE / "work")
    p.add_argument("--out", type=Path, default=None,
                   help="result JSON (default: WORK_DIR/results-<UTC time>.json)")
    p.add_argument("--markdown", type=Path, default=None, help="also write the table here")
    p.add_argument("--render", type=Path, default=None,
                   help="print the tables of an earlier result JSON and exit (runs nothing)")
    args = p.parse_args(argv)
    args.zkaccel_calibrate_args = shlex.split(args.zkaccel_calibrate_args)
    args.zkaccel_compile_args = shlex.split(args.zkaccel_compile_args)
    args.zkaccel_settings_args = shlex.split(args.zkaccel_settings_args)
    args.order = (args.first, "zkaccel" if args.first == "ezkl" else "ezkl")
    if args.only:
        args.order = (args.only,)
    args.work_dir = args.work_dir.resolve()
    if args.zkaccel.exists():  # steps run with the work directory as cwd
        args.zkaccel = args.zkaccel.resolve()
    env = dict(os.environ)
    if args.threads is not None:
        env["RAYON_NUM_THREADS"] = str(args.threads)
    args.child_env = env
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.render:
        print(markdown(json.loads(args.render.read_text())))
        return 0
    if "zkaccel" in args.order and not Path(args.zkaccel).exists() \
            and shutil.which(str(args.zkaccel)) is None:
        sys.exit(f"zkaccel binary not found: {args.zkaccel} "
                 "(cargo build --release -p zkaccel-zkml, or --zkaccel PATH)")
    if args.model:
        if not args.input:
            sys.exit("--model needs --input")
        jobs = [(args.model.stem, args.model.resolve(), args.input.resolve(),
                 (args.calibration or args.input).resolve())]
    else:
        jobs = []
        for name in args.models.split(","):
            if name not in MODELS:
                sys.exit(f"unknown model {name!r}; bundled: {', '.join(MODELS)}")
            m, d, c = MODELS[name]
            jobs.append((name, EXAMPLES / m, EXAMPLES / d, EXAMPLES / c))
    args.work_dir.mkdir(parents=True, exist_ok=True)
    zkaccel_binary = None
    if "zkaccel" in args.order:
        # the target directory is shared: a rebuild in the middle of a run would change the
        # binary between setup and prove, so the run uses a private copy
        src = Path(shutil.which(str(args.zkaccel)) or args.zkaccel)
        snap = args.work_dir / "zkaccel.snapshot"
        shutil.copy2(src, snap)
        zkaccel_binary = {"path": str(src), "sha256": hashlib.sha256(snap.read_bytes()).hexdigest(),
                          "mtime": dt.datetime.fromtimestamp(src.stat().st_mtime, dt.timezone.utc)
                          .strftime("%Y-%m-%d %H:%M:%S UTC")}
        args.zkaccel = snap
    # what launching and measuring a process costs by itself (`true` through the same path)
    launch = [run_measured(["true"], args.work_dir, args.work_dir / "launch.log", 60)
              for _ in range(5)]
    started = dt.datetime.now(dt.timezone.utc)
    load_before = os.getloadavg()[0]
    result = {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "command": shlex.join([sys.executable, *sys.argv]),
        "machine": machine_info(),
        "settings": {"reps": args.reps, "input_visibility": args.input_visibility,
                     "output_visibility": args.output_visibility,
                     "param_visibility": args.param_visibility, "scale": args.scale,
                     "ezkl_target": args.ezkl_target, "zkaccel_srs": args.zkaccel_srs,
                     "zkaccel_tolerance": args.zkaccel_tolerance,
                     "zkaccel_calibrate_args": args.zkaccel_calibrate_args,
                     "zkaccel_compile_args": args.zkaccel_compile_args,
                     "zkaccel_settings_args": args.zkaccel_settings_args,
                     "threads": args.threads},
        "models": [],
        "zkaccel_binary": zkaccel_binary,
        "measurement": {
            "rss_method": rss_method(),
            "launch_overhead_s": statistics.median(m["wall_s"] for m in launch),
            "launch_maxrss_kib": statistics.median(m["maxrss_kib"] for m in launch),
        },
    }
    log(f"visibility: input {args.input_visibility}, output {args.output_visibility}, "
        f"params {args.param_visibility}; scales: "
        f"{'calibrated by each tool' if args.scale is None else args.scale}; reps {args.reps}")
    try:
        for job in jobs:
            result["models"].append(run_model(args, *job))
    except StepFailed as exc:
        log(f"FAILED: {exc}")
        return 1
    loads = [m["load_before"] for mres in result["models"] for t in mres["tools"].values()
             for s in t["steps"].values() for m in s["samples"]]
    result["load"] = {"before": load_before, "after": os.getloadavg()[0],
                      "min": min(loads), "max": max(loads)}
    out = args.out or args.work_dir / f"results-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(result, indent=1))
    md = markdown(result)
    if args.markdown:
        args.markdown.write_text(md + "\n")
    print(md)
    log(f"result JSON: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
