#!/usr/bin/env bash
# t_qmodel_cli.sh — the integer-model commands of the CLI (pack, info, eval on .q2, infer, import,
# bench): --help, outputs, bit-exact fast == reference, exit codes on bad input, atomic outputs.
# Uses $Q2MLP (the sanitized CLI), $BUILD (fixtures: tiny.mlp, tiny.q2) and $MNIST_DIR.
. "$(dirname "$0")/lib.sh"

# ---- --help and usage errors ---------------------------------------------------------------------
for c in pack info infer import bench; do
    check_quiet "$c --help: exit 0, usage on stdout" bash -c "'$Q2MLP' $c --help | grep -q '^usage: q2mlp $c'"
    check_quiet "$c --bogus: exit 1" exits 1 "$Q2MLP" $c --bogus
done
check_quiet "pack without --model: exit 1" exits 1 "$Q2MLP" pack -o "$tmp/x.q2"
check_quiet "info without a file: exit 1" exits 1 "$Q2MLP" info
check_quiet "infer without --index: exit 1" exits 1 "$Q2MLP" infer --model x.q2 --images x
check_quiet "import without files: exit 1" exits 1 "$Q2MLP" import -o "$tmp/x.mlp"

# ---- pack / info / eval / infer on the tiny fixture ------------------------------------------------
if [ -f "$TINY_MLP" ] && [ -f "$TEI" ]; then
    q=$tmp/sub/tiny.q2
    check_quiet "pack tiny.mlp, layer/mse, lanes 8, calib 500 -> .q2 (parent dir created)" \
        "$Q2MLP" pack --model "$TINY_MLP" --scope layer --rule mse --lanes 8 --calib 500 --quiet \
        --images "$TRI" --labels "$TRL" --save-float "$tmp/tiny2.mlp" -o "$q"
    cp "$tmp/out" "$tmp/pack.out"
    crc=$(grep -o 'crc=0x[0-9A-F]*' "$tmp/pack.out" | cut -d= -f2)
    check_quiet "pack prints one key=value line with crc and validation accuracies" \
        bash -c "grep -q '^model=.* bytes=[0-9]* crc=0x[0-9A-F]\{8\} scope=layer rule=mse .*val_acc_int=[0-9.]* val_acc_float=' '$tmp/pack.out'"
    check_quiet "info: header, sizes, per-layer table, the same CRC ($crc)" \
        bash -c "'$Q2MLP' info '$q' > '$tmp/info' && grep -q 'lanes 8' '$tmp/info' && grep -q 'topology      784-64-10' '$tmp/info' \
                 && grep -q 'crc           $crc' '$tmp/info' && grep -cE '^ +[01] +(784|64) ' '$tmp/info' | grep -q 2"
    check_quiet "eval .q2 --engine both: bit-exact fast == reference, accuracy line" \
        bash -c "'$Q2MLP' eval --model '$q' --images '$TEI' --labels '$TEL' --engine both --limit 2000 \
                 | grep -E '^accuracy=[0-9.]+ correct=[0-9]+ n=2000 .*mismatches=0'"
    ia=$("$Q2MLP" eval --model "$q" --images "$TEI" --labels "$TEL" | grep -o 'accuracy=[0-9.]*' | cut -d= -f2)
    fa=$("$Q2MLP" eval --model "$tmp/tiny2.mlp" --images "$TEI" --labels "$TEL" | grep -o 'accuracy=[0-9.]*' | cut -d= -f2)
    echo "    tiny: bit-exact $ia%, float-activation 2-bit $fa%"
    check_quiet "tiny: bit-exact accuracy within 1 pt of the float-activation 2-bit model ($ia vs $fa)" \
        awk -v a="$ia" -v b="$fa" 'BEGIN { exit !(a != "" && b != "" && a - b > -1 && a - b < 1) }'
    check_quiet "infer --index 7: class is the argmax of the 10 logits (lowest index on ties)" \
        bash -c "'$Q2MLP' infer --model '$q' --images '$TEI' --index 7 --hidden > '$tmp/inf' && \
                 awk -F'[ =]' '/^index=/ { n = split(\$8, v, \",\"); b = 1; for (j = 2; j <= n; j++) if (v[j] + 0 > v[b] + 0) b = j; \
                 exit !(n == 10 && \$4 == b - 1) }' '$tmp/inf' && grep -q '^hidden0=' '$tmp/inf'"
    check_quiet "infer --index past the end: exit 1" exits 1 "$Q2MLP" infer --model "$q" --images "$TEI" --index 10000

    # corrupt images: named field, exit 1, nothing evaluated
    cp "$q" "$tmp/flip.q2"; printf '\x55' | dd of="$tmp/flip.q2" bs=1 seek=200 conv=notrunc status=none
    check_quiet "a flipped byte: info and eval exit 1 with 'CRC mismatch', no accuracy printed" \
        bash -c "'$Q2MLP' info '$tmp/flip.q2' 2>'$tmp/e1'; [ \$? -eq 1 ] && grep -q 'CRC mismatch' '$tmp/e1' && \
                 { '$Q2MLP' eval --model '$tmp/flip.q2' --images '$TEI' --labels '$TEL' > '$tmp/o2' 2>&1; [ \$? -eq 1 ]; } && \
                 ! grep -q accuracy= '$tmp/o2'"
    head -c -1 "$q" > "$tmp/trunc.q2"
    check_quiet "a truncated image: exit 1, message says 'truncated'" \
        bash -c "'$Q2MLP' info '$tmp/trunc.q2' 2>&1 | grep -q truncated; [ \${PIPESTATUS[0]} -eq 1 ]"
    printf 'Q2ML' > "$tmp/short.q2"
    check_quiet "a 4-byte file: exit 1" exits 1 "$Q2MLP" info "$tmp/short.q2"
    check_quiet "a missing file: exit 1" exits 1 "$Q2MLP" info "$tmp/nope.q2"

    # atomic output: a failing pack leaves an existing output untouched and no temporary file
    cp "$q" "$tmp/keep.q2"; sum=$(sha256sum < "$tmp/keep.q2")
    check_quiet "a failing pack (lanes 12) exits 1, leaves the old output and no temp file" \
        bash -c "'$Q2MLP' pack --model '$TINY_MLP' --scope layer --rule opt --lanes 12 -o '$tmp/keep.q2'; [ \$? -eq 1 ] && \
                 [ \"\$(sha256sum < '$tmp/keep.q2')\" = '$sum' ] && ! ls '$tmp'/keep.q2.tmp.* 2>/dev/null"
    check_quiet "pack of a non-model file: exit 1" exits 1 "$Q2MLP" pack --model "$q" --scope layer --rule opt -o "$tmp/y.q2"
    check_quiet "pack --best with a best.txt line" bash -c "echo 'scope=neuron rule=opt val_acc=1' > '$tmp/best.txt' && \
        '$Q2MLP' pack --model '$TINY_MLP' --best '$tmp/best.txt' --lanes 16 --calib 200 --quiet -o '$tmp/b.q2' | grep -q 'scope=neuron rule=opt' && \
        '$Q2MLP' info '$tmp/b.q2' | grep -q 'last-layer scope: layer'"
    check_quiet "bench: one line with the four keys" bash -c "'$Q2MLP' bench --model '$TINY_MLP' --q2 '$q' --images '$TEI' --seconds 0.05 \
        | grep -E '^float_img_s=[0-9]+ ref_img_s=[0-9]+ fast_img_s=[0-9]+ speedup_fast_vs_float=[0-9.]+$'"
    # the peer benchmark's worker protocol (sw/cli/cmd_bench.c) and its .npy export
    for e in "fast --q2 $q" "float --model $TINY_MLP --gemm own"; do
        check_quiet "bench --serve ${e%% *}: ready line, 'run 8 3 0' runs one batch of 8, clock, quit" \
            bash -c "printf 'run 8 3 0\nclock\nquit\n' | '$Q2MLP' bench --serve $e --images '$TEI' > '$tmp/serve' && \
                     grep -q '^ready engine=q2mlp-${e%% *} path=' '$tmp/serve' && grep -qE '^ok n=8 t=[0-9.]+ cpu=[0-9.]+' '$tmp/serve' \
                     && grep -qE '^ok ghz=[0-9.]+$' '$tmp/serve' && [ \$(wc -l < '$tmp/serve') = 3 ]"
    done
    check_quiet "bench --serve with a bad command: exit 1" \
        bash -c "echo 'run 0 0 0' | '$Q2MLP' bench --serve fast --q2 '$q' --images '$TEI' >/dev/null; [ \$? = 1 ]"
    check_quiet "bench --npy-out writes what import --dir reads back: the same model bytes" \
        bash -c "'$Q2MLP' bench --npy-out '$tmp/npy' --model '$TINY_MLP' && \
                 '$Q2MLP' import --dir '$tmp/npy' -o '$tmp/rt.mlp' >/dev/null && cmp -s '$tmp/rt.mlp' '$TINY_MLP'"
