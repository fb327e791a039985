#!/usr/bin/env python3
"""ezkl's EVM verifier gas, run in zkaccel's in-process EVM (issue 22).

    benches/ezkl/.venv/bin/python benches/ezkl/evm_gas.py WORK_DIR [--zkaccel target/debug/zkaccel]

WORK_DIR is a model's ezkl directory left by compare.py (e.g. benches/ezkl/work/mlp/ezkl, with
vk.key, settings.json, proof.json; the SRS in WORK_DIR/../../srs). Writes ezkl's Verifier.sol
(ezkl.create_evm_verifier, reusable=False) and calldata.bytes (ezkl.encode_evm_calldata), then
runs `zkaccel verify-evm --contract Halo2Verifier --calldata-path calldata.bytes`, which compiles
the contract with the same solcjs as zkaccel's and prints its code size and gas. ezkl's own
compile step downloads solc, which fails offline after the .sol file is written; that error is
reported and ignored.
"""
import argparse
import asyncio
import inspect
import json
import subprocess
import sys
from pathlib import Path

import ezkl


async def call(f, **kw):
    r = f(**kw)
    return await r if inspect.isawaitable(r) else r


async def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("work", type=Path)
    p.add_argument("--zkaccel", default="target/debug/zkaccel")
    a = p.parse_args()
    d = a.work
    logrows = json.loads((d / "settings.json").read_text())["run_args"]["logrows"]
    srs = d.parent.parent / "srs" / f"ezkl_kzg{logrows}.srs"
    sol = d / "Verifier.sol"
    try:
        await call(ezkl.create_evm_verifier, vk_path=str(d / "vk.key"), settings_path=str(d / "settings.json"),
                   sol_code_path=str(sol), abi_path=str(d / "Verifier.abi"), srs_path=str(srs), reusable=False)
    except Exception as e:  # the solc download after writing the file
        if not sol.exists():
            raise
        print(f"note: ezkl.create_evm_verifier wrote {sol} then failed: {e}", file=sys.stderr)
    await call(ezkl.encode_evm_calldata, proof=str(d / "proof.json"), calldata=str(d / "calldata.bytes"))
    print(f"ezkl {ezkl.__version__}, logrows {logrows}")
    return subprocess.call([a.zkaccel, "verify-evm", "--sol-code-path", str(sol), "--contract", "Halo2Verifier",
                            "--calldata-path", str(d / "calldata.bytes")])


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
