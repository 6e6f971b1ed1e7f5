#!/usr/bin/env bash
# t_rtl_unit.sh — the RTL unit tests (build/sim/rtl-unit on sim/tb_unit.v: crc32, mac_lane, requant,
# argmax, wmem GENERIC/ICE40, uart_rx/uart_tx (3, 4, 12 clocks per bit; a sender +-2 % off with
# jitter on every edge), and accel_core with LANES 8/16/32/64 + one with SPRAM weights: every error code, random models vs the bit-exact model, the sequencer's cycle count) under two
# Verilator random-reset seeds, so that a missing reset shows up as a failure.
. "$(dirname "$0")/lib.sh"
cd "$root"
unit=$BUILD/sim/rtl-unit

run_seed() {  # seed
    local out
    out=$("$unit" --seed "$1" +verilator+rand+reset+2 +verilator+seed+"$1" 2>&1)
    local rc=$?
    echo "$out"
    [ $rc -eq 0 ] && tail -n 1 <<<"$out" | grep -qx '11 passed, 0 failed'
}

check "rtl-unit exists" test -x "$unit"
for s in 1 2; do
    check "rtl-unit, +verilator+rand+reset+2 +verilator+seed+$s" run_seed "$s"
done

summary
