#!/usr/bin/env bash
# t_usb_qemu.sh — the ftdi transport through a real USB stack (issue 14): q2mlp-host (the host's
# plain build, shared by 9p) runs in a Debian guest under QEMU (sim/usb/guest.sh) on the real
# libftdi1 and libusb, through the guest kernel's xHCI driver, to QEMU's emulated FTDI FT232
# (0403:6001), whose serial side is q2mlp-board-sim's socket: the RTL, bit by bit. Checks: the
# kernel's ftdi_sio claims the chip and the transport detaches it (and fails when told not to:
# Q2MLP_TEST_BREAK_FTDI=dont-detach); info prints the chip's USB strings; load ends in verify OK;
# infer 20 images --check: 0 disagreements. A second chip (Q2USB002) goes to a board sim's pty with
# --line-check, where QEMU applies the rate the guest set: the transport works at 3 Mbaud, and
# fails when it skips ftdi_set_baudrate (Q2MLP_TEST_BREAK_FTDI=skip-baudrate).
# The first run builds the guest (a few minutes, cached in ~/.cache/q2mlp/usb-guest); where that
# cannot happen (not root, no qemu, the Debian mirror unreachable) the test is skipped (exit 77).
set -uo pipefail
. "$(dirname "$0")/host_lib.sh"
GUEST=$(dirname "$0")/../sim/usb/guest.sh
HOSTPLAIN=$BIN/q2mlp-host   # the guest has no ASan runtime: the plain build
t_start=$SECONDS

need_files "$SIM" "$HOSTPLAIN" "$TINY_Q2" "$TEI" "$TEL"
command -v qemu-system-x86_64 > /dev/null || skip "no qemu-system-x86_64 (make deps installs qemu-system-x86)"

echo "the guest (sim/usb/guest.sh build)"
rc=0
"$GUEST" build > "$tmp/build.log" 2>&1 || rc=$?
cat "$tmp/build.log"
[ $rc -ne 77 ] || skip "$(grep -m1 '^guest.sh: cannot' "$tmp/build.log" | sed 's/^guest.sh: //')"
[ $rc -eq 0 ] || { echo "guest.sh build failed (exit $rc)"; echo FAILED; exit 1; }

share=$tmp/share
mkdir -p "$share"
cp "$HOSTPLAIN" "$TINY_Q2" "$TEI" "$TEL" "$share/"
cp "$(dirname "$0")/../sim/usb/in-guest.sh" "$share/run.sh"
touch "$share/line-check"
start_sim "$tmp/board.sock" || { echo FAILED; exit 1; }
"$SIM" --pty "$tmp/board.pty" --line-check --max-seconds 600 --quiet 2> "$tmp/sim2.log" &
sim2_pid=$!
at_exit 'kill "$sim2_pid" 2> /dev/null'
for _ in $(seq 200); do [ -L "$tmp/board.pty" ] && break; sleep 0.05; done
[ -L "$tmp/board.pty" ] || { echo "q2mlp-board-sim --pty did not start:"; cat "$tmp/sim2.log"; echo FAILED; exit 1; }

echo "boot the guest, run sim/usb/in-guest.sh in it"
t0=$SECONDS
rc=0
"$GUEST" run --share "$share" --board "Q2USB001=socket:$tmp/board.sock" \
    --board "Q2USB002=tty:$tmp/board.pty" --console "$tmp/console.log" --timeout 300 || rc=$?
boot_s=$((SECONDS - t0))
[ $rc -ne 77 ] || skip "guest.sh run could not start the guest"
check "the guest ran the steps to the end (exit $rc, $boot_s s)" test "$rc" = 0
grep -E '^q2-init:' "$tmp/console.log" | sed 's/^/  console: /'

# The output of one step, and its exit status.
step_out() { awk -v s="$1" '$0 == "== STEP " s { on = 1; next } on && /^== rc=/ { exit } on' "$share/guest.out"; }
step_rc() { awk -v s="$1" '$0 == "== STEP " s { on = 1; next } on && /^== rc=/ { sub(/^== rc=/, ""); print; exit }' "$share/guest.out"; }
in_step() { step_out "$1" | grep -Eq -- "$2"; }
show() { echo "  [$1]"; step_out "$1" | sed 's/^/    /'; }

echo "the guest's kernel"
show usb
check "usb: rc 0" test "$(step_rc usb)" = 0
check "  ... the emulated FT232 (0403:6001, serial Q2USB001) enumerated" in_step usb '^usb_device=0403:6001 serial=Q2USB001 product=QEMU USB SERIAL'
check "  ... and the kernel's ftdi_sio holds it (a ttyUSB)" in_step usb '^kernel_driver=ftdi_sio interface=[0-9-]+:1\.0 tty=ttyUSB[0-9]'

echo "leaving the kernel driver attached breaks the transport"
show break-dont-detach
check "Q2MLP_TEST_BREAK_FTDI=dont-detach: exit 2" test "$(step_rc break-dont-detach)" = 2
check "  ... libftdi1 cannot claim the interface ftdi_sio holds" in_step break-dont-detach '^ftdi_usb_open_desc_index: .* -5: unable to claim usb device'

echo "info"
show info
check "info: exit 0" test "$(step_rc info)" = 0
check "  ... the device answered (32 lanes, 3 Mbaud)" in_step info '^id=Q2ML .* lanes=32$'
check "  ... the chip's VID:PID" in_step info '^usb_vid=0403 usb_pid=6001$'
check "  ... its serial string" in_step info '^usb_serial=Q2USB001$'
check "  ... its manufacturer and description" test -n "$(step_out info | grep -x 'usb_manufacturer=QEMU')" -a \
      -n "$(step_out info | grep -x 'usb_description=QEMU USB SERIAL')"
check "  ... QEMU's chip refuses the bit-mode reset: a warning, not a failure" in_step info '^ftdi_set_bitmode: .*warning: going on'

echo "the transport detached ftdi_sio"
show detached
check "detached: ftdi_sio no longer holds the interface" test "$(step_rc detached)" = 0 -a \
      -n "$(step_out detached | grep '^kernel_driver=none')"
check "  ... the kernel says so (ttyUSB disconnected)" in_step detached 'dmesg: .*ftdi_sio ttyUSB[0-9]: FTDI USB Serial Device converter now disconnected'

echo "load and infer through the emulated chip"
show load
check "load tiny.q2: exit 0" test "$(step_rc load)" = 0
check "  ... verify OK" in_step load '^verify OK'
show infer
check "infer 20 --check: exit 0" test "$(step_rc infer)" = 0
check "  ... images=20 and the summary line" in_step infer '^images=20 accuracy=[0-9.]+ images_per_s=[0-9.]+ line_utilization=[0-9.]+$'
check "  ... 0 disagreements with the bit-exact C model" in_step infer '^check: disagreements=0 of 20'

echo "the line rate reaches the chip (a board sim's pty with --line-check)"
show line-info
check "line-info over Q2USB002 at 3 Mbaud: exit 0" test "$(step_rc line-info)" = 0
show break-skip-baudrate
check "Q2MLP_TEST_BREAK_FTDI=skip-baudrate: exit 2 (the board hears 9600 baud as garbage)" \
      test "$(step_rc break-skip-baudrate)" = 2
check "  ... the board sim saw the wrong line" grep -q 'line check: the pty.s line is 9600 baud 8N1, the board.s 3000000' "$tmp/sim2.log"
show line-again
check "line-again: the real transport works again: exit 0" test "$(step_rc line-again)" = 0

echo "guest: $boot_s s in QEMU; this test: $((SECONDS - t_start)) s"
summary
