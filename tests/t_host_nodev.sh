#!/usr/bin/env bash
# t_host_nodev.sh — without a working device the host exits 2 with a clear message, in bounded
# time: no socket; a stale socket nobody listens on; a board that accepts but never answers
# (stopped simulator); a board that dies in the middle of an inference run; the real libftdi with
# no FTDI chip on the bus; a missing tty; the fake libftdi with no chip plugged in. Malformed
# device specs exit 1.
. "$(dirname "$0")/host_lib.sh"

need_files "$SIM" "$HOSTBIN" "$FAKEBIN" "$TINY_Q2"

echo "sim transport"
run "$HOSTBIN" --device "sim:$tmp/none.sock" info
check "no socket file: exit 2" test "$rc" = 2
check "  ... 'connect ... No such file'" has err 'connect to sim:.*failed: No such file'
check "  ... within 2 s" within 2
start_sim "$tmp/stale.sock" && stop_sim
run "$HOSTBIN" --device "sim:$tmp/stale.sock" info
check "stale socket (simulator killed): exit 2" test "$rc" = 2
check "  ... 'Connection refused', within 2 s" has err 'Connection refused'
check "  ... within 2 s" within 2
start_sim "$tmp/hung.sock" && kill -STOP "$sim_pid"
run "$HOSTBIN" --device "sim:$tmp/hung.sock" --timeout 1 --retries 1 info
check "board that never answers (simulator stopped): exit 2" test "$rc" = 2
check "  ... 'no response within', 2 attempts" has err 'no response within .* 2 attempt'
check "  ... within 10 s (took $took s)" within 10
stop_sim
start_sim "$tmp/dies.sock"
"$HOSTBIN" --device "sim:$tmp/dies.sock" load "$TINY_Q2" >/dev/null 2>&1
( sleep 1; kill -KILL "$sim_pid" ) &
run "$HOSTBIN" --device "sim:$tmp/dies.sock" --timeout 1 infer --images "$TEI" --labels "$TEL"
check "board dies during an inference run: exit 2 (got $rc)" test "$rc" = 2
check "  ... naming the connection" has err 'sim:.*(closed|failed)'
check "  ... within 10 s (took $took s)" within 10
wait 2>/dev/null; sim_pid=

echo "ftdi transport (the real libftdi1, no FTDI chip here)"
run "$HOSTBIN" --device ftdi:0403:6010:B info
check "ftdi:0403:6010:B with no board: exit 2" test "$rc" = 2
check "  ... names the libftdi call and its error string" has err '^ftdi_(new|usb_open_desc_index).* failed'
check "  ... within 10 s" within 10
run "$HOSTBIN" --device ftdi:0403:6015:DEADBEEF info
check "ftdi:0403:6015:DEADBEEF (ULX3S, by serial): exit 2" test "$rc" = 2
FAKE_FTDI_SOCKET= run "$FAKEBIN" --device ftdi:0403:6010:B info
check "fake libftdi with no chip plugged in: exit 2" test "$rc" = 2
check "  ... 'device not found'" has err 'device not found'

echo "tty transport"
run "$HOSTBIN" --device tty:/dev/ttyUSB_q2mlp_none info
check "tty:/dev/ttyUSB_q2mlp_none: exit 2" test "$rc" = 2
check "  ... 'open ... No such file'" has err 'open /dev/ttyUSB_q2mlp_none failed: No such file'
run "$HOSTBIN" --device "tty:$TINY_Q2" info
check "tty on a file that is not a terminal: exit 2" test "$rc" = 2

echo "malformed device specs"
run "$HOSTBIN" --device ftdi:zz:6010 info
check "ftdi:zz:6010 exits 1" test "$rc" = 1
run "$HOSTBIN" --device ftdi:0403 info
check "ftdi:0403 exits 1" test "$rc" = 1
run "$HOSTBIN" --device ftdi:0403:6010:E:x:y info
check "ftdi:0403:6010:E exits 1 (interfaces A..D)" test "$rc" = 1
run "$HOSTBIN" --device usb:0 info
check "usb:0 exits 1" test "$rc" = 1
run "$HOSTBIN" --device ftdi:0403:6010:B --latency 0 info
check "--latency 0 exits 1" test "$rc" = 1

summary
