#!/usr/bin/env bash
# t_fuzz_replay.sh — every libFuzzer target (docs/fuzzing.md) stays compiled and exercised: each
# one built without libFuzzer, with tests/fuzz_replay.c as its main, under ASan/UBSan
# (build/fuzz/replay_<t>, built for `make test` by tests/fuzz.mk when clang is there), runs its
# target function over every file of tests/corpus/<t>/: the seeds, and the regression inputs of
# findings (regress-*: each must be refused, or accepted, cleanly). One numbered check per target.
# Needs clang (skipped otherwise: exit 77).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
BUILD=${BUILD:-build}
CLANG=${CLANG:-clang}
CLANGXX=${CLANGXX:-clang++}
targets="q2 npy idx mlp best host proto"

for c in "$CLANG" "$CLANGXX"; do
    if ! command -v "$c" >/dev/null 2>&1; then
        echo "skipped: $c not found (the fuzz targets are built with clang; docs/fuzzing.md)"
        exit 77
    fi
done

n=0; bad=0
for t in $targets; do
    n=$((n + 1))
    bin=$BUILD/fuzz/replay_$t
    corpus=tests/corpus/$t
    files=$(find "$corpus" -maxdepth 1 -type f 2>/dev/null | wc -l)
    if [ ! -x "$bin" ]; then
        echo "not ok $n - $t: $bin missing (make test builds it; make $bin)"
        bad=$((bad + 1))
    elif [ "$files" -eq 0 ]; then
        echo "not ok $n - $t: no seed files in $corpus"
        bad=$((bad + 1))
    elif out=$("$bin" "$corpus" 2>&1); then
        echo "ok $n - $t: $(echo "$out" | tail -n 1 | sed 's/^.*: //') ($files files in $corpus)"
    else
        echo "not ok $n - $t: $bin $corpus failed"
        echo "$out" | tail -n 25 | sed 's/^/    /'
        bad=$((bad + 1))
    fi
done

if [ $bad -eq 0 ]; then echo "PASSED ($n targets)"; exit 0; fi
echo "FAILED ($bad of $n targets)"
exit 1
