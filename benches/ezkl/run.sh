#!/usr/bin/env bash
# zkaccel vs ezkl: create/reuse benches/ezkl/.venv, install requirements.txt, build zkaccel in
# release, run compare.py with the given arguments (compare.py --help lists them).
#   benches/ezkl/run.sh                     # MLP 784-128-10, 3 interleaved repetitions
#   benches/ezkl/run.sh --models mlp,tiny --reps 5
# Environment: PYTHON (interpreter for the venv, default python3), SKIP_BUILD=1 (use the
# existing target/release/zkaccel).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$here/.venv"

if [ ! -x "$venv/bin/python" ]; then
    "${PYTHON:-python3}" -m venv "$venv"
fi
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [ "$(cat "$venv/.requirements.sha256" 2>/dev/null || true)" != "$want" ]; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
    echo "$want" > "$venv/.requirements.sha256"
fi

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    (cd "$repo" && cargo build --release -p zkaccel-zkml --bin zkaccel)
fi

if [ ! -x /usr/bin/time ]; then
    echo "note: /usr/bin/time (Debian package 'time') is missing; peak RSS falls back to os.wait4," \
         "which cannot go below compare.py's own RSS (see README.md)" >&2
fi

exec "$venv/bin/python" "$here/compare.py" "$@"
