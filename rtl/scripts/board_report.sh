#!/usr/bin/env bash
# board_report.sh — pull the numbers out of yosys / nextpnr logs, one key=value line each.
#
#   board_report.sh ice40 NEXTPNR_LOG     fmax_mhz=<x> lc=<used>/5280 ram=<used>/30 spram=<used>/4 dsp=<used>/8
#   board_report.sh ecp5 NEXTPNR_LOG      fmax_mhz=<x> lut=<used>/<total> ff=<used> ebr=<used>/<total> dsp=<used>/<total>
#   board_report.sh critpath NEXTPNR_LOG  the post-route critical path report of the slowest clock
#   board_report.sh ice40-synth STAT      lc_est=<SB_LUT4+lone SB_CARRY> ff=<n> ram=<n> spram=<n> dsp=<n>
#   board_report.sh ecp5-synth STAT       lut=<n> ff=<n> ebr=<n> dsp=<n>
#   board_report.sh seeds DIR CLOCK_MHZ SEED...
#                                         the seed sweep of one build (rtl/boards.mk, make report-seeds):
#                                         clock_mhz=<x> seeds=<n> routed=<n> pass=<n> [fmax_min=<x>
#                                         fmax_median=<x> fmax_max=<x> worst_seed=<n> by_seed=<s>:<x>,...
#                                         and the resource fields of the worst seed's report.txt]
#
# NEXTPNR_LOG is nextpnr-ice40's or nextpnr-ecp5's --log file (post-route utilisation and Fmax); STAT is the output of yosys `stat` after synth_*.
# Fmax is the lowest "Max frequency for clock" of the last timing report in the log (the
# post-route one when routing finished). Exits 1 when a number cannot be found (a log from a run
# that failed before placement), so a report is never written with holes in it.
# seeds reads DIR/seed<N>/report.txt for each SEED, counting only those newer than DIR/q2mlp.json
# (a report left from an earlier synthesis is not this build's); a seed without one did not route
# (its nextpnr.log says why). pass = routed seeds with Fmax >= CLOCK_MHZ; the median of an even
# count is the mean of the middle two; the worst seed is the one of the lowest Fmax (the first
# of equals).
set -euo pipefail

die() { echo "board_report.sh: $*" >&2; exit 1; }
usage="usage: board_report.sh ice40|ecp5|critpath|ice40-synth|ecp5-synth FILE | seeds DIR CLOCK_MHZ SEED..."

# seeds DIR CLOCK_MHZ SEED...: the summary line of a seed sweep (see above).
seeds() {
    local dir=$1 clock=$2 s r lines=""
    shift 2
    [[ $clock =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "seeds: CLOCK_MHZ '$clock' is not a number"
    for s in "$@"; do
        [[ $s =~ ^[0-9]+$ ]] || die "seeds: SEED '$s' is not a number"
        r=$dir/seed$s/report.txt
        # "<seed> <report line>" for each seed that routed on this synthesis
        if [ -s "$r" ] && [ -s "$dir/q2mlp.json" ] && [ "$r" -nt "$dir/q2mlp.json" ]; then
            lines+="$s $(head -n 1 "$r")"$'\n'
        fi
    done
    printf '%s' "$lines" | awk -v clock="$clock" -v nseeds=$# '
        {
            seed[NR] = $1; rest[NR] = ""
            for (i = 2; i <= NF; i++) {
                if ($i ~ /^fmax_mhz=/) { f[NR] = substr($i, 10) + 0 }
                else rest[NR] = rest[NR] " " $i
            }
        }
        END {
            n = NR; pass = 0; w = 0
            for (i = 1; i <= n; i++) {
                if (f[i] >= clock + 0) pass++
                if (w == 0 || f[i] < f[w]) w = i
            }
            printf "clock_mhz=%s seeds=%d routed=%d pass=%d", clock, nseeds, n, pass
            if (n > 0) {
                for (i = 1; i <= n; i++) g[i] = f[i]
                for (i = 2; i <= n; i++)          # insertion sort: a handful of seeds
                    for (j = i; j > 1 && g[j - 1] > g[j]; j--) { t = g[j]; g[j] = g[j - 1]; g[j - 1] = t }
                med = (n % 2) ? g[(n + 1) / 2] : (g[n / 2] + g[n / 2 + 1]) / 2
                by = ""; for (i = 1; i <= n; i++) by = by (i > 1 ? "," : "") seed[i] ":" sprintf("%.2f", f[i])
                printf " fmax_min=%.2f fmax_median=%.2f fmax_max=%.2f worst_seed=%s by_seed=%s%s", \
                       g[1], med, g[n], seed[w], by, rest[w]
            }
            printf "\n"
        }'
}

[ $# -ge 1 ] || die "$usage"
mode=$1
if [ "$mode" = seeds ]; then
    [ $# -ge 4 ] || die "$usage"
    shift; seeds "$@"; exit 0
fi
[ $# -eq 2 ] || die "$usage"
f=$2
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
