#!/usr/bin/env bash
# postsynth.sh — trust the netlist: simulate the iCE40 netlist of accel_core (synth_ice40 output,
# MEM_TECH "ICE40", with yosys's own iCE40 cell models) on test images and compare every class and
# logit with the bit-exact C model (q2mlp infer).
#
#   postsynth.sh NETLIST.v MODEL.q2 N_IMAGES OUTDIR
#
# NETLIST.v is made by rtl/boards.mk (yosys write_verilog of accel_core after synth_ice40 with the
# LANES of the model). Environment: Q2MLP, TEST_IMAGES, YOSYS_DATDIR, POSTSYNTH_SIM (iverilog, the
# default, or verilator), IVERILOG, VVP, VERILATOR. Prints the testbench's lines and ends with
# "postsynth: PASS <n> images, 0 mismatches"; exits 0 only then.
set -euo pipefail

die() { echo "postsynth.sh: $*" >&2; exit 1; }
[ $# -eq 4 ] || die "usage: postsynth.sh NETLIST.v MODEL.q2 N_IMAGES OUTDIR"
netlist=$1 model=$2 n=$3 out=$4
: "${Q2MLP:?}" "${TEST_IMAGES:?}" "${YOSYS_DATDIR:?}"
sim=${POSTSYNTH_SIM:-iverilog}
here=$(cd "$(dirname "$0")" && pwd)
cells=$YOSYS_DATDIR/ice40/cells_sim.v
[ -r "$netlist" ] || die "cannot read $netlist"
[ -r "$model" ] || die "cannot read $model"
[ -r "$cells" ] || die "cannot read $cells (set YOSYS_DATDIR)"
mkdir -p "$out"

# ---- stimulus and expected results ---------------------------------------------------------------
hexbytes() { od -An -v -tx1 -w1 | tr -d ' '; }
bytes=$(stat -c %s "$model")
hexbytes < "$model" > "$out/model.hex"
rows=$(od -An -tu1 -j8 -N4 "$TEST_IMAGES" | awk '{ print ($1 * 16777216 + $2 * 65536 + $3 * 256 + $4) }')
cols=$(od -An -tu1 -j12 -N4 "$TEST_IMAGES" | awk '{ print ($1 * 16777216 + $2 * 65536 + $3 * 256 + $4) }')
n_in=$((rows * cols))
head -c $((16 + n * n_in)) "$TEST_IMAGES" | tail -c $((n * n_in)) | hexbytes > "$out/images.hex"
[ "$(wc -l < "$out/images.hex")" -eq $((n * n_in)) ] || die "$TEST_IMAGES has fewer than $n images"

: > "$out/expect.hex"
classes=0
for ((i = 0; i < n; i++)); do
    line=$("$Q2MLP" infer --model "$model" --images "$TEST_IMAGES" --index "$i") || die "q2mlp infer failed"
    cls=$(grep -o 'class=[0-9]*' <<<"$line" | cut -d= -f2)
    logits=$(grep -o 'logits=[-0-9,]*' <<<"$line" | cut -d= -f2)
    printf '%08x\n' "$cls" >> "$out/expect.hex"
    IFS=, read -ra lv <<<"$logits"
    for v in "${lv[@]}"; do printf '%08x\n' $((v & 0xFFFFFFFF)) >> "$out/expect.hex"; done
    classes=${#lv[@]}
done

# ---- simulate --------------------------------------------------------------------------------------
params=(MODEL_HEX="\"$out/model.hex\"" IMAGES_HEX="\"$out/images.hex\"" EXPECT_HEX="\"$out/expect.hex\""
        MODEL_BYTES="$bytes" N_IMAGES="$n" N_IN="$n_in" N_CLASSES="$classes")
case $sim in
iverilog)
    popts=(); for p in "${params[@]}"; do popts+=(-P "postsynth_tb.$p"); done
    "${IVERILOG:-iverilog}" -g2005 -DNO_ICE40_DEFAULT_ASSIGNMENTS -s postsynth_tb "${popts[@]}" \
        -o "$out/postsynth.vvp" "$here/postsynth_tb.v" "$netlist" "$cells"
    "${VVP:-vvp}" -n "$out/postsynth.vvp" | tee "$out/sim.log"
    ;;
verilator)
    popts=(); for p in "${params[@]}"; do popts+=("-G$p"); done
    "${VERILATOR:-verilator}" --binary -O1 -Wno-fatal -Wno-lint -Wno-style -DNO_ICE40_DEFAULT_ASSIGNMENTS \
        --top-module postsynth_tb "${popts[@]}" -Mdir "$out/obj" -o Vpostsynth \
        "$here/postsynth_tb.v" "$netlist" "$cells" > "$out/verilator.log" 2>&1 ||
        { tail -n 20 "$out/verilator.log"; die "verilator failed (log $out/verilator.log)"; }
    "$out/obj/Vpostsynth" | tee "$out/sim.log"
    ;;
*)
    die "POSTSYNTH_SIM=$sim: need iverilog or verilator"
    ;;
esac
grep -qx "postsynth: PASS $n images, 0 mismatches" "$out/sim.log"
