#!/usr/bin/env bash
# t_host_ftdi.sh — the ftdi transport (sw/host/host_ftdi.c) without hardware: q2mlp-host-fakeftdi is
# q2mlp-host linked against tests/fake_ftdi.c instead of libftdi1, whose one "chip" forwards its
# UART bytes to the simulated board. Checks the libftdi call sequence and arguments (interface B,
# 3 Mbaud, 8N1, no flow control, latency 1 ms, UART mode), the USB strings in info, device selection
# by VID:PID, interface and serial, the ULX3S's single-interface FT231X, the test aid
# Q2MLP_TEST_BREAK_FTDI, every configuration call failing in turn (exit 2 naming the call and
# libftdi's error string; the bit-mode reset only warns), and info / load / infer --check end to end.
. "$(dirname "$0")/host_lib.sh"

need_files "$SIM" "$FAKEBIN" "$TINY_Q2" "$TEI" "$TEL"
start_sim "$tmp/board.sock" || die
export FAKE_FTDI_SOCKET=$tmp/board.sock FAKE_FTDI_LOG=$tmp/ftdi.log
F=("$FAKEBIN" --device ftdi:0403:6010:B)

echo "the test double replaces libftdi1"
if command -v ldd >/dev/null; then
    check "q2mlp-host-fakeftdi is not linked against libftdi1" test -z "$(ldd "$FAKEBIN" | grep -i libftdi)"
fi

echo "iCEBreaker: FT2232H 0403:6010, interface B"
rm -f "$tmp/ftdi.log"
run "${F[@]}" info
check "info over ftdi:0403:6010:B exits 0" test "$rc" = 0
check "  ... the device answered" has out 'id=Q2ML .* lanes=32'
cp "$tmp/ftdi.log" "$tmp/calls"
calls() { grep -Eq -- "$1" "$tmp/calls"; }
check "  ... interface B set before opening" test "$(grep -n -m1 'ftdi_set_interface 2' "$tmp/calls" | cut -d: -f1)" -lt \
      "$(grep -n -m1 ftdi_usb_open_desc_index "$tmp/calls" | cut -d: -f1)"
check "  ... opened 0403:6010, any serial, index 0" calls '^ftdi_usb_open_desc_index 0403:6010 desc=- serial=- index=0$'
check "  ... UART mode (bitmode reset)" calls '^ftdi_set_bitmode 0x00 0$'
check "  ... 3000000 baud" calls '^ftdi_set_baudrate 3000000$'
check "  ... 8N1" calls '^ftdi_set_line_property 8 0 0$'
check "  ... no flow control" calls '^ftdi_setflowctrl 0$'
check "  ... latency timer 1 ms" calls '^ftdi_set_latency_timer 1$'
check "  ... buffers flushed" calls '^ftdi_tcioflush$'
closed_freed() { calls '^ftdi_usb_close$' && calls '^ftdi_free$'; }
check "  ... closed and freed" closed_freed
check "  ... the USB strings read after opening" test "$(grep -n -m1 '^ftdi_usb_get_strings2 manufacturer=1 description=1 serial=1$' "$tmp/calls" | cut -d: -f1)" -gt \
      "$(grep -n -m1 ftdi_usb_open_desc_index "$tmp/calls" | cut -d: -f1)"
check "  ... info prints the chip's VID:PID, serial, manufacturer, description" \
      test -n "$(grep -x 'usb_vid=0403 usb_pid=6010' "$tmp/out")" -a -n "$(grep -x 'usb_serial=FAKE0001' "$tmp/out")" \
      -a -n "$(grep -x 'usb_manufacturer=FTDI' "$tmp/out")" -a -n "$(grep -x 'usb_description=Dual RS232-HS' "$tmp/out")"
check "  ... after the device's lines, which are unchanged" test "$(sed -n 2p "$tmp/out" | cut -d' ' -f1)" = id=Q2ML -a \
      "$(tail -n 4 "$tmp/out" | head -n 1)" = 'usb_vid=0403 usb_pid=6010'
