#!/usr/bin/env python3
"""Run one ezkl Python-API step in its own process (called by compare.py).

    python ezkl_step.py STEP KWARGS_JSON RESULT_JSON

STEP is one of the ezkl functions listed in STEPS; KWARGS_JSON the keyword arguments as a JSON
object ("py_run_args" for gen_settings is a dict of PyRunArgs attributes). The process writes
RESULT_JSON = {"step", "import_s", "call_s", "ok", "result"} and exits 0 only if the call
returned a truthy value (verify must return True) and raised nothing.

`call_s` times the API call alone: the interpreter start and `import ezkl` are excluded (they
are in the parent's wall time and in `import_s`). Some ezkl releases return awaitables from
some functions (e.g. get_srs, calibrate_settings in 12.x-20.x); they are awaited here, inside
the timed region.
"""
import asyncio
import inspect
import json
import sys
import time

STEPS = (
    "gen_settings",
    "calibrate_settings",
    "compile_circuit",
    "gen_srs",
    "setup",
    "gen_witness",
    "prove",
    "verify",
)


def _summary(value):
    """A small JSON-able summary of what an ezkl call returned."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, dict):
        return {"type": "dict", "keys": sorted(value.keys())}
    return {"type": type(value).__name__}


def main() -> int:
    step, kwargs_json, result_path = sys.argv[1], sys.argv[2], sys.argv[3]
    if step not in STEPS:
        raise SystemExit(f"unknown ezkl step {step!r}")
    kwargs = json.loads(kwargs_json)

    t0 = time.perf_counter()
    import ezkl  # noqa: E402  (timed separately on purpose)

    import_s = time.perf_counter() - t0

    if step == "gen_settings" and isinstance(kwargs.get("py_run_args"), dict):
        run_args = ezkl.PyRunArgs()
        for key, value in kwargs["py_run_args"].items():
            setattr(run_args, key, value)
        kwargs["py_run_args"] = run_args

    func = getattr(ezkl, step)
    error = None
    t1 = time.perf_counter()
    try:
        value = func(**kwargs)
        if inspect.isawaitable(value):
            value = asyncio.run(_await(value))
    except Exception as exc:  # ezkl raises plain RuntimeError/ValueError with a message
        value, error = None, f"{type(exc).__name__}: {exc}"
    call_s = time.perf_counter() - t1

    # gen_srs returns None on success; every other step returns True or a dict.
    ok = error is None and (value is not False) and (step == "gen_srs" or value is not None)
    if step == "verify":
        ok = error is None and value is True
    result = {
        "step": step,
        "ezkl_version": getattr(ezkl, "__version__", None),
        "import_s": import_s,
        "call_s": call_s,
        "ok": ok,
        "error": error,
        "result": _summary(value),
    }
    with open(result_path, "w") as f:
        json.dump(result, f)
    if not ok:
        print(f"ezkl {step} failed: {error or value!r}", file=sys.stderr)
        return 1
    return 0


async def _await(awaitable):
    return await awaitable


if __name__ == "__main__":
    sys.exit(main())
