#!/usr/bin/env bash
# t_qmodel_cli.sh — the integer-model commands of the CLI (pack, info, eval on .q2, infer, import,
# bench): --help, outputs, bit-exact fast == reference, exit codes on bad input, atomic outputs.
# Uses $Q2MLP (the sanitized CLI), $BUILD (fixtures: tiny.mlp, tiny.q2) and $MNIST_DIR.
set -uo pipefail
Q2MLP=${Q2MLP:-build/asan/bin/q2mlp}
BUILD=${BUILD:-build}
MNIST_DIR=${MNIST_DIR:-data/mnist}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0; failed=0
check() {  # description, then a command that must succeed
    local what=$1; shift
    n=$((n+1))
    if "$@" >"$tmp/out" 2>"$tmp/err"; then printf '%3d PASSED: %s\n' $n "$what"
    else printf '%3d FAILED: %s\n' $n "$what"; sed 's/^/    | /' "$tmp/out" "$tmp/err" | tail -n 8; failed=$((failed+1)); fi
}
exits() {  # code, then the command: passes when the command exits with exactly that code
    local want=$1; shift
    "$@"; local rc=$?
    [ $rc -eq "$want" ] || { echo "exit $rc, need $want"; return 1; }
}
has() { grep -q -- "$1" "$tmp/out" "$tmp/err"; }

# ---- --help and usage errors ---------------------------------------------------------------------
for c in pack info infer import bench; do
    check "$c --help: exit 0, usage on stdout" bash -c "'$Q2MLP' $c --help | grep -q '^usage: q2mlp $c'"
    check "$c --bogus: exit 1" exits 1 "$Q2MLP" $c --bogus
done
check "pack without --model: exit 1" exits 1 "$Q2MLP" pack -o "$tmp/x.q2"
check "info without a file: exit 1" exits 1 "$Q2MLP" info
check "infer without --index: exit 1" exits 1 "$Q2MLP" infer --model x.q2 --images x
check "import without files: exit 1" exits 1 "$Q2MLP" import -o "$tmp/x.mlp"

