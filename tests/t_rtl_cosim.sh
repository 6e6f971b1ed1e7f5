#!/usr/bin/env bash
# t_rtl_cosim.sh — q2mlp-cosim (accel_core under Verilator vs q2_qmodel_forward_ref): a few hundred
# MNIST test images through the tiny fixture model (and paper.q2 when `make run` has made it) with
# 0 mismatches and the documented summary line; the sequencer's utilization; the mismatch report
# and exit codes (3 mismatch, 1 bad input); --trace writes an FST file.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
BUILD=${BUILD:-build}
MNIST_DIR=${MNIST_DIR:-data/mnist}
cosim=$BUILD/bin/q2mlp-cosim
tiny=$BUILD/fixtures/tiny.q2
paper=$BUILD/models/paper.q2
imgs=$MNIST_DIR/t10k-images-idx3-ubyte
lbls=$MNIST_DIR/t10k-labels-idx1-ubyte
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0; bad=0
check() {  # check "what" command...: one numbered check
    n=$((n + 1))
    if "${@:2}"; then echo "ok $n - $1"; else echo "not ok $n - $1"; bad=$((bad + 1)); fi
}
line_re='^images=[0-9]+ mismatches=[0-9]+ accuracy=[0-9.]+ cycles_per_inference=[0-9]+ ideal_cycles=[0-9]+ utilization=[0-9.]+ sim_cycles_per_s=[0-9]+$'

cosim_ok() {  # model limit min_utilization seed
    "$cosim" --model "$1" --images "$imgs" --labels "$lbls" --limit "$2" --seed "$4" \
        +verilator+rand+reset+2 +verilator+seed+"$4" > "$tmp/out" 2> "$tmp/err"
    local rc=$?
    cat "$tmp/out" "$tmp/err"
    [ $rc -eq 0 ] || return 1
    local l; l=$(head -n 1 "$tmp/out")
    grep -Eq "$line_re" <<<"$l" || { echo "summary line malformed"; return 1; }
    grep -q "^images=$2 mismatches=0 " <<<"$l" || return 1
    grep -qx "$2 passed, 0 failed" "$tmp/out" || return 1
    awk -v u="$(sed 's/.*utilization=\([0-9.]*\).*/\1/' <<<"$l")" -v m="$3" 'BEGIN { exit !(u >= m) }' ||
        { echo "utilization below $3"; return 1; }
}

check "tiny.q2: 300 images, 0 mismatches (seed 1)" cosim_ok "$tiny" 300 0.95 1
check "tiny.q2: 100 images, 0 mismatches (seed 2)" cosim_ok "$tiny" 100 0.95 2
if [ -f "$paper" ]; then
    check "paper.q2: 200 images, 0 mismatches, utilization >= 0.95" cosim_ok "$paper" 200 0.95 3
else
    echo "# $paper not made yet (make run): skipped"
fi

mismatch_reported() {
    "$cosim" --model "$tiny" --images "$imgs" --labels "$lbls" --limit 10 --inject-mismatch 4 \
        --trace "$tmp/m.fst" > "$tmp/out" 2> "$tmp/err"
    local rc=$?
    cat "$tmp/out" "$tmp/err"
    [ $rc -eq 3 ] &&
        grep -Eq '^mismatch: image=4 layer=0 neuron=0 expected=[0-9]+ got=[0-9]+ cycle=[0-9]+' "$tmp/err" &&
        grep -qx '4 passed, 1 failed' "$tmp/out" && [ -s "$tmp/m.fst" ]
}
check "a mismatch stops the run: image/layer/neuron/expected/got/cycle, exit 3, trace closed" mismatch_reported

exit_is() {  # code command...
    local want=$1; shift
    "$@" > "$tmp/out" 2>&1
    local rc=$?
    [ $rc -eq "$want" ] || { cat "$tmp/out"; echo "exit $rc, need $want"; return 1; }
}
check "missing model file: exit 1" exit_is 1 "$cosim" --model "$tmp/none.q2" --images "$imgs" --labels "$lbls"
check "labels file as images: exit 1" exit_is 1 "$cosim" --model "$tiny" --images "$lbls" --labels "$lbls"
check "unknown option: exit 1" exit_is 1 "$cosim" --model "$tiny" --frobnicate 1
head -c 100 "$tiny" > "$tmp/short.q2"
check "truncated model: exit 1" exit_is 1 "$cosim" --model "$tmp/short.q2" --images "$imgs" --labels "$lbls"

trace_written() {
    "$cosim" --model "$tiny" --images "$imgs" --labels "$lbls" --limit 1 --trace "$tmp/t.fst" > /dev/null &&
        [ "$(head -c 1 "$tmp/t.fst" | od -An -tx1 | tr -d ' ')" != "" ] && [ -s "$tmp/t.fst" ]
}
check "--trace FILE.fst writes a trace" trace_written

echo "$((n - bad)) passed, $bad failed"
[ $bad -eq 0 ]
