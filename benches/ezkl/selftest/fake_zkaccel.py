#!/usr/bin/env python3
"""A stand-in for the `zkaccel` CLI, for testing compare.py without building zkaccel.

It proves nothing: it accepts the CLI's verbs and flags, writes placeholder files, and `verify`
accepts a proof only if it is byte-for-byte the one `prove` wrote. Use:

    python benches/ezkl/compare.py --zkaccel benches/ezkl/selftest/fake_zkaccel.py --models tiny --reps 1
"""
import argparse
import hashlib
import json
import sys


def main():
    p = argparse.ArgumentParser(prog="zkaccel (fake)")
    p.add_argument("--version", action="store_true")
    sub = p.add_subparsers(dest="verb")
    g = sub.add_parser("gen-settings")
    g.add_argument("-M", "--model", required=True)
    g.add_argument("-O", "--settings-path", required=True)
    g.add_argument("-D", "--data")
    g.add_argument("--lookup-safety-margin", type=int, default=2)
    for v in ("input", "output", "param"):
        g.add_argument(f"--{v}-visibility", default="private")
    g.add_argument("--input-scale", type=int, default=7)
    g.add_argument("--param-scale", type=int, default=7)
    c = sub.add_parser("calibrate-settings")
    c.add_argument("-M", "--model", required=True)
    c.add_argument("-D", "--data", required=True)
    c.add_argument("-O", "--settings-path", required=True)
    c.add_argument("--target", default="resources")
    c.add_argument("--tolerance", type=float, default=1e-2)
    c.add_argument("--scales")
    k = sub.add_parser("compile-circuit")
    k.add_argument("-M", "--model", required=True)
    k.add_argument("-S", "--settings-path", required=True)
    k.add_argument("--compiled-circuit", required=True)
    k.add_argument("--lanes", default="auto")
    s = sub.add_parser("setup")
    s.add_argument("-M", "--compiled-circuit", required=True)
    s.add_argument("--witness")
    s.add_argument("--dev-srs", action="store_true")
    s.add_argument("--srs-path")
    s.add_argument("--vk-path", required=True)
    s.add_argument("--pk-path", required=True)
    w = sub.add_parser("gen-witness")
    w.add_argument("-D", "--data", required=True)
    w.add_argument("-M", "--model", required=True)
    w.add_argument("-O", "--output", required=True)
    pr = sub.add_parser("prove")
    pr.add_argument("--witness", required=True)
    pr.add_argument("-M", "--model", required=True)
    pr.add_argument("--pk-path", required=True)
    pr.add_argument("--proof-path", required=True)
    ve = sub.add_parser("verify")
    ve.add_argument("--proof-path", required=True)
    ve.add_argument("-S", "--settings-path")
    ve.add_argument("-M", "--compiled-circuit")
    ve.add_argument("--vk-path", required=True)
    for sp in (g, c, k, s, w, pr, ve):
        sp.add_argument("--json", action="store_true")
    a = p.parse_args()
    if a.version:
        print("zkaccel (fake, for compare.py self-test)")
        return 0
    out = {"verb": a.verb}
    if a.verb == "gen-settings":
        json.dump({"run_args": {"input_scale": a.input_scale, "param_scale": a.param_scale,
                                "logrows": 10, "input_visibility": a.input_visibility,
                                "output_visibility": a.output_visibility,
                                "param_visibility": a.param_visibility},
                   "num_rows": 100}, open(a.settings_path, "w"))
    elif a.verb == "calibrate-settings":
        pass
    elif a.verb == "compile-circuit":
        open(a.compiled_circuit, "w").write("compiled")
        out["plan"] = {"lanes": 4, "k": 10, "mac_rows": 90, "io_rows": 10, "shift": 7, "bits": 9}
    elif a.verb == "setup":
        open(a.pk_path, "w").write("pk")
        open(a.vk_path, "w").write("vk")
    elif a.verb == "gen-witness":
        json.dump({"outputs": [[3]], "pretty_elements": {"rescaled_outputs": [[3 / 128]]}},
                  open(a.output, "w"))
    elif a.verb == "prove":
        proof = (hashlib.sha256(open(a.witness, "rb").read()).digest() * 8).hex()
        instances = [[(3).to_bytes(32, "little").hex()]]
        json.dump({"format": "fake", "instances": instances, "proof": proof,
                   "public": {"inputs": [], "outputs": [[3]], "rescaled_outputs": [[3 / 128]]}},
                  open(a.proof_path, "w"))
        open(a.proof_path + ".sum", "w").write(_digest(instances, proof))
        out.update(proof_bytes=len(proof) // 2, prove_ms=1.5, msm_ms=1.0, ntt_ms=0.25)
    elif a.verb == "verify":
        p = json.load(open(a.proof_path))
        good = open(a.proof_path.replace(".tampered", "") + ".sum").read()
        if _digest(p["instances"], p["proof"]) != good:
            print("verification failed", file=sys.stderr)
            return 3
    if a.json:
        print(json.dumps(out))
    return 0


def _digest(instances, proof):
    return hashlib.sha256(json.dumps([instances, proof]).encode()).hexdigest()


if __name__ == "__main__":
    sys.exit(main())