else
    echo "    SKIP pack/info/eval/infer checks: $TINY_MLP or $TEI is absent (make test builds the fixture)"
fi
if [ -f "$TINY_Q2" ]; then
    check_quiet "the fixture tiny.q2 (make rule) is a valid image" "$Q2MLP" info "$TINY_Q2"
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
check_quiet "import --dir: 4-3-2 from float32 and float64 files" \
    bash -c "'$Q2MLP' import --dir '$tmp' --arch 4-3-2 -o '$tmp/imp.mlp' | grep -q 'arch=4-3-2 .*dtype=float64->float32' && [ -s '$tmp/imp.mlp' ]"
check_quiet "import --npy with the shapes inferred" \
    bash -c "'$Q2MLP' import --npy '$tmp/w0.npy' '$tmp/b0.npy' '$tmp/w1.npy' '$tmp/b1.npy' -o '$tmp/imp2.mlp' | grep -q 'arch=4-3-2' && cmp -s '$tmp/imp.mlp' '$tmp/imp2.mlp'"
check_quiet "import: --arch disagreeing with the shapes: exit 1" exits 1 "$Q2MLP" import --dir "$tmp" --arch 4-3-3 -o "$tmp/bad.mlp"
check_quiet "import: weights in Keras layout without --transpose: exit 1" \
    exits 1 "$Q2MLP" import --npy "$tmp/w0.npy" "$tmp/b0.npy" "$tmp/w1.npy" "$tmp/b1.npy" --transpose -o "$tmp/bad.mlp"
npy "$tmp/i0.npy" '<i4' False '(3, 4)' 48
check_quiet "import: int32 weights: exit 1, dtype named" \
    bash -c "'$Q2MLP' import --npy '$tmp/i0.npy' '$tmp/b0.npy' -o '$tmp/bad.mlp' 2>&1 | grep -q \"dtype '<i4'\"; [ \${PIPESTATUS[0]} -eq 1 ]"
npy "$tmp/f0.npy" '<f4' True '(3, 4)' 48
check_quiet "import: Fortran-ordered weights: exit 1" exits 1 "$Q2MLP" import --npy "$tmp/f0.npy" "$tmp/b0.npy" -o "$tmp/bad.mlp"
check_quiet "no failed import left an output" bash -c "! [ -e '$tmp/bad.mlp' ]"

summary
