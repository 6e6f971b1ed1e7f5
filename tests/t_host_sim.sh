#!/usr/bin/env bash
# t_host_sim.sh — q2mlp-host end to end through the simulated board (q2mlp-board-sim: the RTL of
# accel_top behind a socket, its UART driven bit by bit): info; load of the tiny fixture ending in
# 'verify OK'; infer of 32 test images with --check (0 disagreements with the bit-exact C model),
# raw and run-length uploads, the exact summary line; a model packed for other lanes is refused
# before anything is sent; reset invalidates the model; the paper model if `make run` built it;
# CLI usage errors exit 1.
. "$(dirname "$0")/host_lib.sh"

need_files "$SIM" "$HOSTBIN" "$TINY_Q2" "$TEI" "$TEL"
SOCK=$tmp/board.sock
start_sim "$SOCK" || die
H=("$HOSTBIN" --device "sim:$SOCK")

echo "info"
check "info exits 0" test "$(status "${H[@]}" info)" = 0
check "  ... 32 lanes" has out 'lanes=32'
check "  ... 12 MHz, 4 clocks per bit = 3 Mbaud" has out 'clock_hz=12000000 clks_per_bit=4 baud=3000000'
check "  ... no model yet" has out 'model_valid=0'

echo "load and verify"
check "load tiny.q2 exits 0" test "$(status "${H[@]}" load "$TINY_Q2")" = 0
check "  ... and ends with 'verify OK'" has out '^verify OK'
check "  ... no retries on a clean line" has out 'retries=0'
check "verify tiny.q2 after the load" test "$(status "${H[@]}" verify "$TINY_Q2")" = 0
check "  ... says verify OK" has out '^verify OK'
check "status: model_valid=1, model_bytes = file size" test "$(status "${H[@]}" status)" = 0 -a \
      -n "$(grep "model_valid=1 model_bytes=$(stat -c %s "$TINY_Q2")" "$tmp/out")"

echo "infer"
SUMMARY='^images=[0-9]+ accuracy=[0-9]+\.[0-9]+ images_per_s=[0-9]+(\.[0-9]+)? line_utilization=[0-9]+\.[0-9]+$'
check "infer --raw 32 images --check exits 0" \
      test "$(status "${H[@]}" infer --images "$TEI" --labels "$TEL" --limit 32 --model "$TINY_Q2" --check --raw)" = 0
check "  ... plain INFER frames (rle=0, 791 bytes an image)" has out 'down_per_image=791\.0 .* rle=0 '

check "  ... summary line exactly as specified" has out "$SUMMARY"
check "  ... images=32" has out '^images=32 '
check "  ... 0 disagreements with q2_qmodel_forward_ref" has out '^check: disagreements=0 of 32'
check "  ... per-image progress on stderr" has err 'infer: image 31 \(32/32\)'
check "  ... timing and projection lines" has out '^projection: images_per_s_3M_12MHz='
acc=$(sed -n 's/^images=32 accuracy=\([0-9.]*\).*/\1/p' "$tmp/out")
check "  ... accuracy plausible for the tiny model ($acc%)" awk -v a="${acc:-0}" 'BEGIN { exit !(a >= 70) }'
cp "$tmp/out" "$tmp/raw.out"
check "infer --rle 32 images --check exits 0" \
      test "$(status "${H[@]}" infer --images "$TEI" --labels "$TEL" --limit 32 --model "$TINY_Q2" --check --rle)" = 0
check "  ... 0 disagreements" has out '^check: disagreements=0 of 32'
check "  ... same accuracy as the raw upload" has out "^images=32 accuracy=$acc "
check "  ... fewer bytes per image than raw (791)" awk '/^timing:/ { for (i = 1; i <= NF; i++) if ($i ~ /^down_per_image=/) { split($i, a, "="); exit !(a[2] < 791) } }' "$tmp/out"
cp "$tmp/out" "$tmp/rle.out"
check "infer without --raw/--rle: INFER_RLE by default (FEATURES bit 0), 0 disagreements" \
      test "$(status "${H[@]}" infer --images "$TEI" --labels "$TEL" --limit 32 --model "$TINY_Q2" --check)" = 0 \
           -a -n "$(grep '^check: disagreements=0 of 32' "$tmp/out")" -a -n "$(grep ' rle=1 ' "$tmp/out")"
check "infer --raw --rle: exit 1" \
      test "$(status "${H[@]}" infer --images "$TEI" --labels "$TEL" --limit 2 --raw --rle)" = 1
check "infer --start 9990 --limit 100 clamps to the last 10 images" \
      test "$(status "${H[@]}" infer --images "$TEI" --labels "$TEL" --start 9990 --limit 100)" = 0
check "  ... images=10" has out '^images=10 '

