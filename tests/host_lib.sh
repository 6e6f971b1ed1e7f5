# host_lib.sh — shared setup of the tests/t_host_*.sh scripts (sourced, not run): paths, a
# temporary directory removed on exit, numbered checks, and starting/stopping the board simulator.
BUILD=${BUILD:-build}
BIN=${BIN:-$BUILD/bin}
ASAN_BIN=${ASAN_BIN:-$BUILD/asan/bin}
MNIST_DIR=${MNIST_DIR:-data/mnist}
HOSTBIN=${HOSTBIN:-$ASAN_BIN/q2mlp-host}
FAKEBIN=${FAKEBIN:-$ASAN_BIN/q2mlp-host-fakeftdi}
SIM=$BIN/q2mlp-board-sim
TINY=$BUILD/fixtures/tiny.q2
TEI=$MNIST_DIR/t10k-images-idx3-ubyte TEL=$MNIST_DIR/t10k-labels-idx1-ubyte
tmp=$(mktemp -d)
sim_pid=
cleanup() {
    if [ -n "$sim_pid" ]; then kill -CONT "$sim_pid" 2>/dev/null; kill "$sim_pid" 2>/dev/null; fi
    wait 2>/dev/null; rm -rf "$tmp"
}
trap cleanup EXIT

n=0; failed=0
check() {  # description, then a command whose status is the verdict
    local what=$1; shift
    n=$((n+1))
    if "$@"; then printf '%3d ok    %s\n' "$n" "$what"
    else printf '%3d FAIL  %s\n' "$n" "$what"; failed=$((failed+1)); fi
}
# run CMD...: sets $rc and $took (whole seconds); stdout/stderr kept in $tmp/out, $tmp/err
rc=0; took=0
run() { local t0=$SECONDS; "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; took=$((SECONDS - t0)); }
status() { "$@" >"$tmp/out" 2>"$tmp/err"; echo $?; }  # the exit status on stdout
has() { grep -Eq -- "$2" "$tmp/$1"; }                   # has out|err REGEX
within() { [ "$took" -le "$1" ]; }
need_files() {  # every file must exist, else the test fails at once
    local f
    for f in "$@"; do
        [ -r "$f" ] || { echo "missing $f (make test builds it)"; echo FAILED; exit 1; }
    done
}
start_sim() {  # socket path
    "$SIM" --socket "$1" --max-seconds 600 --quiet 2>"$tmp/sim.log" &
    sim_pid=$!
    for _ in $(seq 200); do [ -S "$1" ] && return 0; sleep 0.05; done
    echo "q2mlp-board-sim did not start:"; cat "$tmp/sim.log"; return 1
}
stop_sim() { kill -CONT "$sim_pid" 2>/dev/null; kill -KILL "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null; sim_pid=; }
