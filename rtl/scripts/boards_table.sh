#!/usr/bin/env bash
# boards_table.sh — the resource / Fmax table of `make report`, in Markdown, on stdout.
#
#   boards_table.sh DIR BUILD...
#
# BUILD is <board>-l<lanes> (icebreaker-l32, ulx3s-l64, ...), in the order of the rows. DIR holds
# one folder per build as rtl/boards.mk's seed sweep writes it: seeds.txt (board_report.sh seeds),
# synth_report.txt, yosys.log, critical_path.txt (the worst seed's) and seed<N>/{nextpnr.log,
# report.txt, version.txt}. A build none of whose seeds routed shows as such (how far over the
# device it is, or the first ERROR line of a log) instead of being left out. The tool versions are
# read from the builds' own logs, so the note under the table names the tools that made the numbers.
set -euo pipefail

die() { echo "boards_table.sh: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: boards_table.sh DIR BUILD..."
dir=$1; shift

kv() {  # kv KEY FILE: the value of KEY=... in a one-line report
    tr ' ' '\n' < "$2" | sed -n "s/^$1=//p"
}

# critical path of a build: "first register -> last register (ns)", names cut to the RTL signal
critical() {
    local f=$1/critical_path.txt from to ns
    [ -s "$f" ] || { echo "–"; return; }
    from=$(grep -m1 ' Source ' "$f" | awk '{ print $NF }' | sed 's/_SB_.*//; s/_TRELLIS_.*//; s/\$.*//; s/^u_top\.//')
    to=$(grep ' Setup ' "$f" | tail -n1 | awk '{ print $NF }' | sed 's/_SB_.*//; s/_TRELLIS_.*//; s/\$.*//; s/^u_top\.//')
    ns=$(grep ' Setup ' "$f" | tail -n1 | awk '{ print $3 }')
    echo "\`$from\` → \`$to\` ($ns ns)"
}

# why none of a build's seeds routed: the utilisation nextpnr printed before it gave up placing
# (CELL is its logic cell, UNIT how the table counts it), else the first ERROR of a log.
why_failed() {
    local d=$1 cell=$2 unit=$3 log="" l use why
    for l in "$d"/seed*/nextpnr.log; do [ -s "$l" ] && { log=$l; break; }; done
    if [ -n "$log" ]; then
        use=$(sed -n "s/.*$cell: *\([0-9]*\)\/ *\([0-9]*\).*/\1 \2/p" "$log" | tail -n1)
        if [ -n "$use" ] && [ "${use% *}" -gt "${use#* }" ]; then
            echo "**${use% *}/${use#* } $unit: does not fit**"; return
        fi
    fi
    why=$(grep -h -m1 -E '^ERROR|ERROR:' "$d"/seed*/nextpnr.log "$d/yosys.log" 2>/dev/null | head -n1 | cut -c1-80 || true)
    echo "build failed: ${why:-not built (see $d)}"
}

echo "| board | lanes | LC / LUT4 | FF | block RAM | DSP | Fmax min / median / max (MHz) | clock (MHz) | seeds passing | margin | critical path (worst seed) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
for b in "$@"; do
    board=${b%-l*} lanes=${b##*-l} d=$dir/$b s=$dir/$b/seeds.txt
    case $board in
    icebreaker) name="iCE40UP5K (iCEBreaker)" cell=ICESTORM_LC unit=LC ;;
    ulx3s)      name="ECP5-85F (ULX3S)" cell=TRELLIS_COMB unit=LUT4 ;;
    *)          die "BUILD '$b': unknown board '$board' (need icebreaker-l<N> or ulx3s-l<N>)" ;;
    esac
    if [ ! -s "$s" ] || [ "$(kv routed "$s")" = 0 ]; then
        clock="" passing=""
        if [ -s "$s" ]; then clock=$(kv clock_mhz "$s") passing="0/$(kv seeds "$s")"; fi
        printf '| %s | %s | %s | | | | – | %s | %s | | |\n' "$name" "$lanes" "$(why_failed "$d" "$cell" "$unit")" \
            "$clock" "$passing"
        continue
    fi
    clock=$(kv clock_mhz "$s") fmin=$(kv fmax_min "$s")
    passing="$(kv pass "$s")/$(kv seeds "$s")"
    unrouted=$(( $(kv seeds "$s") - $(kv routed "$s") ))
    [ "$unrouted" -eq 0 ] || passing="$passing ($unrouted did not route)"
    # rounded down, so that a clock missed by a hair does not show as 1.00
    margin=$(awk -v f="$fmin" -v c="$clock" 'BEGIN { printf "%.2f", int(f / c * 100) / 100 }')
    if [ "$board" = icebreaker ]; then
        logic="$(kv lc "$s") LC"
        ff=$( [ -s "$d/synth_report.txt" ] && kv ff "$d/synth_report.txt" || echo "?")
        ram="$(kv ram "$s") EBR, $(kv spram "$s") SPRAM"
    else
        logic="$(kv lut "$s") LUT4" ff=$(kv ff "$s") ram="$(kv ebr "$s") DP16KD"
    fi
    printf '| %s | %s | %s | %s | %s | %s | %s / %s / %s | %s | %s | %s× | %s |\n' "$name" "$lanes" "$logic" "$ff" \
        "$ram" "$(kv dsp "$s")" "$fmin" "$(kv fmax_median "$s")" "$(kv fmax_max "$s")" "$clock" "$passing" \
        "$margin" "$(critical "$d")"
done

# The tool versions, once: yosys from each build's log, nextpnr from each seed's --version.
tools=$(for b in "$@"; do
            grep -h -m1 -o 'Yosys [0-9][^ ]* ([^)]*)' "$dir/$b/yosys.log" 2>/dev/null || true
            cat "$dir/$b"/seed*/version.txt 2>/dev/null |
                sed -n 's/^"\{0,1\}\(nextpnr-[a-z0-9]*\)"\{0,1\} .*(Version \(.*\)).*/\1 \2/p' || true
        done | sort -u | paste -sd ';' | sed 's/;/; /g')
echo
echo "Tools: ${tools:-unknown (no logs)}."
echo
echo "Each row is one synthesis and one nextpnr run per seed on that netlist (\`make report\`; the seed"
echo "lists ICE40_SEEDS / ECP5_SEEDS are in rtl/boards.mk), post-route. Fmax is the design clock's; clock"
echo "is the design clock (the iCE40 is placed for ICE40_PNR_MHZ, 48 MHz by default, the ECP5 for its"
echo "clock: nextpnr --freq); a seed passes when its Fmax reaches the clock; margin ="
echo "Fmax min / clock, rounded down. LC/LUT4, RAM and DSP are the worst seed's."
echo "iCE40: LC = logic cells (one LUT4 + carry + FF each), EBR = 4 Kbit block RAMs, SPRAM = 256 Kbit"
echo "single-port RAMs, DSP = SB_MAC16. ECP5 (--85k --speed 6): LUT4 = TRELLIS_COMB cells, DP16KD = 18 Kbit"
echo "block RAMs, DSP = MULT18X18D; the tools come from Debian trixie (docs/boards.md \"The ECP5 tools\")."
echo "Regenerated by \`make report\` and \`make docs\`; per-seed logs and critical paths in build/report/boards/."
