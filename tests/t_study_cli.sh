#!/usr/bin/env bash
# t_study_cli.sh — CLI contracts of `q2mlp sqnr` and `q2mlp study` on the sanitized binary
# ($Q2MLP): sqnr prints exactly one line "xmax=.. delta=.. D=.. sqnr_db=.." with the reference
# values of docs/quantizer.md; bad arguments exit 1 with usage on stderr and nothing on stdout;
# a small study run on MNIST (a 784-16-10 model trained here, 4 sweep points, 500+500 images)
# writes every report file with the documented columns and a well-formed best.txt; the
# multi-seed parts: `study --methods` writes methods.csv / shape.csv / run.txt, `study-summary` of two
# such runs writes its CSVs (contract columns), report and bands, and refuses missing or
# malformed run directories without writing anything; `pack --method` refuses an unknown method.
. "$(dirname "$0")/lib.sh"
lines() { [ "$(wc -l <"$tmp/$1")" -eq "$2" ]; }         # lines out|err N

LINE='^xmax=[0-9]+\.[0-9]+ delta=[0-9]+\.[0-9]+ D=[0-9]+\.[0-9]+ sqnr_db=-?[0-9]+\.[0-9]+$'

echo "sqnr: format and reference values"
check "sqnr --optimal exits 0" test "$(status "$Q2MLP" sqnr --optimal)" = 0
check "  ... one line in the documented format" bash -c "[ \$(wc -l <'$tmp/out') -eq 1 ] && grep -qE '$LINE' '$tmp/out'"
check "  ... x_max 2.17479, delta 1.08739, 7.0707 dB" has out '^xmax=2\.17478[5-9] delta=1\.08739[0-9] D=0\.19630[0-9] sqnr_db=7\.0707$'
ref() {  # option value regex-of-sqnr
    [ "$(status "$Q2MLP" sqnr "$1" "$2")" = 0 ] && lines out 1 && grep -qE "$LINE" "$tmp/out" &&
        grep -qE "sqnr_db=$3" "$tmp/out"
}
check "sqnr --delta 1.0607 -> 7.065 dB" ref --delta 1.0607 '7\.065[0-9]$'
check "sqnr --xmax 1.5 -> 6.143 dB" ref --xmax 1.5 '6\.14(2[5-9]|3[0-4])$'
check "sqnr --xmax 3.0 -> 6.063 dB" ref --xmax 3.0 '6\.063[0-9]$'
check "sqnr --xmax 4.0 -> 3.782 dB" ref --xmax 4.0 '3\.78(1[5-9]|2[0-4])$'
check "sqnr --xmax=2 (= form) -> delta=1.000000" bash -c "'$Q2MLP' sqnr --xmax=2 | grep -q '^xmax=2.000000 delta=1.000000 '"
check "sqnr --help exits 0 with usage on stdout" test "$(status "$Q2MLP" sqnr --help)" = 0
check "  ... usage names --optimal" has out 'optimal'

echo "sqnr: bad arguments exit 1, usage on stderr, nothing on stdout"
bad() { [ "$(status "$Q2MLP" sqnr "$@")" = 1 ] && lines out 0 && has err 'usage: q2mlp sqnr'; }
check "no arguments" bad
check "--xmax abc" bad --xmax abc
check "--xmax -1" bad --xmax -1
check "--xmax 0" bad --xmax 0
check "--xmax nan" bad --xmax nan
check "--xmax without a value" bad --xmax
check "--xmax 1 --optimal (two choices)" bad --xmax 1 --optimal
check "--bogus" bad --bogus
check "  ... error line names the function" has err '^cmd_sqnr: parse arguments failed: '

echo "study: arguments"
check "study --help exits 0" test "$(status "$Q2MLP" study --help)" = 0
check "  ... usage names --sigma and best.txt" bash -c "grep -q -- '--sigma' '$tmp/out' && grep -q best.txt '$tmp/out'"
sbad() { [ "$(status "$Q2MLP" study "$@")" = 1 ] && lines out 0; }
check "study without --model exits 1" sbad
check "study --points 1 exits 1" sbad --model x.mlp --points 1
check "study --sigma bogus exits 1" sbad --model x.mlp --sigma bogus
check "study --lo 3 --hi 2 exits 1" sbad --model x.mlp --lo 3 --hi 2
check "study --bogus exits 1" sbad --model x.mlp --bogus
check "study --model missing.mlp exits 1" sbad --model "$tmp/missing.mlp" --quiet
check "  ... naming the file" has err 'missing.mlp'

