#!/usr/bin/env bash
# t_oom.sh — out of memory ends a program promptly with exit 4, it never hangs (issue 16, bug 5).
# Runs the optimised programs in $BIN (ASan reserves terabytes of address space, so the sanitized
# ones cannot run under `ulimit -v`) with a shrinking address-space limit and a timeout, so a hang
# is a failure, not a hang of make test:
#   * no program links OpenBLAS (linked, Debian's 0.3.21 starts its threads in a constructor, each
#     worker retries a failed 128 MiB buffer allocation forever, and exit() waits for it);
#   * commands that do no GEMM (info, --help of every program) run under 150 MB;
#   * eval and train of the tiny model, at limits from 8 MB up: each run ends within the timeout
#     with 0 or with 4 and an "out of memory" line, and both outcomes occur;
#   * --gemm blas loads OpenBLAS only when chosen: it works without a limit, and under one too
#     small for its buffers it exits 4 with a message instead of hanging.
. "$(dirname "$0")/lib.sh"
T=${OOM_TIMEOUT:-30} # seconds; the slowest run here takes about 2 s
# limited KB cmd...: run under `ulimit -v KB` (0: none) and the timeout; prints the exit status
# (124: timed out); stdout/stderr kept in $tmp.
limited() {
    local kb=$1; shift
    ( if [ "$kb" != 0 ]; then ulimit -v "$kb" || exit 125; fi; exec timeout -k 5 "$T" "$@" ) \
        >"$tmp/out" 2>"$tmp/err"
    echo $?
}
oom_or_ok() {  # status: 0, or 4 with an "out of memory" line on stderr
    [ "$1" = 0 ] || { [ "$1" = 4 ] && grep -q 'out of memory' "$tmp/err"; }
}

need_files "$TINY_Q2" "$TINY_MLP" "$TEI" "$TRI"
[ "$(ulimit -v)" = unlimited ] && (ulimit -v 100000 2>/dev/null && [ "$(ulimit -v)" = 100000 ]) ||
    skip "no unlimited address space to shrink with ulimit -v"

echo "linking"
for p in "$BIN"/q2mlp*; do
    check "$(basename "$p") does not link OpenBLAS" bash -c "! readelf -d '$p' | grep -q 'NEEDED.*openblas'"
done

echo "commands that do no GEMM, under 150 MB"
r=$(limited 150000 "$BIN/q2mlp" info "$TINY_Q2")
check "q2mlp info tiny.q2 exits 0 (got $r; 124 = hang)" test "$r" = 0
for p in "$BIN"/q2mlp*; do
    r=$(limited 150000 "$p" --help)
    check "$(basename "$p") --help exits 0 (got $r)" test "$r" = 0
done

echo "eval and train at shrinking limits (KB)"
scan() {  # name, command... : every limit gives 0 or 4 within the timeout; both occur
    local name=$1; shift
    local ok=0 oom=0 bad=""
    for kb in 8000 12000 16000 24000 32000 48000 64000 96000 150000; do
        local r; r=$(limited "$kb" "$BIN/q2mlp" --help)
        if [ "$r" = 124 ]; then bad="$bad $kb:$r(--help)"; break; fi
        [ "$r" = 0 ] || continue # too small to start any program
        r=$(limited "$kb" "$@")
        if ! oom_or_ok "$r"; then bad="$bad $kb:$r"; break; fi # a hang costs one timeout, not nine
        if [ "$r" = 0 ]; then ok=$((ok+1)); else oom=$((oom+1)); fi
    done
    echo "    $name: $ok ok, $oom out of memory${bad:+, bad (limit:status)$bad}"
    check "$name: every run exits 0 or 4 (out of memory) in time" test -z "$bad"
    check "$name: some limits run out of memory (exit 4), some suffice" test $ok -gt 0 -a $oom -gt 0
}
scan "eval tiny.mlp" "$BIN/q2mlp" eval --model "$TINY_MLP"
scan "train 784-64-10" "$BIN/q2mlp" train --arch 784-64-10 --epochs 1 --limit 2000 --val 500 --quiet \
    --train-images "$TRI" --train-labels "$TRL" --test-images "$TEI" --test-labels "$TEL" \
    -o "$tmp/t.mlp"

echo "--gemm blas"
r=$(limited 0 "$BIN/q2mlp" eval --threads 2 --gemm blas --model "$TINY_MLP")
check "eval --gemm blas without a limit exits 0 (got $r)" test "$r" = 0
check "  ... and says gemm=blas threads=2" grep -q 'gemm=blas threads=2' "$tmp/out"
r=$(limited 150000 "$BIN/q2mlp" eval --threads 2 --gemm blas --model "$TINY_MLP")
check "eval --gemm blas under 150 MB (2 x 128 MiB buffers do not fit) exits 4 (got $r)" test "$r" = 4
check "  ... saying OpenBLAS's buffers are out of memory" grep -q 'OpenBLAS failed: out of memory' "$tmp/err"

summary
