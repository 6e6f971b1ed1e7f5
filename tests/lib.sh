# lib.sh — what every tests/t_*.sh shares (sourced first: . "$(dirname "$0")/lib.sh"):
#   paths     root (the checkout), BUILD, BIN, ASAN_BIN, Q2MLP (the sanitized CLI), MNIST_DIR and
#             its four files TRI TRL TEI TEL, the fixtures TINY_MLP TINY_Q2, PAPER (make run's model);
#             tests/run.sh exports BUILD, BIN, ASAN_BIN, Q2MLP and MNIST_DIR, the defaults are its own
#   $tmp      a scratch directory, removed on exit after the at_exit commands ran
#   check     check WHAT CMD...: one numbered check, CMD's exit status is the verdict; its output
#             goes to the log. check_quiet: the same, CMD's output kept in $tmp/out and $tmp/err and
#             its tail shown under a failing check
#   summary   the last line "N checks, N failed: PASSED|FAILED" and the script's exit status
#   skip WHY  "skipped: WHY" and exit 77 (tests/run.sh counts it as skipped, never as passed)
#   die MSG   MSG and FAILED, exit 1: the test cannot go on
#   and small helpers: run, status, has, exits, within, ge, gt, kv, need_files, need_mnist.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
BIN=${BIN:-$BUILD/bin}
ASAN_BIN=${ASAN_BIN:-$BUILD/asan/bin}
Q2MLP=${Q2MLP:-$ASAN_BIN/q2mlp}
MNIST_DIR=${MNIST_DIR:-data/mnist}
TRI=$MNIST_DIR/train-images-idx3-ubyte TRL=$MNIST_DIR/train-labels-idx1-ubyte
TEI=$MNIST_DIR/t10k-images-idx3-ubyte TEL=$MNIST_DIR/t10k-labels-idx1-ubyte
TINY_MLP=$BUILD/fixtures/tiny.mlp TINY_Q2=$BUILD/fixtures/tiny.q2
PAPER=$BUILD/models/paper.q2

# ---- scratch directory and exit --------------------------------------------------------------------
tmp=$(mktemp -d)
exit_cmds=()
at_exit() { exit_cmds+=("$1"); }  # at_exit 'SHELL TEXT': run on exit, before $tmp is removed
cleanup() {
    local c
    for c in "${exit_cmds[@]}"; do eval "$c"; done
    wait 2>/dev/null; rm -rf "$tmp"
}
trap cleanup EXIT
skip() { echo "skipped: $*"; exit 77; }
die() { [ $# -eq 0 ] || echo "$*"; echo FAILED; exit 1; }

# ---- numbered checks --------------------------------------------------------------------------------
n=0; failed=0
check_line() {  # verdict(0|1) what
    n=$((n + 1))
    if [ "$1" = 0 ]; then printf '%3d ok    %s\n' "$n" "$2"
    else printf '%3d FAIL  %s\n' "$n" "$2"; failed=$((failed + 1)); fi
}
check() {
    local what=$1 v=0; shift
    "$@" || v=1
    check_line $v "$what"
}
check_quiet() {
    local what=$1 v=0; shift
    "$@" >"$tmp/out" 2>"$tmp/err" || v=1
    check_line $v "$what"
    [ $v = 0 ] || sed 's/^/    | /' "$tmp/out" "$tmp/err" | tail -n 8
}
summary() {
    if [ "$failed" -eq 0 ]; then echo "$n checks, 0 failed: PASSED"; exit 0; fi
    echo "$n checks, $failed failed: FAILED"; exit 1
}

# ---- helpers for the verdicts -----------------------------------------------------------------------
# run CMD...: sets $rc and $took (whole seconds); stdout/stderr kept in $tmp/out, $tmp/err
rc=0; took=0
run() { local t0=$SECONDS; "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; took=$((SECONDS - t0)); }
status() { "$@" >"$tmp/out" 2>"$tmp/err"; echo $?; }  # the exit status on stdout
has() { grep -Eq -- "$2" "$tmp/$1"; }                   # has out|err REGEX (extended)
exits() {  # exits CODE CMD...: CMD exits with exactly CODE
    local want=$1 got; shift
    "$@"; got=$?
    [ "$got" -eq "$want" ] || { echo "exit $got, need $want"; return 1; }
}
within() { [ "$took" -le "$1" ]; }                      # within SECONDS: the last run took no longer
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }  # ge A B: A >= B as numbers
gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'; }   # gt A B: A > B as numbers
kv() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }     # kv KEY "k=v k=v ...": the value of KEY
need_files() {  # every file must exist, else the test fails at once
    local f
    for f in "$@"; do [ -r "$f" ] || die "missing $f (make test builds it)"; done
}
need_mnist() {  # the four MNIST files must exist, else the test fails at once
    local f
    for f in "$TRI" "$TRL" "$TEI" "$TEL"; do [ -r "$f" ] || die "missing $f (make data)"; done
}
