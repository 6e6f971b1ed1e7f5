#!/usr/bin/env bash
# board_report.sh — pull the numbers out of yosys / nextpnr logs, one key=value line each.
#
#   board_report.sh ice40 NEXTPNR_LOG     fmax_mhz=<x> lc=<used>/5280 ram=<used>/30 spram=<used>/4 dsp=<used>/8
#   board_report.sh ecp5 NEXTPNR_LOG      fmax_mhz=<x> lut=<used>/<total> ff=<used> ebr=<used>/<total> dsp=<used>/<total>
#   board_report.sh critpath NEXTPNR_LOG  the post-route critical path report of the slowest clock
#   board_report.sh ice40-synth STAT      lc_est=<SB_LUT4+lone SB_CARRY> ff=<n> ram=<n> spram=<n> dsp=<n>
#   board_report.sh ecp5-synth STAT       lut=<n> ff=<n> ebr=<n> dsp=<n>
#
# NEXTPNR_LOG is nextpnr-ice40's or nextpnr-ecp5's --log file (post-route utilisation and Fmax); STAT is the output of yosys `stat` after synth_*.
# Fmax is the lowest "Max frequency for clock" of the last timing report in the log (the
# post-route one when routing finished). Exits 1 when a number cannot be found (a log from a run
# that failed before placement), so a report is never written with holes in it.
set -euo pipefail

die() { echo "board_report.sh: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: board_report.sh ice40|ecp5|critpath|ice40-synth|ecp5-synth FILE"
mode=$1 f=$2
[ -r "$f" ] || die "cannot read $f"

# pnr_report CELLS LOG: CELLS is "<nextpnr cell> <key> <with total: 1|0> ..."; the first cell
# must be in the log's utilisation table.
pnr_report() {
    awk -v cells="$1" '
        # nextpnr prints "Device utilisation:" then one "<cell>: used/ avail pct%" line per type.
        /Device utilisation:/ { util = 1; next }
        util && /^Info:[ \t]*[A-Z_0-9]+:[ \t]*[0-9]+\/[ \t]*[0-9]+/ {
            line = $0; sub(/^Info:[ \t]*/, "", line)
            split(line, kv, ":"); name = kv[1]; gsub(/[ \t]/, "", name)
            split(kv[2], ua, "/"); gsub(/[ \t]/, "", ua[1]); sub(/^[ \t]*/, "", ua[2]); sub(/[^0-9].*/, "", ua[2])
            used[name] = ua[1]; avail[name] = ua[2]; next
        }
        util && !/^Info:[ \t]*[A-Z_0-9]+:/ { util = 0 }
        # One block of "Max frequency" lines per timing analysis; keep the last block only.
        /Max frequency for clock/ {
            if (!inblock) { nf = 0; inblock = 1 }
            m = $0; sub(/.*: */, "", m); sub(/ MHz.*/, "", m); f[++nf] = m + 0; next
        }
        { inblock = 0 }
        END {
            n = split(cells, t, " ")
            if (nf == 0 || !(t[1] in used)) exit 1
            fmax = f[1]; for (i = 2; i <= nf; i++) if (f[i] < fmax) fmax = f[i]
            printf "fmax_mhz=%.2f", fmax
            for (i = 1; i <= n; i += 3) {
                u = (t[i] in used) ? used[t[i]] : 0
                a = (t[i] in avail) ? avail[t[i]] : "?"
                if (t[i+2]) printf " %s=%d/%s", t[i+1], u, a; else printf " %s=%d", t[i+1], u
            }
            printf "\n"
        }' "$2" || die "no utilisation or Fmax in $2 (did placement run?)"
}

case $mode in
ice40)
    pnr_report "ICESTORM_LC lc 1 ICESTORM_RAM ram 1 ICESTORM_SPRAM spram 1 ICESTORM_DSP dsp 1" "$f"
    ;;
ecp5)
    pnr_report "TRELLIS_COMB lut 1 TRELLIS_FF ff 0 DP16KD ebr 1 MULT18X18D dsp 1" "$f"
    ;;
critpath)
    # The last "Critical path report for clock" section (post-route) of the slowest clock: from its
    # header down to the "ns logic, ns routing" line. Cross-domain (<async>) paths are skipped.
    awk '
        /Critical path report for clock/ { cur = $0 "\n"; grab = 1; next }
        /Critical path report for cross-domain/ { grab = 0; next }
        grab { cur = cur $0 "\n"; if ($0 ~ /ns logic, .* ns routing/) { last = cur; grab = 0 } }
        END { if (last == "") exit 1; printf "%s", last }' "$f" || die "no critical path report in $f"
    ;;
ice40-synth|ecp5-synth)
    awk -v mode="$mode" '
        # yosys stat: "     <CELL>     <count>" lines under "Number of cells:".
        NF == 2 && $2 ~ /^[0-9]+$/ && $1 !~ /:$/ { n[$1] += $2 }
        END {
            if (mode == "ice40-synth") {
                ff = 0; for (c in n) if (c ~ /^SB_DFF/) ff += n[c]
                printf "lut=%d carry=%d ff=%d ram=%d spram=%d dsp=%d\n", n["SB_LUT4"], n["SB_CARRY"], \
                       ff, n["SB_RAM40_4K"], n["SB_SPRAM256KA"], n["SB_MAC16"]
            } else {
                # A CCU2C carry cell holds two LUT4s; a TRELLIS_DPR16X4 (16x4 LUT RAM) takes the LUTs
                # of three slices (six LUT4s).
                lut = n["LUT4"] + 2 * n["CCU2C"] + 6 * n["TRELLIS_DPR16X4"]
                printf "lut=%d ff=%d ebr=%d dsp=%d\n", lut, n["TRELLIS_FF"], n["DP16KD"], \
                       n["MULT18X18D"] + n["ALU54B"]
            }
        }' "$f"
    ;;
*)
    die "unknown mode '$mode'"
    ;;
esac