echo "study: a small run on MNIST"
if [ -r "$TRI" ] && [ -r "$TEI" ]; then
    check "train a 784-16-10 model" test "$(status "$Q2MLP" train --arch 784-16-10 --epochs 1 \
        --limit 2000 --val 500 --quiet --gemm own -o "$tmp/m.mlp")" = 0
    check "study --points 4 --val 500 --test-limit 500 exits 0" test "$(status "$Q2MLP" study \
        --model "$tmp/m.mlp" --out "$tmp/rep" --points 4 --val 500 --test-limit 500 --quiet)" = 0
    check "  ... prints the table with the float baseline" has out '^float  none'
    check "  ... and the best line" has out '^best on validation: scope='
    for f in study.csv study.md best.txt sweep_global.csv sweep_layer.csv sweep_neuron.csv sweep.gp; do
        check "  ... writes $f" test -s "$tmp/rep/$f"
    done
    check "study.csv: contract columns" bash -c "head -1 '$tmp/rep/study.csv' | grep -q '^scope,rule,xmax_over_sigma,sqnr_th_db,sqnr_exp_db,acc_val,acc_test,'"
    check "study.csv: 1 + 1 + 21 lines" test "$(wc -l <"$tmp/rep/study.csv")" -eq 23
    check "sweep_layer.csv: header + 4 points" test "$(wc -l <"$tmp/rep/sweep_layer.csv")" -eq 5
    check "best.txt: one line scope= rule= acc_val= acc_test=" bash -c "[ \$(wc -l <'$tmp/rep/best.txt') -eq 1 ] && grep -qE '^scope=(global|layer|neuron) rule=(opt|asym|maxabs|mse|aciq|octav|acc) acc_val=[01]\.[0-9]{4} acc_test=[01]\.[0-9]{4}$' '$tmp/rep/best.txt'"
    if command -v "${GNUPLOT:-gnuplot}" >/dev/null; then
        check "gnuplot present: sweep_layer.svg written" grep -q '<svg' "$tmp/rep/sweep_layer.svg"
    fi
    check "study --gnuplot /nonexistent: says so, still exits 0 with the CSVs" bash -c "
        '$Q2MLP' study --model '$tmp/m.mlp' --out '$tmp/rep2' --points 2 --val 200 --test-limit 200 \
            --sigma std --quiet --gnuplot /nonexistent/gnuplot >/dev/null 2>'$tmp/err2' &&
        grep -q 'not found' '$tmp/err2' && test -s '$tmp/rep2/sweep_global.csv' && test ! -e '$tmp/rep2/sweep_global.svg'"
    check "  ... with --sigma std, best.txt ends in ' sigma=std'" grep -qE ' acc_test=[01]\.[0-9]{4} sigma=std$' "$tmp/rep2/best.txt"

    echo "study --methods and study-summary (two seeds of a 784-16-10 model)"
    for s in 1 2; do
        check "train seed $s" test "$(status "$Q2MLP" train --arch 784-16-10 --epochs 1 --limit 2000 \
            --val 500 --seed $s --quiet --gemm own -o "$tmp/s$s.mlp")" = 0
        check "  ... study --methods exits 0" test "$(status "$Q2MLP" study --model "$tmp/s$s.mlp" \
            --out "$tmp/run$s" --points 4 --val 500 --test-limit 500 --quiet --gnuplot '' --methods \
            --label-topology t16 --label-seed $s)" = 0
    done
    check "  ... methods.csv: header + 3 pairs x 5 methods" test "$(wc -l <"$tmp/run1/methods.csv")" -eq 16
    check "  ... shape.csv: header + 2 layers" test "$(wc -l <"$tmp/run1/shape.csv")" -eq 3
    check "  ... run.txt labels" grep -qx 'topology=t16 variant=base seed=1 arch=784-16-10' "$tmp/run1/run.txt"
    check "study-summary exits 0" test "$(status "$Q2MLP" study-summary --out "$tmp/sum" --name sf \
        --gnuplot '' "$tmp/run1" "$tmp/run2")" = 0
    check "  ... sf.csv: contract columns" bash -c "head -1 '$tmp/sum/sf.csv' | grep -q '^topology,variant,seed,scope,rule,method,engine,xmax_over_sigma,sqnr_th_db,sqnr_exp_db,acc_val,acc_test$'"
    check "  ... sf.csv: one row per seed and row (2 x (22 + 15))" test "$(wc -l <"$tmp/sum/sf.csv")" -eq 75
    check "  ... sf-summary.csv: mean/CI columns, n = 2" bash -c "head -1 '$tmp/sum/sf-summary.csv' | grep -q 'acc_test_mean,acc_test_ci95$' && grep -q '^t16,base,784-16-10,layer,opt,gptq,bit-exact,2,' '$tmp/sum/sf-summary.csv'"
    check "  ... sf.md answers both questions" bash -c "grep -q 'maximises SQNR maximise accuracy' '$tmp/sum/sf.md' && grep -q 'beat a global quantizer' '$tmp/sum/sf.md'"
    check "  ... bands for each scope" bash -c "test -s '$tmp/sum/band_t16_global.csv' && test -s '$tmp/sum/band_t16_layer.csv' && test -s '$tmp/sum/band_t16_neuron.csv'"
    check "study-summary of a missing directory exits 1, writes nothing" bash -c "
        ! '$Q2MLP' study-summary --out '$tmp/sum2' '$tmp/run1' '$tmp/nonexistent' 2>'$tmp/err3' &&
        grep -q nonexistent '$tmp/err3' && test ! -e '$tmp/sum2/study-full.csv'"
    mkdir -p "$tmp/broken" && cp "$tmp/run1"/* "$tmp/broken/" && echo 'a,b' >> "$tmp/broken/study.csv"
    check "study-summary of a malformed study.csv exits 1, names it" bash -c "
        ! '$Q2MLP' study-summary --out '$tmp/sum3' '$tmp/broken' 2>'$tmp/err4' && grep -q 'study.csv' '$tmp/err4' &&
        test ! -e '$tmp/sum3/study-full.csv'"
    check "pack --method nope exits 1, no output" bash -c "
        ! '$Q2MLP' pack --model '$tmp/s1.mlp' --method nope -o '$tmp/x.q2' 2>'$tmp/err5' &&
        grep -q 'need plain, biascorr, gptq, gptq-bc or refine' '$tmp/err5' && test ! -e '$tmp/x.q2'"
else
    echo "MNIST missing in $MNIST_DIR (make data): small run skipped"
fi

summary