# ---- pack / info / eval / infer on the tiny fixture ------------------------------------------------
tiny=$BUILD/fixtures/tiny.mlp
train_i=$MNIST_DIR/train-images-idx3-ubyte; train_l=$MNIST_DIR/train-labels-idx1-ubyte
test_i=$MNIST_DIR/t10k-images-idx3-ubyte; test_l=$MNIST_DIR/t10k-labels-idx1-ubyte
if [ -f "$tiny" ] && [ -f "$test_i" ]; then
    q=$tmp/sub/tiny.q2
    check "pack tiny.mlp, layer/mse, lanes 8, calib 500 -> .q2 (parent dir created)" \
        "$Q2MLP" pack --model "$tiny" --scope layer --rule mse --lanes 8 --calib 500 --quiet \
        --images "$train_i" --labels "$train_l" --save-float "$tmp/tiny2.mlp" -o "$q"
    cp "$tmp/out" "$tmp/pack.out"
    crc=$(grep -o 'crc=0x[0-9A-F]*' "$tmp/pack.out" | cut -d= -f2)
    check "pack prints one key=value line with crc and validation accuracies" \
        bash -c "grep -q '^model=.* bytes=[0-9]* crc=0x[0-9A-F]\{8\} scope=layer rule=mse .*val_acc_int=[0-9.]* val_acc_float=' '$tmp/pack.out'"
    check "info: header, sizes, per-layer table, the same CRC ($crc)" \
        bash -c "'$Q2MLP' info '$q' > '$tmp/info' && grep -q 'lanes 8' '$tmp/info' && grep -q 'topology      784-64-10' '$tmp/info' \
                 && grep -q 'crc           $crc' '$tmp/info' && grep -cE '^ +[01] +(784|64) ' '$tmp/info' | grep -q 2"
    check "eval .q2 --engine both: bit-exact fast == reference, accuracy line" \
        bash -c "'$Q2MLP' eval --model '$q' --images '$test_i' --labels '$test_l' --engine both --limit 2000 \
                 | grep -E '^accuracy=[0-9.]+ correct=[0-9]+ n=2000 .*mismatches=0'"
    ia=$("$Q2MLP" eval --model "$q" --images "$test_i" --labels "$test_l" | grep -o 'accuracy=[0-9.]*' | cut -d= -f2)
    fa=$("$Q2MLP" eval --model "$tmp/tiny2.mlp" --images "$test_i" --labels "$test_l" | grep -o 'accuracy=[0-9.]*' | cut -d= -f2)
    echo "    tiny: bit-exact $ia%, float-activation 2-bit $fa%"
    check "tiny: bit-exact accuracy within 1 pt of the float-activation 2-bit model ($ia vs $fa)" \
        awk -v a="$ia" -v b="$fa" 'BEGIN { exit !(a != "" && b != "" && a - b > -1 && a - b < 1) }'
    check "infer --index 7: class is the argmax of the 10 logits (lowest index on ties)" \
        bash -c "'$Q2MLP' infer --model '$q' --images '$test_i' --index 7 --hidden > '$tmp/inf' && \
                 awk -F'[ =]' '/^index=/ { n = split(\$8, v, \",\"); b = 1; for (j = 2; j <= n; j++) if (v[j] + 0 > v[b] + 0) b = j; \
                 exit !(n == 10 && \$4 == b - 1) }' '$tmp/inf' && grep -q '^hidden0=' '$tmp/inf'"
    check "infer --index past the end: exit 1" exits 1 "$Q2MLP" infer --model "$q" --images "$test_i" --index 10000

    # corrupt images: named field, exit 1, nothing evaluated
    cp "$q" "$tmp/flip.q2"; printf '\x55' | dd of="$tmp/flip.q2" bs=1 seek=200 conv=notrunc status=none
    check "a flipped byte: info and eval exit 1 with 'CRC mismatch', no accuracy printed" \
        bash -c "'$Q2MLP' info '$tmp/flip.q2' 2>'$tmp/e1'; [ \$? -eq 1 ] && grep -q 'CRC mismatch' '$tmp/e1' && \
                 { '$Q2MLP' eval --model '$tmp/flip.q2' --images '$test_i' --labels '$test_l' > '$tmp/o2' 2>&1; [ \$? -eq 1 ]; } && \
                 ! grep -q accuracy= '$tmp/o2'"
    head -c -1 "$q" > "$tmp/trunc.q2"
    check "a truncated image: exit 1, message says 'truncated'" \
        bash -c "'$Q2MLP' info '$tmp/trunc.q2' 2>&1 | grep -q truncated; [ \${PIPESTATUS[0]} -eq 1 ]"
    printf 'Q2ML' > "$tmp/short.q2"
    check "a 4-byte file: exit 1" exits 1 "$Q2MLP" info "$tmp/short.q2"
    check "a missing file: exit 1" exits 1 "$Q2MLP" info "$tmp/nope.q2"

    # atomic output: a failing pack leaves an existing output untouched and no temporary file
    cp "$q" "$tmp/keep.q2"; sum=$(sha256sum < "$tmp/keep.q2")
    check "a failing pack (lanes 12) exits 1, leaves the old output and no temp file" \
        bash -c "'$Q2MLP' pack --model '$tiny' --scope layer --rule opt --lanes 12 -o '$tmp/keep.q2'; [ \$? -eq 1 ] && \
                 [ \"\$(sha256sum < '$tmp/keep.q2')\" = '$sum' ] && ! ls '$tmp'/keep.q2.tmp.* 2>/dev/null"
    check "pack of a non-model file: exit 1" exits 1 "$Q2MLP" pack --model "$q" --scope layer --rule opt -o "$tmp/y.q2"
    check "pack --best with a best.txt line" bash -c "echo 'scope=neuron rule=opt val_acc=1' > '$tmp/best.txt' && \
        '$Q2MLP' pack --model '$tiny' --best '$tmp/best.txt' --lanes 16 --calib 200 --quiet -o '$tmp/b.q2' | grep -q 'scope=neuron rule=opt' && \
        '$Q2MLP' info '$tmp/b.q2' | grep -q 'last-layer scope: layer'"
    check "bench: one line with the four keys" bash -c "'$Q2MLP' bench --model '$tiny' --q2 '$q' --images '$test_i' --seconds 0.05 \
        | grep -E '^float_img_s=[0-9]+ ref_img_s=[0-9]+ fast_img_s=[0-9]+ speedup_fast_vs_float=[0-9.]+$'"