run "${F[@]}" --latency 4 --baud 2000000 info
check "--latency 4 --baud 2000000 reach libftdi" test "$rc" = 0 -a -n "$(grep -x 'ftdi_set_latency_timer 4' "$tmp/ftdi.log")" \
      -a -n "$(grep -x 'ftdi_set_baudrate 2000000' "$tmp/ftdi.log")"
check "  ... and the host warns that the device runs at 3 Mbaud" has err 'device line rate 3000000 baud, host set 2000000'

echo "--baud auto (the default): INFO at 3 Mbaud, then 12 Mbaud; the first rate that answers stays"
: > "$tmp/ftdi.log"
run "${F[@]}" info
check "a 3 Mbaud board answers the first probe: one ftdi_set_baudrate, 3000000" test "$rc" = 0 -a \
      "$(grep -c '^ftdi_set_baudrate' "$tmp/ftdi.log")" = 1 -a -n "$(grep -x 'ftdi_set_baudrate 3000000' "$tmp/ftdi.log")"
: > "$tmp/ftdi.log"
FAKE_FTDI_LINE_BAUD=12000000 run "${F[@]}" --verbose info
check "a board that hears only 12 Mbaud: the probe moves on to 12000000 and info exits 0" test "$rc" = 0 -a \
      -n "$(grep -x 'ftdi_set_baudrate 12000000' "$tmp/ftdi.log")" -a -n "$(grep 'answers at 12000000 baud' "$tmp/err")"
FAKE_FTDI_LINE_BAUD=12000000 run "${F[@]}" --baud 3000000 --timeout 0.3 --retries 0 info
check "  ... with --baud 3000000 forced: no answer, exit 2" test "$rc" = 2

echo "load and infer over the ftdi transport"
run "${F[@]}" load "$TINY_Q2"
check "load exits 0 with verify OK" test "$rc" = 0 -a -n "$(grep '^verify OK' "$tmp/out")"
run "${F[@]}" infer --images "$TEI" --labels "$TEL" --limit 20 --model "$TINY_Q2" --check
check "infer 20 --check exits 0" test "$rc" = 0
check "  ... 0 disagreements" has out '^check: disagreements=0 of 20'
check "  ... summary line" has out '^images=20 accuracy=[0-9.]+ images_per_s=[0-9.]+ line_utilization=[0-9.]+$'

echo "a chip that NAKs an empty read (QEMU's FT232): libusb's timeout (-7) is 'no data yet'"
FAKE_FTDI_NAK=1 run "${F[@]}" infer --images "$TEI" --labels "$TEL" --limit 8 --model "$TINY_Q2" --check
check "infer 8 --check exits 0" test "$rc" = 0 -a -n "$(grep '^check: disagreements=0 of 8' "$tmp/out")"

echo "line noise: one bit flipped in about 1 byte of 4000 (CRC-16 catches it; the driver resends)"
FAKE_FTDI_FLIP_EVERY=4000 run "${F[@]}" --retries 8 --verbose load "$TINY_Q2"
check "load through the noise: verify OK" test "$rc" = 0 -a -n "$(grep '^verify OK' "$tmp/out")"
check "  ... after recovering (resumed from the device's byte count)" has err 'load: recovering at offset'
FAKE_FTDI_FLIP_EVERY=4000 run "${F[@]}" --retries 8 --verbose infer --images "$TEI" --labels "$TEL" --limit 40 --model "$TINY_Q2" --check
check "infer 40 --check through the noise: 0 disagreements" test "$rc" = 0 -a -n "$(grep '^check: disagreements=0 of 40' "$tmp/out")"
check "  ... after resending" has err 'infer: resending from image'

