#!/usr/bin/env bash
# postsynth.sh — trust the netlist: simulate the iCE40 netlist of accel_core (synth_ice40 output,
# MEM_TECH "ICE40", with yosys's own iCE40 cell models) on test images and compare every class and
# logit with the bit-exact C model (q2mlp infer).
#
#   postsynth.sh build NETLIST.v SIM          compile rtl/scripts/postsynth_tb.v + the netlist into
#                                             SIM (Verilator: an executable; Icarus: a .vvp file)
#   postsynth.sh run SIM MODEL.q2 N_IMAGES OUTDIR
#                                             write the stimulus and the expected results (from
#                                             q2mlp infer) into OUTDIR and run SIM on them
#
# NETLIST.v is made by rtl/boards.mk (yosys write_verilog of accel_core after synth_ice40 with the
# LANES of the model). One SIM serves every model: the testbench takes its files as plusargs.
# Environment: POSTSYNTH_SIM (verilator, the default, or iverilog), Q2MLP and TEST_IMAGES (run),
# YOSYS_DATDIR and CODES_INC (build; CODES_INC is the -I<dir> of the generated q2_core_codes.vh,
# from the Makefile), IVERILOG, VVP, VERILATOR. `run` prints the testbench's lines and exits 0
# only on its line "postsynth: PASS <n> images, 0 mismatches".
set -euo pipefail

die() { echo "postsynth.sh: $*" >&2; exit 1; }
usage="usage: postsynth.sh build NETLIST.v SIM | run SIM MODEL.q2 N_IMAGES OUTDIR"
[ $# -ge 1 ] || die "$usage"
sim=${POSTSYNTH_SIM:-verilator}
here=$(cd "$(dirname "$0")" && pwd)

# ---- build: the netlist and the testbench, once per netlist ---------------------------------------
build() {
    local netlist=$1 out=$2 cells
    : "${YOSYS_DATDIR:?}" "${CODES_INC:?}"
    cells=$YOSYS_DATDIR/ice40/cells_sim.v
    [ -r "$netlist" ] || die "cannot read $netlist"
    [ -r "$cells" ] || die "cannot read $cells (set YOSYS_DATDIR)"
    mkdir -p "$(dirname "$out")"
    case $sim in
    iverilog)
        "${IVERILOG:-iverilog}" -g2005 -DNO_ICE40_DEFAULT_ASSIGNMENTS "$CODES_INC" -s postsynth_tb -o "$out.tmp" \
            "$here/postsynth_tb.v" "$netlist" "$cells" || die "iverilog failed on $netlist"
        ;;
    verilator)
        local obj=$out.obj
        rm -rf "$obj"
        "$here/with_progress.sh" --log-output verilator "$out.log" \
            "${VERILATOR:-verilator}" --binary -O1 -j 2 -Wno-fatal -Wno-lint -Wno-style -DNO_ICE40_DEFAULT_ASSIGNMENTS "$CODES_INC" \
            --top-module postsynth_tb -Mdir "$obj" -o Vpostsynth \
            "$here/postsynth_tb.v" "$netlist" "$cells" ||
            { tail -n 20 "$out.log"; die "verilator failed (log $out.log)"; }
        cp "$obj/Vpostsynth" "$out.tmp"
        ;;
    *)
        die "POSTSYNTH_SIM=$sim: need verilator or iverilog"
        ;;
    esac
    mv "$out.tmp" "$out"
}

# ---- run: stimulus, expected results, simulation --------------------------------------------------
hexbytes() { od -An -v -tx1 -w1 | tr -d ' '; }
be32() { od -An -tu1 -j"$2" -N4 "$1" | awk '{ print ($1 * 16777216 + $2 * 65536 + $3 * 256 + $4) }'; }

run() {
    local simbin=$1 model=$2 n=$3 out=$4 bytes n_in classes=0 line cls logits i v
    : "${Q2MLP:?}" "${TEST_IMAGES:?}"
    [ -r "$simbin" ] || die "cannot read $simbin (postsynth.sh build first)"
    [ -r "$model" ] || die "cannot read $model"
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "N_IMAGES '$n': need a positive integer"
    mkdir -p "$out"
    bytes=$(stat -c %s "$model")
    hexbytes < "$model" > "$out/model.hex"
    n_in=$(( $(be32 "$TEST_IMAGES" 8) * $(be32 "$TEST_IMAGES" 12) ))
    head -c $((16 + n * n_in)) "$TEST_IMAGES" | tail -c $((n * n_in)) | hexbytes > "$out/images.hex"
    [ "$(wc -l < "$out/images.hex")" -eq $((n * n_in)) ] || die "$TEST_IMAGES has fewer than $n images"
    : > "$out/expect.hex"
    for ((i = 0; i < n; i++)); do
        line=$("$Q2MLP" infer --model "$model" --images "$TEST_IMAGES" --index "$i") || die "q2mlp infer failed"
        cls=$(grep -o 'class=[0-9]*' <<<"$line" | cut -d= -f2)
        logits=$(grep -o 'logits=[-0-9,]*' <<<"$line" | cut -d= -f2)
        printf '%08x\n' "$cls" >> "$out/expect.hex"
        IFS=, read -ra lv <<<"$logits"
        for v in "${lv[@]}"; do printf '%08x\n' $((v & 0xFFFFFFFF)) >> "$out/expect.hex"; done
        classes=${#lv[@]}
    done
    local args=("+model=$out/model.hex" "+model_bytes=$bytes" "+images=$out/images.hex" "+n_images=$n"
                "+n_in=$n_in" "+expect=$out/expect.hex" "+n_classes=$classes")
    case $sim in
    iverilog) "${VVP:-vvp}" -n "$simbin" "${args[@]}" | tee "$out/sim.log" ;;
    verilator) "$simbin" "${args[@]}" | tee "$out/sim.log" ;;
    *) die "POSTSYNTH_SIM=$sim: need verilator or iverilog" ;;
    esac
    grep -qx "postsynth: PASS $n images, 0 mismatches" "$out/sim.log"
}

case $1 in
build) [ $# -eq 3 ] || die "$usage"; build "$2" "$3" ;;
run)   [ $# -eq 5 ] || die "$usage"; run "$2" "$3" "$4" "$5" ;;
*)     die "$usage" ;;
esac
