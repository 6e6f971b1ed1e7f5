#!/usr/bin/env bash
# t_board_postsynth.sh — the synthesized iCE40 netlist of accel_core (LANES 32, MEM_TECH "ICE40",
# synth_ice40 -dsp as for the bitstream) loads the tiny fixture model and runs two MNIST test
# images with the same class and logits as the bit-exact C model; and the testbench catches a
# refused model and a wrong logit (so a PASS means something). The short form of `make run`'s
# 70-postsynth stage (docs/boards.md "Trust the netlist").
. "$(dirname "$0")/lib.sh"
cd "$root"
dir=$BUILD/postsynth
out=$dir/tiny-l32-n2-verilator
simbin=$dir/tb_l32.vlt
work=$BUILD/test-work/postsynth
rm -rf "$work"; mkdir -p "$work"

need_files "$TINY_Q2"

# 1. the netlist runs the model bit-exactly (make postsynth: yosys, verilator, q2mlp infer)
ps() { make --no-print-directory postsynth BUILD="$BUILD" MNIST_DIR="$MNIST_DIR" LANES=32 \
          POSTSYNTH_MODEL="$TINY_Q2" POSTSYNTH_N=2 POSTSYNTH_SIM=verilator; }
check "make postsynth (tiny.q2, 2 images, LANES 32 netlist)" ps
check "result.txt says 2 images, 0 mismatches" \
    grep -qx 'postsynth images=2 mismatches=0 sim=verilator lanes=32' "$out/result.txt"
check "the testbench printed PASS" grep -qx 'postsynth: PASS 2 images, 0 mismatches' "$out/sim.log"

# 2. it is the netlist: iCE40 cells, SPRAM weights, no behavioural RTL module left
net=$dir/accel_core_ice40_l32.v
check "the netlist is made of iCE40 cells (SB_LUT4, SB_SPRAM256KA)" \
    bash -c "grep -q 'SB_LUT4 ' '$net' && grep -q 'SB_SPRAM256KA ' '$net'"
check "no RTL submodule survives in the netlist" bash -c "! grep -qE '^ *(loader|seq|mac_array|requant) ' '$net'"

# 3. a model with a bad CRC is refused, and the testbench says so
runsim() {  # runsim MODEL_HEX BYTES EXPECT_HEX: the compiled testbench on the two images of $out
    "$simbin" "+model=$1" "+model_bytes=$2" "+images=$out/images.hex" +n_images=2 +n_in=784 \
        "+expect=$3" +n_classes=10
}
bytes=$(wc -l < "$out/model.hex")
{ head -n $((bytes - 1)) "$out/model.hex"; printf '%02x\n' $(( (0x$(tail -n 1 "$out/model.hex") ^ 1) )); } \
    > "$work/badcrc.hex"
runsim "$work/badcrc.hex" "$bytes" "$out/expect.hex" > "$work/badcrc.log" 2>&1
check "bad CRC: 'FAIL model not accepted' with err 3 (ERR_CRC)" \
    grep -q '^postsynth: FAIL model not accepted: status [0-9a-f]* err 3 ' "$work/badcrc.log"

# 4. a wrong expected logit is reported as a mismatch
w5=$(sed -n 5p "$out/expect.hex")   # line 5: logit 3 of image 0 (line 1 is its class)
{ sed -n 1,4p "$out/expect.hex"; printf '%08x\n' $(( (0x$w5 + 1) & 0xFFFFFFFF )); sed -n '6,$p' "$out/expect.hex"; } \
    > "$work/wrong.hex"
runsim "$out/model.hex" "$bytes" "$work/wrong.hex" > "$work/wrong.log" 2>&1
check "wrong logit: 'image 0 logit 3' reported, FAIL 2 images, 1 mismatches" \
    bash -c "grep -q '^postsynth: image 0 logit 3 ' '$work/wrong.log' && grep -qx 'postsynth: FAIL 2 images, 1 mismatches' '$work/wrong.log'"

summary
