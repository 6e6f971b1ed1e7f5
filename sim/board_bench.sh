#!/usr/bin/env bash
# board_bench.sh MODEL N SIM... — `make bench-host`: the host driver and the RTL through simulated
# iCEBreakers: load MODEL, classify N test images with --check, once per configuration, and print
# one key=value line each (kept in $BUILD/report/bench-host.txt). Times are the device's
# (simulated) time, deterministic: docs/host.md "Timing model".
#
# Each SIM is TAG:CLOCK_HZ:BAUD:STATUS, a q2mlp-board-sim built for that clock and line rate
# ($BIN/q2mlp-board-sim-TAG, sim/board.mk), and STATUS says whether the UP5K build meets that clock
# (closes_8of8 / below_the_42MHz_that_closes_8of8 / simulated_design_clock_the_UP5K_does_not_close_yet).
# Per SIM: raw and RLE uploads; for the first and the last SIM also RLE through the USB model (1 ms latency timer; and 16 ms
# every 20th packet, full or not).
#
# Keys: clock_mhz baud clks_per_bit upload model usb images images_per_s line_utilization (the
# host -> device line busy) compute_utilization (the core computing: CYCLES x images / clock)
# bytes_per_image cycles_per_image disagreements window clock_status.
set -euo pipefail
model=${1:?usage: board_bench.sh MODEL N TAG:CLOCK_HZ:BAUD:STATUS...}
n=${2:-1000}
shift 2
BUILD=${BUILD:-build}
BIN=${BIN:-$BUILD/bin}
MNIST_DIR=${MNIST_DIR:-data/mnist}
TEI=$MNIST_DIR/t10k-images-idx3-ubyte TEL=$MNIST_DIR/t10k-labels-idx1-ubyte
[ -r "$model" ] || { echo "bench-host: $model not found (make run-50-up5k builds the up5k preset)" >&2; exit 1; }
name=$(basename "$model" .q2)
tmp=$(mktemp -d)
sim_pid=
stop_sim() { [ -z "$sim_pid" ] || { kill "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null || true; }; sim_pid=; }
cleanup() { stop_sim; rm -rf "$tmp"; }
trap cleanup EXIT

# start_sim TAG [board-sim options]: a fresh simulated board on $tmp/board.sock
start_sim() {
    local tag=$1; shift
    stop_sim
    rm -f "$tmp/board.sock"
    "$BIN/q2mlp-board-sim-$tag" --socket "$tmp/board.sock" --max-seconds 3600 --quiet "$@" 2>"$tmp/sim.log" &
    sim_pid=$!
    for _ in $(seq 200); do [ -S "$tmp/board.sock" ] && break; sleep 0.05; done
    [ -S "$tmp/board.sock" ] || { cat "$tmp/sim.log" >&2; echo "bench-host: board sim $tag did not start" >&2; exit 4; }
}

# field NAME FILE: the value of NAME=... on the first line that has it
field() { grep -o "\b$1=[^ ]*" "$2" | head -n1 | cut -d= -f2; }

# run TAG CLOCK_HZ BAUD STATUS UPLOAD USB [board-sim options]
run() {
    local tag=$1 hz=$2 baud=$3 status=$4 upload=$5 usb=$6; shift 6
    start_sim "$tag" "$@"
    local H=("$BIN/q2mlp-host" --device "sim:$tmp/board.sock")
    "${H[@]}" load "$model" > "$tmp/load.out" 2>"$tmp/load.err" || { cat "$tmp/load.err" >&2; exit 2; }
    local f=$tmp/infer.out
    "${H[@]}" infer --images "$TEI" --labels "$TEL" --limit "$n" --model "$model" --check "--$upload" \
        > "$f" 2>"$tmp/infer.err" || { tail -n 3 "$tmp/infer.err" >&2; exit 3; }
    local ips cyc
    ips=$(field images_per_s "$f")
    cyc=$(field cycles_per_image "$f")
    echo "bench-host clock_mhz=$((hz / 1000000)) baud=$baud clks_per_bit=$((hz / baud)) upload=$upload" \
         "model=$name usb=$usb images=$(field images "$f") images_per_s=$ips" \
         "line_utilization=$(field line_utilization "$f")" \
         "compute_utilization=$(awk -v i="$ips" -v c="$cyc" -v h="$hz" 'BEGIN { printf "%.3f", i * c / h }')" \
         "bytes_per_image=$(field down_per_image "$f") cycles_per_image=$cyc" \
         "disagreements=$(sed -n 's/^check: disagreements=\([0-9]*\).*/\1/p' "$f") window=$(field window "$f")" \
         "accuracy=$(field accuracy "$f") clock_status=$status"
    stop_sim
}

mkdir -p "$BUILD/report"
{
    last=$#
    i=0
    for cfg in "$@"; do
        i=$((i + 1))
        IFS=: read -r tag hz baud status <<<"$cfg"
        run "$tag" "$hz" "$baud" "$status" raw none
        run "$tag" "$hz" "$baud" "$status" rle none
        if [ "$i" -eq 1 ] || [ "$i" -eq "$last" ]; then
            run "$tag" "$hz" "$baud" "$status" rle latency_1ms --usb-latency-ms 1
            run "$tag" "$hz" "$baud" "$status" rle latency_1ms_stall_16ms_every_20 \
                --usb-latency-ms 1 --usb-stall-ms 16 --usb-stall-every 20
        fi
    done
} | tee "$BUILD/report/bench-host.txt"
