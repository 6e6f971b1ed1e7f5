#!/usr/bin/env bash
# t_host_protofuzz.sh — a bounded, seeded protocol fuzzer against the simulated board
# (tests/protofuzz.c): 500 random and mutated request frames (bad CRC, unknown commands, lengths
# out of range, wrong LOAD offsets, malformed run-length images, garbage, bursts, truncated
# frames, stalled headers, resets), each answer predicted from docs/protocol.md and checked:
# 0 missing, wrong, late or unexpected answers, and the device's error counter as predicted.
# The waits after stalled headers follow the slowest inter-byte timeout seen (the fuzzer times
# one at its start), so a loaded machine slows the run instead of failing it.
# PROTOFUZZ_CASES / PROTOFUZZ_SEED change the run (defaults 500, 1).
. "$(dirname "$0")/host_lib.sh"
FUZZ=${FUZZ:-$ASAN_BIN/q2mlp-protofuzz}
CASES=${PROTOFUZZ_CASES:-500} SEED=${PROTOFUZZ_SEED:-1}

need_files "$SIM" "$FUZZ" "$TINY_Q2"
SOCK=$tmp/board.sock
start_sim "$SOCK" || die

run timeout -s KILL 120 "$FUZZ" --device "sim:$SOCK" --model "$TINY_Q2" --cases "$CASES" --seed "$SEED"
grep -Ev '^protofuzz:' "$tmp/out" | head -20
grep '^protofuzz:' "$tmp/out" | sed 's/^/  /'
[ -s "$tmp/err" ] && sed 's/^/  stderr: /' "$tmp/err" | head -5
check "q2mlp-protofuzz exits 0 ($CASES cases, seed $SEED)" test "$rc" = 0
check "  ... all $CASES cases ran" has out "^protofuzz: seed=$SEED cases=$CASES "
check "  ... 0 missing, 0 wrong, 0 late, 0 extra, nothing malformed" \
      has out ' missing=0 wrong=0 late=0 extra=0 malformed=0 garbage_bytes=0 '
check "  ... every kind of case ran" test -z "$(grep '^protofuzz: cases by kind' "$tmp/out" | grep -E '=0( |$)')"
echo "  took ${took} s (not a check: a loaded machine waits longer after stalled headers)"

summary
