#!/bin/bash
# WNN figures of docs/wnn.md: plan, keys, three proofs under /usr/bin/time -v, verification, and
# the lookups' share of the prove time, for the fixture model and for generated models of
# MNIST-Small size (and, with `large`, 2048 entries and 3 bits per input).
#   scripts/wnn/measure.sh [large]      (run from the repository root; ../shared beside it)
set -e
cargo build --release -p zkaccel-zkml --bin zkaccel --example wnn_measure
B=target/release/zkaccel
X=target/release/examples/wnn_measure
D=$(mktemp -d)
echo "files in $D"
load() { cut -d' ' -f1-3 /proc/loadavg; }
measure_model() {
  local name=$1 M=$2 IMG=$3 runs=$4
  echo "=== $name ($(date -u +%H:%M:%S), load $(load))"
  $X plan "$M" | tr -d '\n '; echo
  /usr/bin/time -v $B wnn setup -M "$M" --dev-srs --vk-path $D/$name.vk --pk-path $D/$name.pk --json 2> $D/$name.setup.time
  grep -E "Maximum resident|Elapsed \(wall|User time|System time" $D/$name.setup.time
  $B wnn gen-witness -D "$IMG" -M "$M" -O $D/$name.w.json --json
  for i in $(seq 1 "$runs"); do
    echo "load $(load)"
    /usr/bin/time -v $B wnn prove --witness $D/$name.w.json -M "$M" --pk-path $D/$name.pk --proof-path $D/$name.proof.json --json 2> $D/$name.time.$i
    grep -E "Maximum resident|Elapsed \(wall|User time|System time" $D/$name.time.$i
  done
  $B wnn verify --proof-path $D/$name.proof.json --vk-path $D/$name.vk -M "$M" --json
  ls -l $D/$name.pk $D/$name.vk
  rm -f $D/$name.pk
}
FIX=../shared/fixtures/wnn/model_28input_256entry_1hash_1bpi.hdf5
python3 -c "import json; print(json.dumps({'input_data': [[(37*k+11)%256 for k in range(784)]]}))" > $D/ramp.json
measure_model fixture $FIX ../shared/fixtures/wnn/example_image_7.png 3
echo "=== lookup share, fixture (load $(load))"; $X lookup-share $FIX 5
$X random $D/small.hdf5 10 28 2 28 1024 2 1048573
measure_model small $D/small.hdf5 $D/ramp.json 3
echo "=== lookup share, small (load $(load))"; $X lookup-share $D/small.hdf5 3
if [ "$1" = large ]; then
  $X random $D/large.hdf5 10 28 3 28 2048 2 4194301
  measure_model large $D/large.hdf5 $D/ramp.json 1
fi
echo "=== done $(date -u +%H:%M:%S)"
