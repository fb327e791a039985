#!/usr/bin/env bash
# The fault campaign (not in CI): N proofs of the tiny model over the emulated PCIe card with
# random faults (kill, stall, surprise removal, error status, flipped result bit, short read) at
# random commands; prints proofs, faults by class, fallbacks, wrong proofs written (must be 0),
# hangs (must be 0) and the result checks' share of proving time on fault-free runs.
#   scripts/fault-campaign.sh [N=200] [seed=1]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-200}"
SEED="${2:-1}"
cargo build -q -p zkaccel-zkml --features sim --bin zkaccel --example fault_campaign
cargo build -q -p zkaccel-card-emu
TARGET="${CARGO_TARGET_DIR:-target}/debug"
exec "$TARGET/examples/fault_campaign" "$TARGET/zkaccel" "$TARGET/zkaccel-card-emu" "$N" "$SEED"
