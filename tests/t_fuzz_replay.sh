#!/usr/bin/env bash
# t_fuzz_replay.sh — every libFuzzer target (docs/fuzzing.md) stays compiled and exercised: each
# one built without libFuzzer, with tests/fuzz_replay.c as its main, under ASan/UBSan
# (build/fuzz/replay_<t>, built for `make test` by tests/fuzz.mk when clang is there), runs its
# target function over every file of tests/corpus/<t>/: the seeds, and the regression inputs of
# findings (regress-*: each must be refused, or accepted, cleanly), and for the targets whose seeds are
# generated at build time (onnx: FUZZ_GEN_CORPUS in tests/fuzz.mk) build/fuzz/corpus-<t>/ as well.
# One numbered check per target.
# Needs clang (skipped otherwise: exit 77).
. "$(dirname "$0")/lib.sh"
cd "$root"
CLANG=${CLANG:-clang}
CLANGXX=${CLANGXX:-clang++}
targets="q2 npy idx mlp best host proto onnx"

for c in "$CLANG" "$CLANGXX"; do
    command -v "$c" >/dev/null 2>&1 || skip "$c not found (the fuzz targets are built with clang; docs/fuzzing.md)"
done

replay() {  # target: its replay binary over its corpus, a line on what it ran
    local bin=$BUILD/fuzz/replay_$1 files out d corpus=()
    for d in tests/corpus/$1 "$BUILD/fuzz/corpus-$1"; do [ -d "$d" ] && corpus+=("$d"); done
    files=$(find "${corpus[@]}" /dev/null -maxdepth 1 -type f 2>/dev/null | wc -l)
    [ -x "$bin" ] || { echo "$bin missing (make test builds it; make $bin)"; return 1; }
    [ "$files" -gt 0 ] || { echo "no seed files in tests/corpus/$1 or $BUILD/fuzz/corpus-$1"; return 1; }
    out=$("$bin" "${corpus[@]}" 2>&1) || { echo "$bin ${corpus[*]} failed"; tail -n 25 <<<"$out" | sed 's/^/    /'; return 1; }
    echo "    $1: $(tail -n 1 <<<"$out" | sed 's/^.*: //') ($files files in ${corpus[*]})"
}
for t in $targets; do
    check "$t: replay_$t runs over its seeds (tests/corpus/$t, build/fuzz/corpus-$t)" replay "$t"
done
summary
