#!/usr/bin/env bash
# with_progress.sh — run a quiet, long tool (yosys -q, nextpnr -q, verilator) and print a progress
# line every PROGRESS_S seconds (default 5): "LABEL: <seconds> s: <last line of LOG>".
#
#   with_progress.sh [--log-output] LABEL LOG COMMAND [ARGS...]
#
# COMMAND writes LOG itself (yosys -l, nextpnr -l) and its own stdout and stderr are discarded;
# with --log-output they go to LOG instead (verilator). Exits with COMMAND's status; an interrupt
# stops COMMAND too.
set -uo pipefail

to_log=0
[ "${1:-}" = --log-output ] && { to_log=1; shift; }
[ $# -ge 3 ] || { echo "usage: with_progress.sh [--log-output] LABEL LOG COMMAND [ARGS...]" >&2; exit 1; }
label=$1 log=$2
shift 2
period=${PROGRESS_S:-5}

if [ $to_log -eq 1 ]; then "$@" > "$log" 2>&1 & else "$@" > /dev/null 2>&1 & fi
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; exit 130' INT TERM
t0=$SECONDS last=$SECONDS
while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if [ $((SECONDS - last)) -ge "$period" ] && kill -0 "$pid" 2>/dev/null; then
        last=$SECONDS
        line=$(tail -n 1 "$log" 2>/dev/null | tr -d '\r' | cut -c1-100)
        echo "$label: $((SECONDS - t0)) s: ${line:-...}"
    fi
done
wait "$pid"
