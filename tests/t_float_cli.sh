#!/usr/bin/env bash
# t_float_cli.sh — CLI contracts of `q2mlp train` and `q2mlp eval` (float models), run on the
# sanitized binary ($Q2MLP): --help exits 0; unknown options and missing -o exit 1 with usage;
# truncated or malformed IDX files and corrupt models exit 1 with a message naming the file and
# field, and never leave an output file; a small training run prints the summary line, writes a
# loadable model, and gives the same bytes twice (and with 1 or 2 threads); eval prints accuracy=.
. "$(dirname "$0")/lib.sh"

need_mnist
SMALL=(--arch 784-32-10 --epochs 1 --limit 1000 --val 500 --batch 20 --lr 3e-3 --dropout 0 --quiet
       --train-images "$TRI" --train-labels "$TRL" --test-images "$TEI" --test-labels "$TEL")

echo "help and usage"
check "train --help exits 0 with usage on stdout" test "$(status "$Q2MLP" train --help)" = 0
check "  ... and lists --arch and --dropout" has out '--dropout'
check "eval --help exits 0" test "$(status "$Q2MLP" eval --help)" = 0
check "train --bogus exits 1" test "$(status "$Q2MLP" train --bogus -o "$tmp/x.mlp")" = 1
check "  ... with usage on stderr" has err 'usage: q2mlp train'
check "eval --bogus exits 1" test "$(status "$Q2MLP" eval --model "$tmp/none" --bogus)" = 1
check "train without -o exits 1" test "$(status "$Q2MLP" train --epochs 1)" = 1
check "train --epochs 0 exits 1" test "$(status "$Q2MLP" train --epochs 0 -o "$tmp/x.mlp")" = 1
check "train --arch 784-0-10 exits 1" test "$(status "$Q2MLP" train --arch 784-0-10 -o "$tmp/x.mlp")" = 1
check "train --opt rmsprop exits 1" test "$(status "$Q2MLP" train --opt rmsprop -o "$tmp/x.mlp")" = 1
check "eval without --model exits 1" test "$(status "$Q2MLP" eval)" = 1
check "no output file after usage errors" test ! -e "$tmp/x.mlp"

echo "bad input files"
head -c 100000 "$TRI" >"$tmp/short-images"
check "train on a truncated image file exits 1" \
    test "$(status "$Q2MLP" train "${SMALL[@]}" --train-images "$tmp/short-images" -o "$tmp/t.mlp")" = 1
check "  ... naming the file and its length" has err 'short-images: bad file length 100000, need 47040016'
check "  ... and writes no model" test ! -e "$tmp/t.mlp"
head -c 59999 "$TRL" >"$tmp/short-labels"
check "train on a truncated label file exits 1" \
    test "$(status "$Q2MLP" train "${SMALL[@]}" --train-labels "$tmp/short-labels" -o "$tmp/t.mlp")" = 1
check "  ... and writes no model" test ! -e "$tmp/t.mlp"
check "train with test images as train labels exits 1 (bad magic)" \
    test "$(status "$Q2MLP" train "${SMALL[@]}" --train-labels "$TEI" -o "$tmp/t.mlp")" = 1
check "  ... bad magic 0x00000803, need 0x00000801" has err 'bad magic 0x00000803, need 0x00000801'
check "train with test labels for train images exits 1 (count)" \
    test "$(status "$Q2MLP" train "${SMALL[@]}" --train-labels "$TEL" -o "$tmp/t.mlp")" = 1
check "  ... count 10000, need 60000" has err 'count 10000, need 60000'
check "train with a missing file exits 1" \
    test "$(status "$Q2MLP" train "${SMALL[@]}" --train-images "$tmp/none" -o "$tmp/t.mlp")" = 1
check "no model after any failed training" test ! -e "$tmp/t.mlp"

echo "a small training run"
check "train 784-32-10 on 1000 images exits 0" test "$(status "$Q2MLP" train "${SMALL[@]}" -o "$tmp/a.mlp")" = 0
check "  ... one summary line with arch, epochs, best_epoch, val_acc, test_acc, train_s" \
    grep -Eq '^arch=784-32-10 epochs=1 best_epoch=1 val_acc=[0-9.]+ test_acc=[0-9.]+ train_s=[0-9.]+ ' "$tmp/out"
check "  ... and only that line on stdout" test "$(wc -l <"$tmp/out")" = 1
check "  ... the model was selected on the validation set (selected_on=val)" has out ' selected_on=val '