echo "device selection"
run "$FAKEBIN" --device ftdi:0403:6010:A info
check "interface A (the SPI flash side) exits 2" test "$rc" = 2
check "  ... 'unable to claim usb device' from ftdi_usb_open_desc_index" has err '^ftdi_usb_open_desc_index: .*-5: unable to claim'
run "$FAKEBIN" --device ftdi:0403:6010:B:FAKE0001 info
check "the right serial opens" test "$rc" = 0
run "$FAKEBIN" --device ftdi:0403:6010:B:OTHER123 info
check "another serial exits 2, 'device not found'" test "$rc" = 2 -a -n "$(grep -- '-3: device not found' "$tmp/err")"
run "$FAKEBIN" --device ftdi:0403:6014:B info
check "another PID exits 2" test "$rc" = 2
FAKE_FTDI_DEVICE=0403:6015:ULX3S01 FAKE_FTDI_UART_IF=A run "$FAKEBIN" --device ftdi:0403:6015 info
check "ULX3S FT231X: ftdi:0403:6015 (interface A by default) exits 0" test "$rc" = 0

FAKE_FTDI_NO_SERIAL=1 FAKE_FTDI_LOG=$tmp/noser.log run "${F[@]}" info
check "a chip without a serial string opens; its serial is not asked for" test "$rc" = 0 -a \
      -n "$(grep -x 'ftdi_usb_get_strings2 manufacturer=1 description=1 serial=0' "$tmp/noser.log")" -a \
      -n "$(grep -x 'usb_serial=' "$tmp/out")"
run "${F[@]}" --device ftdi:1234:abcd info
check "any VID:PID is accepted (1234:abcd: not found, exit 2, not a usage error)" test "$rc" = 2 -a \
      -n "$(grep '^ftdi_usb_open_desc_index: on ftdi:1234:abcd:A failed: -3' "$tmp/err")"

echo "the test aid Q2MLP_TEST_BREAK_FTDI"
rm -f "$tmp/ftdi.log"
Q2MLP_TEST_BREAK_FTDI=skip-baudrate run "${F[@]}" info
check "skip-baudrate: says so on stderr" has err 'Q2MLP_TEST_BREAK_FTDI=skip-baudrate: the transport is broken on purpose'
check "  ... and ftdi_set_baudrate is not called" test -z "$(grep ftdi_set_baudrate "$tmp/ftdi.log")"
Q2MLP_TEST_BREAK_FTDI=dont-detach run "${F[@]}" info
check "dont-detach: says so (the fake has no kernel driver, so it opens)" test "$rc" = 0 -a \
      -n "$(grep 'Q2MLP_TEST_BREAK_FTDI=dont-detach' "$tmp/err")"
Q2MLP_TEST_BREAK_FTDI=bogus run "${F[@]}" info
check "an unknown value exits 1 naming the variable" test "$rc" = 1 -a -n "$(grep 'Q2MLP_TEST_BREAK_FTDI=bogus failed' "$tmp/err")"

echo "every configuration call failing in turn"
for fn in ftdi_set_interface ftdi_usb_open_desc_index ftdi_usb_get_strings2 ftdi_set_baudrate \
          ftdi_set_line_property ftdi_setflowctrl ftdi_set_latency_timer ftdi_tcioflush; do
    FAKE_FTDI_FAIL=$fn run "${F[@]}" info
    check "$fn fails: exit 2, message names it with libftdi's error string" \
          test "$rc" = 2 -a -n "$(grep -E "^$fn: on ftdi:0403:6010:B failed: -?[0-9]+: [A-Za-z]" "$tmp/err")"
done
FAKE_FTDI_FAIL=ftdi_set_bitmode run "${F[@]}" info
check "ftdi_set_bitmode fails (a chip without bit modes): a warning naming it, and info works" \
      test "$rc" = 0 -a -n "$(grep -E '^ftdi_set_bitmode: on ftdi:0403:6010:B failed: -1: .*warning: going on' "$tmp/err")"
FAKE_FTDI_FAIL=ftdi_read_data run "${F[@]}" info
check "ftdi_read_data fails: exit 2" test "$rc" = 2 -a -n "$(grep '^ftdi_read_data: .*usb bulk read failed' "$tmp/err")"
FAKE_FTDI_FAIL=ftdi_write_data run "${F[@]}" info
check "ftdi_write_data fails: exit 2" test "$rc" = 2 -a -n "$(grep '^ftdi_write_data: .*usb bulk write failed' "$tmp/err")"

summary
