#!/usr/bin/env bash
# t_board_ecp5.sh — the ULX3S (ECP5-85F) synthesis of the default configuration runs, its
# synth_report.txt is well formed, the weights land in block RAM and x3 does not become DSPs; a bad
# ECP5_DEVICE is refused. Place and route: tests/t_board_ecp5_pnr.sh.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
BUILD=${BUILD:-build}
dir=$BUILD/ulx3s

n=0; bad=0
check() {  # check "what" command...: one numbered check
    n=$((n + 1))
    if "${@:2}"; then echo "ok $n - $1"; else echo "not ok $n - $1"; bad=$((bad + 1)); fi
}

out=$(make --no-print-directory synth BOARD=ulx3s BUILD="$BUILD" 2>&1); rc=$?
echo "$out"
check "make synth BOARD=ulx3s exits 0" test $rc -eq 0

rep=$(cat "$dir/synth_report.txt" 2>/dev/null || true)
echo "synth_report.txt: $rep"
kv() { tr ' ' '\n' <<<"$rep" | sed -n "s/^$1=//p"; }
check "synth_report.txt format" grep -qxE 'lut=[0-9]+ ff=[0-9]+ ebr=[0-9]+ dsp=[0-9]+' "$dir/synth_report.txt"
check "weights in EBR (ebr $(kv ebr) >= 32)" test "$(kv ebr)" -ge 32
check "dsp $(kv dsp) <= 2 (requantizer only; x3 not in DSPs)" test "$(kv dsp)" -le 2
check "fits the 85F (lut $(kv lut) <= 83640, ebr <= 208)" test "$(kv lut)" -le 83640 -a "$(kv ebr)" -le 208

bad_dev=$(make --no-print-directory synth BOARD=ulx3s ECP5_DEVICE=50k BUILD="$BUILD" 2>&1); rc=$?
refused() { [ "$rc" -ne 0 ] && grep -q 'need 12k, 25k, 45k or 85k' <<<"$bad_dev"; }
check "ECP5_DEVICE=50k refused (exit $rc) with the list of devices" refused

if [ $bad -eq 0 ]; then echo "PASSED ($n checks)"; else echo "FAILED ($bad of $n checks)"; fi
[ $bad -eq 0 ]
