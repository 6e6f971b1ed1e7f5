#!/usr/bin/env bash
# t_board_ecp5.sh — the ULX3S (ECP5-85F) synthesis of the default configuration runs, its
# report.txt is well formed, the weights land in block RAM and x3 does not become DSPs. Without
# nextpnr-ecp5 / ecppack the target says so and still succeeds.
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
if command -v nextpnr-ecp5 >/dev/null && command -v ecppack >/dev/null; then
    check "bitstream written (nextpnr-ecp5 present)" test -s "$dir/q2mlp.bit"
else
    check "says 'PnR skipped: nextpnr-ecp5 not installed'" grep -qx 'PnR skipped: nextpnr-ecp5 not installed' <<<"$out"
fi

rep=$(cat "$dir/report.txt" 2>/dev/null || true)
echo "report.txt: $rep"
kv() { tr ' ' '\n' <<<"$rep" | sed -n "s/^$1=//p"; }
check "report.txt format" grep -qxE 'lut=[0-9]+ ff=[0-9]+ ebr=[0-9]+ dsp=[0-9]+( fmax_mhz=[0-9.]+)?' "$dir/report.txt"
check "weights in EBR (ebr $(kv ebr) >= 32)" test "$(kv ebr)" -ge 32
check "dsp $(kv dsp) <= 2 (requantizer only; x3 not in DSPs)" test "$(kv dsp)" -le 2
check "fits the 85F (lut $(kv lut) <= 83640, ebr <= 208)" test "$(kv lut)" -le 83640 -a "$(kv ebr)" -le 208

if [ $bad -eq 0 ]; then echo "PASSED ($n checks)"; else echo "FAILED ($bad of $n checks)"; fi
[ $bad -eq 0 ]