echo "models that do not fit are refused before sending"
if [ -r "$TINY_MLP" ] && [ -x "$BIN/q2mlp" ]; then
    "$BIN/q2mlp" pack --model "$TINY_MLP" --lanes 16 --calib 200 --quiet -o "$tmp/tiny16.q2" >/dev/null 2>&1
    check "load of a 16-lane model on the 32-lane device exits 1" test "$(status "${H[@]}" load "$tmp/tiny16.q2")" = 1
    check "  ... saying why" has err 'does not fit the device: packed for 16 lanes, the device has 32'
    check "  ... and the loaded model is untouched" test "$(status "${H[@]}" verify "$TINY_Q2")" = 0
else
    echo "  (skipped: no $TINY_MLP)"
fi
check "load of a missing file exits 1" test "$(status "${H[@]}" load "$tmp/none.q2")" = 1
printf 'Q2MLjunk' > "$tmp/junk.q2"
check "load of a malformed .q2 exits 1" test "$(status "${H[@]}" load "$tmp/junk.q2")" = 1

echo "reset"
check "reset exits 0" test "$(status "${H[@]}" reset)" = 0
check "  ... model invalid afterwards" test "$(status "${H[@]}" status)" = 0 -a -n "$(grep 'model_valid=0' "$tmp/out")"
check "infer after reset exits 2 (no model)" \
      test "$(status "${H[@]}" infer --images "$TEI" --labels "$TEL" --limit 2)" = 2
check "  ... saying so" has err 'no valid model'
check "load again: verify OK" test "$(status "${H[@]}" load "$TINY_Q2")" = 0 -a -n "$(grep '^verify OK' "$tmp/out")"

if [ -r "$PAPER" ]; then
    echo "the paper model ($PAPER)"
    check "load paper.q2: verify OK" test "$(status "${H[@]}" load "$PAPER")" = 0 -a -n "$(grep '^verify OK' "$tmp/out")"
    check "infer 20 images --check: 0 disagreements" \
          test "$(status "${H[@]}" infer --images "$TEI" --labels "$TEL" --limit 20 --model "$PAPER" --check)" = 0 \
          -a -n "$(grep '^check: disagreements=0 of 20' "$tmp/out")"
    check "infer with tiny.q2 as --model: exits 3 (the device holds another model)" \
          test "$(status "${H[@]}" infer --images "$TEI" --labels "$TEL" --limit 2 --model "$TINY_Q2" --check)" = 3
else
    echo "  (paper model not built: skipped; make run builds $PAPER)"
fi

echo "usage"
check "--help exits 0 with the command list" test "$(status "$HOSTBIN" --help)" = 0 -a -n "$(grep 'infer --images' "$tmp/out")"
check "no --device exits 1" test "$(Q2MLP_DEVICE= status "$HOSTBIN" info)" = 1
check "unknown command exits 1" test "$(status "${H[@]}" frobnicate)" = 1
check "unknown option exits 1" test "$(status "${H[@]}" info --bogus)" = 1
check "infer without --images exits 1" test "$(status "${H[@]}" infer --labels "$TEL")" = 1
check "infer --check without --model exits 1" test "$(status "${H[@]}" infer --images "$TEI" --labels "$TEL" --check)" = 1
check "malformed device spec exits 1" test "$(status "$HOSTBIN" --device usb:nothing info)" = 1

echo "the USB model of the board sim (--usb-latency-ms, --usb-stall-ms, --usb-stall-every)"
stop_sim
check "board sim: --usb-stall-ms without --usb-stall-every exits 1" \
      test "$(status "$SIM" --socket "$tmp/u.sock" --usb-latency-ms 1 --usb-stall-ms 16)" = 1
"$SIM" --socket "$tmp/u.sock" --max-seconds 600 --usb-latency-ms 1 --usb-stall-ms 16 --usb-stall-every 5 \
    2>"$tmp/usb.log" &
sim_pid=$!
for _ in $(seq 200); do [ -S "$tmp/u.sock" ] && break; sleep 0.05; done
U=("$HOSTBIN" --device "sim:$tmp/u.sock")
check "through 1 ms latency and 16 ms stalls: load verify OK" \
      test "$(status "${U[@]}" load "$TINY_Q2")" = 0 -a -n "$(grep '^verify OK' "$tmp/out")"
check "  ... infer 30 --check: 0 disagreements" \
      test "$(status "${U[@]}" infer --images "$TEI" --labels "$TEL" --limit 30 --model "$TINY_Q2" --check)" = 0 \
      -a -n "$(grep '^check: disagreements=0 of 30' "$tmp/out")"
kill -TERM "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null; sim_pid=
check "  ... the sim held packets and stalled some" \
      test -n "$(grep -E 'usb_packets=[1-9][0-9]* usb_stalls=[1-9]' "$tmp/usb.log")"

summary
