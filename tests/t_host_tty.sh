#!/usr/bin/env bash
# t_host_tty.sh — the tty transport (sw/host/host_tty.c: termios raw 8N1) end to end: the simulated
# board behind a pseudo-terminal (q2mlp-board-sim --pty), the host on tty:<the pty's slave>.
# A pty ignores the line rate, so this covers the termios setup, the poll()-bounded reads and
# writes and the protocol; not the ftdi_sio driver or a real baud rate.
. "$(dirname "$0")/host_lib.sh"

need_files "$SIM" "$HOSTBIN" "$TINY_Q2" "$TEI" "$TEL"
[ -e /dev/ptmx ] || skip "no /dev/ptmx, cannot make a pseudo-terminal here"
start_sim --pty "$tmp/ttyQ2" || die
T=("$HOSTBIN" --device "tty:$tmp/ttyQ2")

run "${T[@]}" info
check "info over tty: exits 0" test "$rc" = 0
check "  ... the device answered" has out 'id=Q2ML .* lanes=32'
check "  ... named tty:..." has out "^device=tty:$tmp/ttyQ2"
run "${T[@]}" load "$TINY_Q2"
check "load exits 0 with verify OK" test "$rc" = 0 -a -n "$(grep '^verify OK' "$tmp/out")"
run "${T[@]}" infer --images "$TEI" --labels "$TEL" --limit 20 --model "$TINY_Q2" --check --rle
check "infer 20 --check --rle exits 0, 0 disagreements" test "$rc" = 0 -a -n "$(grep '^check: disagreements=0 of 20' "$tmp/out")"
run "${T[@]}" raw --bad-crc --expect ERR_FRAME_CRC
check "a bad frame over the tty gets its error response" test "$rc" = 0
run "${T[@]}" --baud 12000000 info
check "--baud 12000000 on a tty exits 1 (not a termios rate; use ftdi)" test "$rc" = 1 -a -n "$(grep 'not a termios rate' "$tmp/err")"

summary
