#!/usr/bin/env bash
# up5k_preset.sh — the `up5k` model preset (docs/boards.md): of the candidate topologies that fit
# the iCE40 UP5K build of the core, the one with the best validation accuracy, trained and packed.
#
#   up5k_preset.sh                      (settings from the environment, see below; run by
#                                        `make run` with one candidate, UP5K_ARCH, and by
#                                        `make up5k-search` with the whole list)
#
# 1. Each candidate (UP5K_CANDIDATES) is checked against the core's capacity by `q2mlp fits`
#    (q2_qmodel_fits: weight bytes, neuron records, activation widths, classes; docs/accelerator.md).
#    With one candidate, step 2 is skipped: it is checked and trained in full.
# 2. Each candidate that fits is trained briefly (UP5K_QUICK_EPOCHS, seed 1) and packed like the
#    paper preset (scope and rule of best.txt); the selection score is the bit-exact validation
#    accuracy that `q2mlp pack` reports (val_acc_int, on the last 5000 training images: the test
#    set plays no part in the choice). Ties go to the smaller weight memory.
# 3. The winner is trained in full (UP5K_EPOCHS) to build/models/up5k.mlp, packed to up5k.q2
#    (+ up5k.2bit.mlp, the same 2-bit weights with float activations), and its float / 2-bit /
#    bit-exact test accuracies are printed beside the paper preset's.
#
# Environment: Q2MLP (the CLI), BUILD, REPORT, TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS,
# LANES, WMEM_BYTES, PMEM_NEURONS, ABUF_BYTES, UP5K_CANDIDATES, UP5K_QUICK_EPOCHS, UP5K_EPOCHS,
# BEST_TXT (optional). Writes REPORT/up5k.md (the candidates and the result) and REPORT/up5k.txt
# (one line: the winner and its accuracies).
set -euo pipefail

die() { echo "up5k_preset.sh: $*" >&2; exit 1; }
for v in Q2MLP BUILD REPORT TRAIN_IMAGES TRAIN_LABELS TEST_IMAGES TEST_LABELS LANES WMEM_BYTES \
         PMEM_NEURONS ABUF_BYTES UP5K_CANDIDATES UP5K_QUICK_EPOCHS UP5K_EPOCHS; do
    [ -n "${!v:-}" ] || die "$v is not set"
done
models=$BUILD/models
work=$BUILD/up5k
mkdir -p "$models" "$work" "$REPORT"

# ---- pack settings: the study's choice, as for the paper preset ------------------------------------
if [ -n "${BEST_TXT:-}" ] && [ -f "$BEST_TXT" ]; then
    pack_sel=(--best "$BEST_TXT")
    sel_txt=$(grep -m1 -o 'scope=[^ ]* rule=[^ ]*' "$BEST_TXT")
else
    pack_sel=(--scope layer --rule opt)
    sel_txt="scope=layer rule=opt (no best.txt)"
fi
data=(--train-images "$TRAIN_IMAGES" --train-labels "$TRAIN_LABELS"
      --test-images "$TEST_IMAGES" --test-labels "$TEST_LABELS")
kv() { sed -n "s/.*\<$1=\([^ ]*\).*/\1/p" <<<"$2"; }  # the value of KEY=... in a line

# ---- 1. capacity ---------------------------------------------------------------------------------
# fits ARCH: prints "words neurons width" and succeeds when the core holds the model; the answer is
# q2_qmodel_fits (sw/qmodel/fits.c), the checks the host makes before a LOAD.
fits() {
    local line
    line=$("$Q2MLP" fits --arch "$1" --lanes "$LANES" --wmem-bytes "$WMEM_BYTES" \
           --pmem-neurons "$PMEM_NEURONS" --abuf-bytes "$ABUF_BYTES" 2>/dev/null) ||
        die "q2mlp fits --arch $1 failed"
    echo "$(kv weight_words "$line") $(kv neurons "$line") $(kv width "$line")"
    [ "$(kv fits "$line")" = 1 ]
}

wmax=$((WMEM_BYTES / (LANES / 4)))
table=$work/candidates.md
{
    echo "| topology | weight words (of $wmax) | neurons (of $PMEM_NEURONS) | widest (of $ABUF_BYTES) | float val % | bit-exact val % |"
    echo "|---|---:|---:|---:|---:|---:|"
} > "$table"

