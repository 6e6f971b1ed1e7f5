#!/usr/bin/env bash
# t_board_ice40.sh — the iCEBreaker bitstream of the default configuration (32 lanes, ICE40_MHZ)
# builds, fits the UP5K and meets its clock target; the PLL settings agree with icepll; the
# numbers of report.txt are well formed and sane (weights in SPRAM, x3 not in DSPs).
# `make bitstream` itself fails when nextpnr cannot place the design or misses the target.
. "$(dirname "$0")/lib.sh"
cd "$root"
mhz=${ICE40_MHZ:-$(sed -n "s/^ICE40_MHZ *?= *//p" rtl/boards.mk)}  # the default of rtl/boards.mk
dir=$BUILD/icebreaker

# 1. icepll gives the DIVR/DIVF/DIVQ/FILTER_RANGE that rtl/boards/top_icebreaker.v computes, for every
#    clock it accepts (multiples of 3 in 24..66 MHz).
pll_agrees() {
    local f out q m
    for f in $(seq 24 3 66); do
        if [ "$f" -lt 36 ]; then q=5; m=8; else q=4; m=4; fi
        out=$("${ICEPLL:-icepll}" -i 12 -o "$f" 2>&1) || { echo "icepll -o $f failed"; return 1; }
        grep -q "F_PLLOUT: *$f\.000 MHz (achieved)" <<<"$out" || { echo "icepll: $f MHz not exact"; return 1; }
        grep -q "^DIVR: *0 " <<<"$out" &&
            grep -q "^DIVF: *$((f * m / 3 - 1)) " <<<"$out" &&
            grep -q "^DIVQ: *$q " <<<"$out" &&
            grep -q "^FILTER_RANGE: *1 " <<<"$out" || { echo "icepll disagrees at $f MHz:"; echo "$out"; return 1; }
    done
}
check "icepll agrees with the PLL formula of top_icebreaker (24..66 MHz)" pll_agrees

# 2. the bitstream builds (fit + timing enforced by nextpnr)
build() { make --no-print-directory bitstream BOARD=icebreaker BUILD="$BUILD" ICE40_MHZ="$mhz"; }
check "make bitstream BOARD=icebreaker (fits, meets $mhz MHz)" build

if [ ! -s "$dir/report.txt" ]; then
    # nothing below can be checked: say why (the utilisation nextpnr printed, its error, the path)
    echo "no $dir/report.txt; from $dir/nextpnr.log:"
    grep -E 'ICESTORM_(LC|RAM|DSP|SPRAM):|^ERROR|Max frequency' "$dir/nextpnr.log" 2>/dev/null | tail -n 6
    die "$n checks, $failed failed; the others need the bitstream"
fi
rep=$(cat "$dir/report.txt")
echo "report.txt: $rep"

# 3. report.txt is exactly one line of the documented form
check "report.txt format" grep -qxE \
    'fmax_mhz=[0-9]+\.[0-9]+ lc=[0-9]+/5280 ram=[0-9]+/30 spram=[0-9]+/4 dsp=[0-9]+/8' "$dir/report.txt"
check "report.txt is one line" test "$(wc -l < "$dir/report.txt" 2>/dev/null)" = 1

# 4. the numbers: Fmax at or above the target, the weights in the four SPRAMs, the DSPs only for the
#    requantizer's multiplier (x3 is shift-and-add: at most 2 SB_MAC16 for a 23 x 16 product)
check "fmax $(kv fmax_mhz "$rep") >= $mhz MHz" ge "$(kv fmax_mhz "$rep")" "$mhz"
check "spram 4/4 (weights in SPRAM)" test "$(kv spram "$rep")" = "4/4"
dsp=$(kv dsp "$rep"); dsp=${dsp%/*}
check "dsp ${dsp:-?} <= 2 (requantizer only; x3 not in DSPs)" test "${dsp:-99}" -le 2

# 5. the artefacts and logs are kept
check "q2mlp.bin is a UP5K image (104090 bytes)" test "$(stat -c %s "$dir/q2mlp.bin" 2>/dev/null)" = 104090
check "logs kept (yosys.log, nextpnr.log, critical_path.txt)" \
    test -s "$dir/yosys.log" -a -s "$dir/nextpnr.log" -a -s "$dir/critical_path.txt"
check "one PLL placed" grep -qE 'ICESTORM_PLL: +1/ +1' "$dir/nextpnr.log"

summary
