#!/usr/bin/env bash
# t_board_ecp5_pnr.sh — place and route of a small ULX3S configuration (LANES=8 on the 25F, whose
# smaller memories place in about a minute, at ECP5_MHZ): `make bitstream BOARD=ulx3s LANES=8
# ECP5_DEVICE=25k` writes a .bit and a report.txt of post-route
# figures; nextpnr fails the build when the design misses the clock (no --timing-allow-fail), so
# a bitstream means timing was met for nextpnr's fixed default seed. Runs whenever nextpnr-ecp5
# and ecppack can run (natively or from the tool root of rtl/scripts/ecp5_tools.sh, which
# `make bitstream BOARD=ulx3s` makes on first use); otherwise skipped.
. "$(dirname "$0")/lib.sh"
cd "$root"
dir=$BUILD/ulx3s-l8-25k
mhz=${ECP5_MHZ:-$(make -s --no-print-directory board-clock BOARD=ulx3s LANES=8 ECP5_DEVICE=25k)}

rtl/scripts/ecp5_tools.sh check ||
    skip "nextpnr-ecp5/ecppack not available (run 'rtl/scripts/ecp5_tools.sh install' or 'make bitstream BOARD=ulx3s' once)"

build() { make --no-print-directory bitstream BOARD=ulx3s LANES=8 ECP5_DEVICE=25k BUILD="$BUILD"; }
check "make bitstream BOARD=ulx3s LANES=8 ECP5_DEVICE=25k (fits, meets $mhz MHz)" build
rep=$(cat "$dir/report.txt" 2>/dev/null || true)
echo "report.txt: $rep"
check "report.txt format (post-route)" grep -qxE \
    'fmax_mhz=[0-9]+\.[0-9]+ lut=[0-9]+/24288 ff=[0-9]+ ebr=[0-9]+/56 dsp=[0-9]+/28' "$dir/report.txt"
check "fmax $(kv fmax_mhz "$rep") >= $mhz MHz" ge "$(kv fmax_mhz "$rep")" "$mhz"
e=$(kv ebr "$rep"); check "weights in EBR (${e%/*} >= 16 DP16KD)" test "${e%/*}" -ge 16
d=$(kv dsp "$rep"); check "dsp ${d%/*} <= 2 (requantizer only)" test "${d%/*}" -le 2
check "the .bit is an ECP5 bitstream (> 100 KB)" test "$(stat -c %s "$dir/q2mlp.bit" 2>/dev/null || echo 0)" -gt 100000
check "logs kept (yosys.log, nextpnr.log, critical_path.txt)" \
    test -s "$dir/yosys.log" -a -s "$dir/nextpnr.log" -a -s "$dir/critical_path.txt"

summary
