#!/usr/bin/env bash
# t_host_robust.sh — the device stays responsive whatever arrives on its UART (simulated board):
# a bad-CRC frame, an unknown command, an oversized length and a truncated frame each get their
# error response, then `info --retries 0` works at the first try; 4 KiB of random bytes, then
# `info` works (the driver may resync once) and again with no retry; a LOAD whose image was
# corrupted on the way (frame CRCs fine) leaves the model invalid (exit 3) and INFER is refused
# by the host (exit 2) and by the device itself (ERR_NO_MODEL); a corrupted header is rejected;
# a load killed halfway leaves nothing that a new load cannot fix; then all of it works again.
. "$(dirname "$0")/host_lib.sh"

need_files "$SIM" "$HOSTBIN" "$TINY_Q2" "$TEI" "$TEL"
SOCK=$tmp/board.sock
start_sim "$SOCK" || die
H=("$HOSTBIN" --device "sim:$SOCK")
size=$(stat -c %s "$TINY_Q2")

echo "malformed frames, one at a time"
check "info exits 0" test "$(status "${H[@]}" info --retries 0)" = 0
check "bad CRC -> ERR_FRAME_CRC" test "$(status "${H[@]}" raw --bad-crc --expect ERR_FRAME_CRC)" = 0
check "unknown command -> ERR_UNKNOWN" test "$(status "${H[@]}" raw --unknown --expect ERR_UNKNOWN)" = 0
check "length > max_payload -> ERR_LENGTH" test "$(status "${H[@]}" raw --oversize --expect ERR_LENGTH)" = 0
check "truncated frame -> ERR_TIMEOUT after the inter-byte timeout" \
      test "$(status "${H[@]}" raw --truncated --expect ERR_TIMEOUT --wait 20)" = 0
check "then info --retries 0 works at the first try" test "$(status "${H[@]}" info --retries 0)" = 0
check "  ... the device counted 4 errors (bad CRC, unknown, length, timeout)" has out ' errors=4$'

echo "random bytes"
check "4 KiB of random bytes" test "$(status "${H[@]}" raw --garbage 4096 --seed 7 --wait 1)" = 0
check "then info works (the driver may resync)" test "$(status "${H[@]}" info --verbose)" = 0
grep -o 'retries=[0-9]*' "$tmp/out" | sed 's/^/      /'
check "and info --retries 0 works too" test "$(status "${H[@]}" info --retries 0)" = 0
check "random bytes, a truncated frame and a bad CRC back to back" \
      test "$(status "${H[@]}" raw --garbage 700 --seed 3 --truncated --bad-crc --wait 1)" = 0
check "then info works" test "$(status "${H[@]}" info)" = 0

echo "a corrupted LOAD"
check "load with a weight byte flipped on the way exits 3" \
      test "$(status "${H[@]}" load "$TINY_Q2" --corrupt-byte $((size - 100)))" = 3
check "  ... the device reported the CRC-32 mismatch" has err 'ERR_CRC'
check "  ... no 'verify OK'" test -z "$(grep 'verify OK' "$tmp/out")"
check "status: model_valid=0" test "$(status "${H[@]}" status)" = 0 -a -n "$(grep 'model_valid=0' "$tmp/out")"
check "infer refused by the host: exit 2" test "$(status "${H[@]}" infer --images "$TEI" --labels "$TEL" --limit 3)" = 2
check "  ... 'no valid model'" has err 'no valid model'
check "INFER refused by the device itself: ERR_NO_MODEL" \
      test "$(status "${H[@]}" raw --infer 784 --expect ERR_NO_MODEL)" = 0
check "verify against the file exits 3" test "$(status "${H[@]}" verify "$TINY_Q2")" = 3
check "load with the lanes field corrupted: ERR_HEADER, exit 3" \
      test "$(status "${H[@]}" load "$TINY_Q2" --corrupt-byte 6)" = 3 -a -n "$(grep 'ERR_HEADER' "$tmp/err")"
check "load with total_size corrupted: rejected, exit 3" test "$(status "${H[@]}" load "$TINY_Q2" --corrupt-byte 13)" = 3

echo "an interrupted load"
for d in 0.05 0.1 0.2; do timeout -s KILL $d "${H[@]}" load "$TINY_Q2" >/dev/null 2>&1; done
# (on failure, what the load and the board sim said)
load_ok() {
    local rc; rc=$(status "${H[@]}" load "$TINY_Q2")
    [ "$rc" = 0 ] && grep -q '^verify OK' "$tmp/out" && return 0
    echo "load exit $rc:"; tail -n 5 "$tmp/out" "$tmp/err" "$tmp/sim.log"; return 1
}
check "after loads killed at 50, 100, 200 ms, a new load ends with verify OK" load_ok
check "infer 20 --check: 0 disagreements" \
      test "$(status "${H[@]}" infer --images "$TEI" --labels "$TEL" --limit 20 --model "$TINY_Q2" --check)" = 0 \
      -a -n "$(grep '^check: disagreements=0 of 20' "$tmp/out")"
check "  ... with no retries" has out 'retries=0$'

summary