else
    echo "    SKIP pack/info/eval/infer checks: $tiny or $test_i is absent (make test builds the fixture)"
fi
if [ -f "$BUILD/fixtures/tiny.q2" ]; then
    check "the fixture tiny.q2 (make rule) is a valid image" "$Q2MLP" info "$BUILD/fixtures/tiny.q2"
fi

# ---- import from .npy written here byte by byte ----------------------------------------------------
npy() {  # file descr fortran shape n_bytes: a NumPy 1.0 file, header padded to 64, data 0x3c bytes
    local dict="{'descr': '$2', 'fortran_order': $3, 'shape': $4, }"
    local pad=$(( (10 + ${#dict} + 1 + 63) / 64 * 64 - 10 - ${#dict} - 1 )) hl
    hl=$(( ${#dict} + pad + 1 ))
    { printf '\x93NUMPY\x01\x00'; printf "\\x$(printf %02x $((hl & 255)))\\x$(printf %02x $((hl >> 8)))"
      printf '%s' "$dict"; printf "%${pad}s\n" ''; head -c "$5" /dev/zero | tr '\0' '\074'; } > "$1"
}
npy "$tmp/w0.npy" '<f4' False '(3, 4)' 48; npy "$tmp/b0.npy" '<f4' False '(3,)' 12
npy "$tmp/w1.npy" '<f8' False '(2, 3)' 48; npy "$tmp/b1.npy" '<f8' False '(2,)' 16
check "import --dir: 4-3-2 from float32 and float64 files" \
    bash -c "'$Q2MLP' import --dir '$tmp' --arch 4-3-2 -o '$tmp/imp.mlp' | grep -q 'arch=4-3-2 .*dtype=float64->float32' && [ -s '$tmp/imp.mlp' ]"
check "import --npy with the shapes inferred" \
    bash -c "'$Q2MLP' import --npy '$tmp/w0.npy' '$tmp/b0.npy' '$tmp/w1.npy' '$tmp/b1.npy' -o '$tmp/imp2.mlp' | grep -q 'arch=4-3-2' && cmp -s '$tmp/imp.mlp' '$tmp/imp2.mlp'"
check "import: --arch disagreeing with the shapes: exit 1" exits 1 "$Q2MLP" import --dir "$tmp" --arch 4-3-3 -o "$tmp/bad.mlp"
check "import: weights in Keras layout without --transpose: exit 1" \
    exits 1 "$Q2MLP" import --npy "$tmp/w0.npy" "$tmp/b0.npy" "$tmp/w1.npy" "$tmp/b1.npy" --transpose -o "$tmp/bad.mlp"
npy "$tmp/i0.npy" '<i4' False '(3, 4)' 48
check "import: int32 weights: exit 1, dtype named" \
    bash -c "'$Q2MLP' import --npy '$tmp/i0.npy' '$tmp/b0.npy' -o '$tmp/bad.mlp' 2>&1 | grep -q \"dtype '<i4'\"; [ \${PIPESTATUS[0]} -eq 1 ]"
npy "$tmp/f0.npy" '<f4' True '(3, 4)' 48
check "import: Fortran-ordered weights: exit 1" exits 1 "$Q2MLP" import --npy "$tmp/f0.npy" "$tmp/b0.npy" -o "$tmp/bad.mlp"
check "no failed import left an output" bash -c "! [ -e '$tmp/bad.mlp' ]"

echo "$n checks, $failed failed: $([ $failed -eq 0 ] && echo PASSED || echo FAILED)"
[ $failed -eq 0 ]
