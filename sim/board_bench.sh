#!/usr/bin/env bash
# board_bench.sh MODEL N — `make bench-host`: the host driver and the RTL through the simulated
# board at 3 Mbaud (12 MHz design clock, 4 clocks per bit): load MODEL, classify N test images
# with raw and with zero-run-length uploads, print one key=value line per benchmark and keep them
# in $BUILD/report/bench-host.txt. Times are the device's (simulated) time: docs/host.md
# "Timing model". Falls back to the tiny fixture when MODEL (the paper model) is not built.
set -euo pipefail
model=${1:?usage: board_bench.sh MODEL N}
n=${2:-500}
BUILD=${BUILD:-build}
BIN=${BIN:-$BUILD/bin}
MNIST_DIR=${MNIST_DIR:-data/mnist}
TEI=$MNIST_DIR/t10k-images-idx3-ubyte TEL=$MNIST_DIR/t10k-labels-idx1-ubyte
if [ ! -r "$model" ]; then
    echo "bench-host: $model not built (make run); using $BUILD/fixtures/tiny.q2" >&2
    model=$BUILD/fixtures/tiny.q2
fi
tmp=$(mktemp -d)
sim_pid=
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
"$BIN/q2mlp-board-sim" --socket "$tmp/board.sock" --max-seconds 3600 --quiet 2>"$tmp/sim.log" &
sim_pid=$!
for _ in $(seq 200); do [ -S "$tmp/board.sock" ] && break; sleep 0.05; done
H=("$BIN/q2mlp-host" --device "sim:$tmp/board.sock")

# field NAME FILE: the value of NAME=... on the matching lines
field() { grep -o "\b$1=[^ ]*" "$2" | head -n1 | cut -d= -f2; }

"${H[@]}" load "$model" > "$tmp/load.out" 2>/dev/null
"${H[@]}" infer --images "$TEI" --labels "$TEL" --limit "$n" --model "$model" --check > "$tmp/raw.out" 2>/dev/null
"${H[@]}" infer --images "$TEI" --labels "$TEL" --limit "$n" --model "$model" --check --rle > "$tmp/rle.out" 2>/dev/null

name=$(basename "$model" .q2)
mkdir -p "$BUILD/report"
{
    echo "bench-host-load model=$name bytes=$(stat -c %s "$model") device_s=$(field device_s "$tmp/load.out")" \
         "line_utilization=$(field line_utilization "$tmp/load.out") link=sim_3Mbaud_12MHz"
    for kind in raw rle; do
        f=$tmp/$kind.out
        echo "bench-host-$kind model=$name images=$(field images "$f") accuracy=$(field accuracy "$f")" \
             "images_per_s=$(field images_per_s "$f") line_utilization=$(field line_utilization "$f")" \
             "down_per_image=$(field down_per_image "$f") cycles_per_image=$(field cycles_per_image "$f")" \
             "disagreements=$(sed -n 's/^check: disagreements=\([0-9]*\).*/\1/p' "$f")" \
             "proj_3M_48MHz=$(field images_per_s_3M_48MHz "$f") proj_12M_48MHz=$(field images_per_s_12M_48MHz "$f")" \
             "sim_wall_s=$(field wall_s "$f") link=sim_3Mbaud_12MHz"
    done
    echo "bench-host-rle-gain model=$name rle_gain_sim_3M_12MHz=$(awk -v a="$(field images_per_s "$tmp/rle.out")" \
         -v b="$(field images_per_s "$tmp/raw.out")" 'BEGIN { printf "%.2f", a / b }')" \
         "rle_gain_3M_48MHz=$(awk -v a="$(field images_per_s_3M_48MHz "$tmp/rle.out")" \
         -v b="$(field images_per_s_3M_48MHz "$tmp/raw.out")" 'BEGIN { printf "%.2f", a / b }')"
} | tee "$BUILD/report/bench-host.txt"