# ---- 2. quick training and packing of each candidate ------------------------------------------------
best_arch="" best_score=-1 best_words=0
t0=$SECONDS
read -ra candidates <<<"$UP5K_CANDIDATES"
if [ ${#candidates[@]} -eq 1 ]; then
    arch=${candidates[0]}
    cap=$(fits "$arch") || die "$arch does not fit the core (weight words, neurons, widest: $cap; of $wmax words, $PMEM_NEURONS neurons, $ABUF_BYTES bytes)"
    read -r w n wd <<<"$cap"
    echo "| $arch | $w | $n | $wd | (not trained briefly: the only candidate) | |" >> "$table"
    best_arch=$arch best_words=$w
    candidates=()
fi
for arch in "${candidates[@]}"; do
    if ! cap=$(fits "$arch"); then
        read -r w n wd <<<"$cap"
        echo "up5k: $arch does not fit (words $w, neurons $n, widest $wd): skipped"
        echo "| $arch | $w | $n | $wd | does not fit | |" >> "$table"
        continue
    fi
    read -r w n wd <<<"$cap"
    tag=${arch//-/_}
    tr=$("$Q2MLP" train --arch "$arch" --epochs "$UP5K_QUICK_EPOCHS" --seed 1 --quiet "${data[@]}" \
         -o "$work/$tag.mlp") || die "training $arch failed"
    pk=$("$Q2MLP" pack --model "$work/$tag.mlp" "${pack_sel[@]}" --lanes "$LANES" \
         --images "$TRAIN_IMAGES" --labels "$TRAIN_LABELS" --quiet -o "$work/$tag.q2") ||
        die "packing $arch failed"
    fv=$(kv val_acc "$tr") iv=$(kv val_acc_int "$pk")
    echo "up5k: $arch  words $w  float val $fv%  bit-exact val $iv%  ($((SECONDS - t0)) s)"
    echo "| $arch | $w | $n | $wd | $fv | $iv |" >> "$table"
    if awk -v a="$iv" -v b="$best_score" -v w="$w" -v bw="$best_words" \
           'BEGIN { exit !(a > b || (a == b && w < bw)) }'; then
        best_arch=$arch best_score=$iv best_words=$w
    fi
done
[ -n "$best_arch" ] || die "no candidate fits the core (WMEM_BYTES=$WMEM_BYTES PMEM_NEURONS=$PMEM_NEURONS ABUF_BYTES=$ABUF_BYTES)"
if [ "$best_score" != -1 ]; then
    echo "up5k: chosen $best_arch (bit-exact validation $best_score% after $UP5K_QUICK_EPOCHS epochs)"
fi
echo "up5k: training $best_arch for $UP5K_EPOCHS epochs"

# ---- 3. the winner, trained in full --------------------------------------------------------------
tr=$("$Q2MLP" train --arch "$best_arch" --epochs "$UP5K_EPOCHS" --seed 1 "${data[@]}" \
     -o "$models/up5k.mlp") || die "training $best_arch failed"
echo "up5k: $tr"
pk=$("$Q2MLP" pack --model "$models/up5k.mlp" "${pack_sel[@]}" --lanes "$LANES" \
     --images "$TRAIN_IMAGES" --labels "$TRAIN_LABELS" --save-float "$models/up5k.2bit.mlp" --quiet \
     -o "$models/up5k.q2") || die "packing up5k failed"
echo "up5k: $pk"

test_set=(--images "$TEST_IMAGES" --labels "$TEST_LABELS")
acc() { [ -f "$1" ] && kv accuracy "$("$Q2MLP" eval --model "$1" "${test_set[@]}")" || echo "n/a"; }
uf=$(acc "$models/up5k.mlp") u2=$(acc "$models/up5k.2bit.mlp") ui=$(acc "$models/up5k.q2")
pf=$(acc "$models/paper.mlp") p2=$(acc "$models/paper.2bit.mlp") pi=$(acc "$models/paper.q2")
ub=$(stat -c %s "$models/up5k.q2") pb=$( [ -f "$models/paper.q2" ] && stat -c %s "$models/paper.q2" || echo "n/a")

line="up5k=$best_arch float=$uf twobit=$u2 bitexact=$ui q2_bytes=$ub paper_float=$pf paper_twobit=$p2 paper_bitexact=$pi"
echo "$line" > "$REPORT/up5k.txt"
{
    echo "Candidates ($UP5K_QUICK_EPOCHS epochs each, seed 1, packed with $sel_txt at $LANES lanes;"
    echo "chosen on the bit-exact validation accuracy, the last 5000 training images):"
    echo
    cat "$table"
    echo
    echo "Test accuracy (%, MNIST test set, 10000 images) after $UP5K_EPOCHS epochs:"
    echo
    echo "| preset | topology | .q2 bytes | float | 2-bit, float activations | 2-bit bit-exact (integer) |"
    echo "|---|---|---:|---:|---:|---:|"
    echo "| up5k | $best_arch | $ub | $uf | $u2 | $ui |"
    echo "| paper | 784-512-512-10 | $pb | $pf | $p2 | $pi |"
} > "$REPORT/up5k.md"
cat "$REPORT/up5k.md"
echo "up5k: $line ($((SECONDS - t0)) s)"