check "  ... the model file exists" test -s "$tmp/a.mlp"
"$Q2MLP" train "${SMALL[@]}" -o "$tmp/b.mlp" >/dev/null 2>&1
check "a second run gives the same bytes" cmp -s "$tmp/a.mlp" "$tmp/b.mlp"
"$Q2MLP" train "${SMALL[@]}" --threads 1 --gemm own -o "$tmp/c.mlp" >/dev/null 2>&1
check "--threads 1 --gemm own gives the same bytes (own GEMM is thread-count invariant)" \
    cmp -s "$tmp/a.mlp" "$tmp/c.mlp"
"$Q2MLP" train "${SMALL[@]}" --seed 2 -o "$tmp/d.mlp" >/dev/null 2>&1
check "--seed 2 gives other bytes" bash -c "! cmp -s '$tmp/a.mlp' '$tmp/d.mlp'"
"$Q2MLP" train "${SMALL[@]}" --gemm blas -o "$tmp/e1.mlp" >/dev/null 2>&1
"$Q2MLP" train "${SMALL[@]}" --gemm blas -o "$tmp/e2.mlp" >/dev/null 2>&1
check "--gemm blas: two runs give the same bytes" cmp -s "$tmp/e1.mlp" "$tmp/e2.mlp"
check "no temporary files left next to the models" bash -c "! ls '$tmp' | grep -q '\.tmp\.'"

echo "eval"
check "eval of the new model exits 0" test "$(status "$Q2MLP" eval --model "$tmp/a.mlp" --images "$TEI" --labels "$TEL")" = 0
check "  ... prints accuracy=<percent> n=10000" grep -Eq '^accuracy=[0-9]+\.[0-9]{2} .*n=10000' "$tmp/out"
acc=$(grep -o 'accuracy=[0-9.]*' "$tmp/out" | cut -d= -f2)
tacc=$("$Q2MLP" train "${SMALL[@]}" -o "$tmp/a2.mlp" 2>/dev/null | grep -o 'test_acc=[0-9.]*' | cut -d= -f2)
check "  ... equal to train's test_acc ($acc = $tacc)" test "$acc" = "$tacc"
check "  ... above 60% after 50 steps on 1000 images ($acc)" awk -v a="$acc" 'BEGIN { exit !(a > 60) }'
if [ -s "$BUILD/fixtures/tiny.mlp" ]; then
    check "eval of the tiny fixture (default test set via MNIST_DIR) exits 0" \
        test "$(status env MNIST_DIR="$MNIST_DIR" "$Q2MLP" eval --model "$BUILD/fixtures/tiny.mlp")" = 0
    check "  ... accuracy above 85% ($(grep -o 'accuracy=[0-9.]*' "$tmp/out"))" \
        awk -v a="$(grep -o 'accuracy=[0-9.]*' "$tmp/out" | cut -d= -f2)" 'BEGIN { exit !(a > 85) }'
fi
cp "$tmp/a.mlp" "$tmp/flip.mlp"
printf '\x55' | dd of="$tmp/flip.mlp" bs=1 seek=5000 conv=notrunc status=none
check "eval of a model with a flipped byte exits 1" \
    test "$(status "$Q2MLP" eval --model "$tmp/flip.mlp" --images "$TEI" --labels "$TEL")" = 1
check "  ... bad CRC32, and nothing on stdout" bash -c "grep -q 'bad CRC32' '$tmp/err' && [ ! -s '$tmp/out' ]"
head -c 3000 "$tmp/a.mlp" >"$tmp/trunc.mlp"
check "eval of a truncated model exits 1" \
    test "$(status "$Q2MLP" eval --model "$tmp/trunc.mlp" --images "$TEI" --labels "$TEL")" = 1
check "  ... truncated" has err 'truncated'
check "eval of a missing model exits 1" test "$(status "$Q2MLP" eval --model "$tmp/none.mlp")" = 1
head -c 5000 "$TEL" >"$tmp/short-tl"
check "eval with truncated labels exits 1" \
    test "$(status "$Q2MLP" eval --model "$tmp/a.mlp" --images "$TEI" --labels "$tmp/short-tl")" = 1
check "  ... bad file length" has err 'short-tl: bad file length 5000, need 10008'
printf 'Q2ML' >"$tmp/fake.q2"; head -c 60 /dev/zero >>"$tmp/fake.q2"
status "$Q2MLP" eval --model "$tmp/fake.q2" --images "$TEI" --labels "$TEL" >/dev/null
check "eval of a \"Q2ML\" file goes to the .q2 evaluator (no .mlp magic error)" \
    bash -c "! grep -q 'need 0x4d463251' '$tmp/err'"

summary
