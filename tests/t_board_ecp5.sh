#!/usr/bin/env bash
# t_board_ecp5.sh — the ULX3S (ECP5-85F) synthesis of the default configuration runs, its
# synth_report.txt is well formed, the weights land in block RAM (with the blocks' output registers)
# and x3 does not become DSPs; a bad ECP5_DEVICE is refused. Place and route: t_board_ecp5_pnr.sh.
. "$(dirname "$0")/lib.sh"
cd "$root"
dir=$BUILD/ulx3s

out=$(make --no-print-directory synth BOARD=ulx3s BUILD="$BUILD" 2>&1); rc=$?
echo "$out"
check "make synth BOARD=ulx3s exits 0" test $rc -eq 0

rep=$(cat "$dir/synth_report.txt" 2>/dev/null || true)
echo "synth_report.txt: $rep"
check "synth_report.txt format" grep -qxE 'lut=[0-9]+ ff=[0-9]+ ebr=[0-9]+ dsp=[0-9]+' "$dir/synth_report.txt"
check "weights in EBR (ebr $(kv ebr "$rep") >= 32)" test "$(kv ebr "$rep")" -ge 32
check "dsp $(kv dsp "$rep") <= 2 (requantizer only; x3 not in DSPs)" test "$(kv dsp "$rep")" -le 2
check "fits the 85F (lut $(kv lut "$rep") <= 83640, ebr <= 208)" test "$(kv lut "$rep")" -le 83640 -a "$(kv ebr "$rep")" -le 208
# the weights' 128 blocks (256 KB) and the logits use the DP16KD output register (rtl/core/ebr_ecp5.v)
oreg=$(grep -c '"REGMODE_B": "OUTREG"' "$dir/q2mlp.json" 2>/dev/null || echo 0)
check "weight blocks with their output register (REGMODE_B OUTREG: $oreg >= 128)" test "$oreg" -ge 128

bad_dev=$(make --no-print-directory synth BOARD=ulx3s ECP5_DEVICE=50k BUILD="$BUILD" 2>&1); rc=$?
refused() { [ "$rc" -ne 0 ] && grep -q 'need 12k, 25k, 45k or 85k' <<<"$bad_dev"; }
check "ECP5_DEVICE=50k refused (exit $rc) with the list of devices" refused

summary
