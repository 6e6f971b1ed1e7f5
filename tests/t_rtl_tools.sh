#!/usr/bin/env bash
# t_rtl_tools.sh — the core is plain Verilog-2005 that all three tools accept, and it refuses bad
# parameters at elaboration: Icarus (iverilog -g2005) elaborates accel_core for LANES 8/16/32/64
# and with the iCE40 weight memory; Yosys reads it for every LANES and synthesizes LANES=8 for the
# UP5K (SPRAM for the weights, at most the requantizer's multiply in DSPs); an illegal LANES,
# ACC_W, ABUF_BYTES or MEM_TECH stops Icarus and Yosys with a message; and rtl/core/wmem.v on Yosys'
# own SB_SPRAM256KA model reads back what the GENERIC memory does (sim/tb_wmem_ice40.v).
# (Verilator -Wall: `make lint`; Verilator simulation: t_rtl_unit / t_rtl_cosim.)
. "$(dirname "$0")/lib.sh"
cd "$root"
BUILD=${BUILD:-build}
CODES_INC=${CODES_INC:--I$BUILD/gen}   # the generated q2_core_codes.vh (make builds it)
IVERILOG=${IVERILOG:-iverilog}
VVP=${VVP:-vvp}
YOSYS=${YOSYS:-yosys}
datdir=$(yosys-config --datdir 2>/dev/null || echo /usr/share/yosys)
cells=$datdir/ice40/cells_sim.v
core=$(sed -e 's/#.*//' rtl/core/core.f | tr '
' ' ')

# Icarus: elaborate accel_core #(<params>) inside a wrapper (iverilog -P cannot pass strings) and
# run the initial blocks. Prints what the design printed.
icarus() {  # "parameter overrides", e.g. ".LANES(16), .MEM_TECH(\"ICE40\")"
    printf 'module top;\n  accel_core #(%s) u_core ();\nendmodule\n' "$1" > "$tmp/top.v"
    # shellcheck disable=SC2086
    $IVERILOG -g2005 -DNO_ICE40_DEFAULT_ASSIGNMENTS "$CODES_INC" -s top -o "$tmp/a.vvp" "$tmp/top.v" $core "$cells" \
        > "$tmp/iv.log" 2>&1 || { cat "$tmp/iv.log"; return 2; }
    $VVP -n "$tmp/a.vvp" 2>&1
}
icarus_clean() { local out; out=$(icarus "$1") && [ -z "$out" ] || { echo "$out"; return 1; }; }
icarus_refuses() {  # pattern "overrides"
    local out; out=$(icarus "$2"); echo "$out"
    grep -q "$1" <<<"$out"
}
for l in 8 16 32 64; do
    check "iverilog -g2005: accel_core LANES=$l elaborates" icarus_clean ".LANES($l)"
done
check "iverilog -g2005: LANES=16, MEM_TECH=ICE40 (Yosys' SPRAM model)" icarus_clean '.LANES(16), .MEM_TECH("ICE40")'
check "iverilog -g2005: ACC_W=32, ABUF_BYTES=4096, PMEM_NEURONS=32768" icarus_clean '.ACC_W(32), .ABUF_BYTES(4096), .PMEM_NEURONS(32768)'
check "refused: LANES=12" icarus_refuses "accel_core: LANES = 12" ".LANES(12)"
check "refused: LANES=4" icarus_refuses "accel_core: LANES = 4" ".LANES(4)"
check "refused: ACC_W=23" icarus_refuses "accel_core: ACC_W = 23" ".ACC_W(23)"
check "refused: ABUF_BYTES=8192" icarus_refuses "accel_core: .*ABUF_BYTES = 8192" ".ABUF_BYTES(8192)"
check "refused: WMEM_BYTES=100 at LANES=32" icarus_refuses "accel_core: WMEM_BYTES = 100" ".WMEM_BYTES(100)"
check 'refused: MEM_TECH="ECP5X"' icarus_refuses 'accel_core: MEM_TECH = "ECP5X"' '.MEM_TECH("ECP5X")'
check "refused: LANES=64 in iCE40 SPRAM (8 blocks)" icarus_refuses "wmem: ICE40" '.LANES(64), .MEM_TECH("ICE40")'

yosys_reads() {  # LANES
    $YOSYS -q -p "read_verilog -Irtl/core -Irtl/link -Irtl/boards $CODES_INC $core; chparam -set LANES $1 accel_core; hierarchy -check -top accel_core; proc; check -assert" \
        > "$tmp/y.log" 2>&1 || { tail -n 20 "$tmp/y.log"; return 1; }
}
for l in 8 16 32 64; do
    check "yosys: accel_core LANES=$l reads, elaborates, checks" yosys_reads $l
done
yosys_refuses() {
    ! $YOSYS -q -p "read_verilog -Irtl/core -Irtl/link -Irtl/boards $CODES_INC $core; chparam -set LANES 12 accel_core; hierarchy -top accel_core" \
        > "$tmp/y.log" 2>&1 && grep -q 'finish' "$tmp/y.log" || { cat "$tmp/y.log"; return 1; }
}
check "yosys refuses LANES=12" yosys_refuses

synth_ice40() {
    $YOSYS -q -l "$tmp/s.log" -p "read_verilog -Irtl/core -Irtl/link -Irtl/boards $CODES_INC $core; chparam -set LANES 8 -set MEM_TECH \"ICE40\" accel_core; \
        synth_ice40 -top accel_core -dsp; tee -q -o $tmp/stat.txt stat" > /dev/null 2>&1 || { tail -n 20 "$tmp/s.log"; return 1; }
    local spram mac
    spram=$(awk '/SB_SPRAM256KA/ {print $2}' "$tmp/stat.txt" | tail -n 1)
    mac=$(awk '/SB_MAC16/ {print $2}' "$tmp/stat.txt" | tail -n 1)
    grep -E 'SB_(LUT4|CARRY|RAM40_4K|SPRAM256KA|MAC16)' "$tmp/stat.txt" | sort | uniq
    [ "${spram:-0}" -eq 4 ] && [ "${mac:-0}" -le 2 ]
}
check "yosys synth_ice40 -dsp: LANES=8 core, 4 SPRAM, <= 2 DSP (requantizer only)" synth_ice40

spram_vs_yosys() {
    $IVERILOG -g2005 -DNO_ICE40_DEFAULT_ASSIGNMENTS -s tb_wmem_ice40 -o "$tmp/w.vvp" sim/tb_wmem_ice40.v rtl/core/wmem.v \
        rtl/core/ram_sdp.v "$cells" > "$tmp/iv.log" 2>&1 || { cat "$tmp/iv.log"; return 1; }
    local out; out=$($VVP -n "$tmp/w.vvp"); echo "$out"
    grep -q "tb_wmem_ice40: PASS" <<<"$out"
}
check "wmem ICE40 on Yosys' SB_SPRAM256KA model == GENERIC (Icarus)" spram_vs_yosys

summary
