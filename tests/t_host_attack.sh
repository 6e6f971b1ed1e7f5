#!/usr/bin/env bash
# t_host_attack.sh — the host against devices that misbehave (issue 16), and the board sim's
# edges: a device flooding LOAD responses with a wrong seq cannot keep `load` alive (exit 2 within
# the request's deadline, the stray frames counted); failed responses say what arrived (bad CRC,
# truncated, garbage, length 0xFFFF, an over-long INFER) and only silence is "no response";
# answers that cannot be right (CLASS 5000 of 10, CLOCK_HZ 1) exit 2 with the reason; a lone sync
# byte keeps the simulated clock running until the RTL's inter-byte timeout drops it; a second
# client of the board sim is refused at once with "board sim busy".
. "$(dirname "$0")/host_lib.sh"
FAKE=${FAKE:-$ASAN_BIN/q2mlp-fake-device}

need_files "$SIM" "$HOSTBIN" "$FAKE" "$TINY_Q2" "$TEI" "$TEL"
fake_pid=
at_exit '[ -z "$fake_pid" ] || kill "$fake_pid" 2>/dev/null'
start_fake() {  # mode
    "$FAKE" --socket "$tmp/fake.sock" --mode "$1" --max-seconds 120 2>"$tmp/fake.log" &
    fake_pid=$!
    for _ in $(seq 100); do [ -S "$tmp/fake.sock" ] && return 0; sleep 0.05; done
    echo "q2mlp-fake-device did not start"; return 1
}
stop_fake() { kill "$fake_pid" 2>/dev/null; wait "$fake_pid" 2>/dev/null; rm -f "$tmp/fake.sock"; fake_pid=; }
F=("$HOSTBIN" --device "sim:$tmp/fake.sock" --timeout 1)

echo "bug 3: a device that floods LOAD responses with a wrong seq"
start_fake stray-load || die
run timeout -s KILL 60 "${F[@]}" --retries 1 load "$TINY_Q2"
check "load --timeout 1 --retries 1 exits 2 (not killed)" test "$rc" = 2
check "  ... within 10 s (took ${took} s)" within 10
check "  ... the message counts the stray frames" has err 'load failed: at offset 0: [0-9]+ stray response\(s\)'
stop_fake

echo "misleading error 4: say what was received"
for m in "bad-crc:malformed response: bad CRC 0x[0-9a-f]{4}, computed" \
         "truncated:malformed response: truncated frame \([0-9]+ of 52 bytes\)" \
         "garbage:malformed response: 64 byte\(s\) of garbage \(no 0x5A sync\)" \
         "len-ffff:malformed response: length 65535 > max 1037"; do
    mode=${m%%:*} want=${m#*:}
    start_fake "$mode" || die
    run "${F[@]}" --retries 0 info
    check "$mode: info exits 2" test "$rc" = 2
    check "  ... says '$want'" has err "$want"
    check "  ... not 'no response within'" test -z "$(grep 'no response within' "$tmp/err")"
    stop_fake
done
start_fake long-infer || die
run "${F[@]}" --retries 0 infer --images "$TEI" --labels "$TEL" --limit 2
check "an INFER response of 3 + 300 words: exit 2" test "$rc" = 2
check "  ... 'length 1213 > max 1037'" has err 'INFER .* failed: malformed response: length 1213 > max 1037'
stop_fake
start_fake silent || die
run "${F[@]}" --retries 0 info
check "silence: exit 2, 'no response within 1.0 s'" test "$rc" = 2 -a -n "$(grep 'no response within 1.0 s' "$tmp/err")"
stop_fake

echo "misleading error 5: answers that cannot be right"
start_fake class-5000 || die
run "${F[@]}" infer --images "$TEI" --labels "$TEL" --limit 2
check "CLASS 5000 of N_CLASSES 10, no --check: exit 2" test "$rc" = 2
check "  ... 'CLASS 5000 >= N_CLASSES 10'" has err 'CLASS 5000 >= N_CLASSES 10'
check "  ... no summary line" test -z "$(grep '^images=' "$tmp/out")"
stop_fake
start_fake clock-1 || die
run "${F[@]}" info
check "INFO with clock_hz=1: exit 2" test "$rc" = 2
check "  ... 'clock_hz 1 out of range'" has err 'clock_hz 1 out of range'
run "${F[@]}" infer --images "$TEI" --labels "$TEL" --limit 2
check "infer on it: exit 2, no 'inf'" test "$rc" = 2 -a -z "$(grep -E 'inf|images_per_s=0\.0' "$tmp/out")"
stop_fake

echo "bug 4: a lone sync byte on the simulated board"
SOCK=$tmp/board.sock
start_sim "$SOCK" || die
H=("$HOSTBIN" --device "sim:$SOCK")
field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" "$tmp/out" | head -1; }
check "status" test "$(status "${H[@]}" status)" = 0
up0=$(field uptime_cycles) err0=$(field errors)
check "raw: one 0xA5, then nothing for 1.5 s: no response" \
      test "$(status "${H[@]}" raw --hex A5 --wait 1.5)" = 0 -a -n "$(grep '^raw: 0 response' "$tmp/out")"
check "then status --retries 0 works at the first try" test "$(status "${H[@]}" status --retries 0)" = 0
up1=$(field uptime_cycles) err1=$(field errors)
# TIMEOUT_BITS 65536 bit times at 4 clocks per bit: the RTL drops the frame after >= 262144 cycles
check "  ... simulated time ran through the inter-byte timeout ($((up1 - up0)) >= 262144 cycles)" \
      test $((up1 - up0)) -ge 262144
check "  ... the dropped header was counted (errors $err0 -> $err1)" test "$err1" = $((err0 + 1))
check "two header bytes (A5 01), then nothing: info --retries 0 works afterwards" \
      test "$(status "${H[@]}" raw --hex "A5 01" --wait 0.5)" = 0 -a "$(status "${H[@]}" info --retries 0)" = 0

echo "misleading error 6: a second client of the board sim"
"$HOSTBIN" --device "sim:$SOCK" raw --wait 8 >/dev/null 2>&1 &   # the first client, holding on
first=$!
sleep 0.5
run "${H[@]}" --timeout 2 --retries 0 info
check "a second client exits 2" test "$rc" = 2
check "  ... at once (took ${took} s)" within 1
check "  ... 'board sim busy: another client is connected'" has err 'board sim busy: another client is connected'
wait "$first"
check "after the first client left, info works" test "$(status "${H[@]}" info --retries 0)" = 0

summary
