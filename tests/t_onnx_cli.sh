#!/usr/bin/env bash
# t_onnx_cli.sh — q2mlp export --onnx and import --onnx (docs/onnx.md): the tiny .mlp exported and
# imported back bit for bit; the .q2 export valid for onnx.checker, run by a NumPy evaluator of the
# graph and by q2mlp (as an imported .mlp), its accuracy beside the bit-exact one; the variants the
# converters write (MatMul + Add with either input order, Reshape from a Constant, Gemm transB 0,
# float_data, no bias, a final Softmax, opsets 9..17: the same weights as the .npy import of the
# same arrays); every refusal with its message naming the node and op, exit 1 and no output file
# (an existing one untouched); truncated and corrupt files; usage errors. The models are made by
# tests/onnx_models.py with the system python's onnx.helper; without python3-onnx those checks are
# skipped (the rest runs). ONNX Runtime (npm's onnxruntime-node, tests/onnx_ort.js) is used when
# node can load it, never required.
. "$(dirname "$0")/lib.sh"
cd "$root"
need_files "$TINY_MLP" "$TINY_Q2"
need_mnist
PY=/usr/bin/python3
have_onnx=0
"$PY" -c 'import onnx, numpy' 2>/dev/null && have_onnx=1

# ---- export -> import of the float model ------------------------------------------------------------
check_quiet "export --onnx of tiny.mlp" "$Q2MLP" export --onnx --model "$TINY_MLP" -o "$tmp/tiny.onnx"
check "its stdout line" has out '^model=.*tiny.onnx source=.* kind=float arch=784-64-10 opset=13 bytes=[0-9]+$'
check_quiet "import --onnx of the export" "$Q2MLP" import --onnx "$tmp/tiny.onnx" -o "$tmp/back.mlp"
check "its stdout line" has out '^model=.*back.mlp arch=784-64-10 params=50890 opset=13 source='
check "tiny.mlp -> ONNX -> .mlp: the same file byte for byte" cmp "$TINY_MLP" "$tmp/back.mlp"
"$Q2MLP" export --onnx --model "$TINY_MLP" -o "$tmp/tiny2.onnx" > /dev/null 2>&1
check "two exports of one model are the same bytes" cmp "$tmp/tiny.onnx" "$tmp/tiny2.onnx"

# ---- export of the 2-bit model -----------------------------------------------------------------------
check_quiet "export --onnx of tiny.q2" "$Q2MLP" export --onnx --model "$TINY_Q2" -o "$tmp/tiny_q2.onnx"
check "its stdout line says kind=2bit" has out 'kind=2bit arch=784-64-10 opset=13'
check_quiet "the .q2 export imports" "$Q2MLP" import --onnx "$tmp/tiny_q2.onnx" -o "$tmp/deq.mlp"
int=$("$Q2MLP" eval --model "$TINY_Q2" | grep -o 'correct=[0-9]*' | cut -d= -f2)
flt=$("$Q2MLP" eval --model "$tmp/deq.mlp" | grep -o 'correct=[0-9]*' | cut -d= -f2)
echo "# tiny.q2 on 10000 test images: bit-exact integer $int correct, its float export $flt correct"
close() { local d=$(( $1 - $2 )); [ "${d#-}" -le 50 ]; }
close2() { local d=$(( $1 - $2 )); [ "${d#-}" -le 2 ]; }
check "the float export of tiny.q2 is within 50 images (0.5 pt) of the bit-exact model" close "${int:-0}" "${flt:-99999}"

# ---- refusals of bad files and usage -------------------------------------------------------------------
head -c 200 "$tmp/tiny.onnx" > "$tmp/trunc.onnx"
check_quiet "a truncated file: exit 1" exits 1 "$Q2MLP" import --onnx "$tmp/trunc.onnx" -o "$tmp/t.mlp"
check "  the message names the file" has err 'onnx_import: import .*trunc.onnx failed: '
check "  no output file" test ! -e "$tmp/t.mlp"
head -c 100000 /dev/urandom > "$tmp/junk.onnx"
check_quiet "random bytes: exit 1" exits 1 "$Q2MLP" import --onnx "$tmp/junk.onnx" -o "$tmp/t.mlp"
check_quiet "a .q2 given as ONNX: exit 1" exits 1 "$Q2MLP" import --onnx "$TINY_Q2" -o "$tmp/t.mlp"
check_quiet "a missing file: exit 1" exits 1 "$Q2MLP" import --onnx "$tmp/none.onnx" -o "$tmp/t.mlp"
check_quiet "--arch that differs: exit 1" exits 1 "$Q2MLP" import --onnx "$tmp/tiny.onnx" --arch 784-65-10 -o "$tmp/t.mlp"
check "  no output file" test ! -e "$tmp/t.mlp"
check_quiet "--arch that matches: exit 0" "$Q2MLP" import --onnx "$tmp/tiny.onnx" --arch 784-64-10 -o "$tmp/t.mlp"
check_quiet "export without --onnx: exit 1" exits 1 "$Q2MLP" export --model "$TINY_MLP" -o "$tmp/x.onnx"
check_quiet "export of a missing model: exit 1" exits 1 "$Q2MLP" export --onnx --model "$tmp/none.mlp" -o "$tmp/x.onnx"
check_quiet "export to a directory: exit 1" exits 1 "$Q2MLP" export --onnx --model "$TINY_MLP" -o "$tmp"
check_quiet "export --help: exit 0" "$Q2MLP" export --help
check "  it says what the .q2 export means" has out 'Not bit-exact'
check_quiet "import --onnx --help: exit 0" "$Q2MLP" import --onnx --help
has_export() { "$Q2MLP" --help | grep -q '^  export '; }
check_quiet "the command list names export" has_export

# ---- python-made models --------------------------------------------------------------------------------
if [ $have_onnx = 0 ]; then
    echo "# $PY has no onnx/numpy (python3-onnx, python3-numpy): the checks of python-made models are skipped"
    summary
fi
check_quiet "onnx.checker accepts both exports" "$PY" tests/onnx_models.py check "$tmp/tiny.onnx" "$tmp/tiny_q2.onnx"
"$PY" tests/onnx_models.py eval "$tmp/tiny.onnx" "$TEI" "$TEL" > "$tmp/np_eval" 2>&1
mlp_c=$("$Q2MLP" eval --model "$TINY_MLP" | grep -o 'correct=[0-9]*' | cut -d= -f2)
np_c=$(grep -o 'correct=[0-9]*' "$tmp/np_eval" | cut -d= -f2)
echo "# tiny.mlp: q2mlp eval $mlp_c correct, its ONNX export run in NumPy $np_c"
check "a NumPy run of the exported graph: the same correct count as q2mlp eval" test "${np_c:-x}" = "$mlp_c"
"$PY" tests/onnx_models.py eval "$tmp/tiny_q2.onnx" "$TEI" "$TEL" > "$tmp/np_eval" 2>&1
np_q=$(grep -o 'correct=[0-9]*' "$tmp/np_eval" | cut -d= -f2)
echo "# tiny.q2's float export: q2mlp (as .mlp) $flt correct, NumPy $np_q"
check "the .q2 export in NumPy: the same correct count as in q2mlp" test "${np_q:-x}" = "$flt"
# ONNX Runtime, when it is there (never required; not a Debian package): npm's onnxruntime-node
# through tests/onnx_ort.js. The same images as NumPy's run; the count may differ by an image or
# two where ORT's summation order moves a near-tie, so the check allows 2.
# `make test` installs it with the peer benchmark's pin (sw/bench.mk bench-peers-deps, ORT_DIR).
[ -z "${ORT_DIR:-}" ] || export NODE_PATH="$ORT_DIR/node_modules${NODE_PATH:+:$NODE_PATH}"
if command -v node >/dev/null 2>&1 && node -e "require('onnxruntime-node')" 2>/dev/null; then
    for m in tiny tiny_q2; do
        want=$([ $m = tiny ] && echo "$np_c" || echo "$np_q")
        ort=$(node tests/onnx_ort.js "$tmp/$m.onnx" "$TEI" "$TEL" 2>&1)
        echo "# $m.onnx in ONNX Runtime: $ort (NumPy: correct=$want)"
        got=$(kv correct "$ort")
        check "ONNX Runtime runs $m.onnx: within 2 images of NumPy's count" close2 "${got:-99999}" "${want:-0}"
    done
else
    echo "# onnxruntime-node is not resolvable by node (NODE_PATH): ONNX Runtime not run (optional)"
fi

check_quiet "tests/onnx_models.py makes the test models" "$PY" tests/onnx_models.py make "$tmp/m"
same_as_npy() {  # stem: STEM.onnx and the .npy files in STEM/ give the same .mlp
    "$Q2MLP" import --onnx "$1.onnx" -o "$1.mlp" && "$Q2MLP" import --dir "$1" -o "$1.npy.mlp" && cmp "$1.mlp" "$1.npy.mlp"
}
for f in "$tmp"/m/good_*.onnx; do
    check_quiet "$(basename "${f%.onnx}"): accepted, the weights equal the .npy import's bit for bit" same_as_npy "${f%.onnx}"
done
echo keep > "$tmp/existing.mlp"
refused() {  # name regex: exit 1, the message, no new file, an existing output untouched
    exits 1 "$Q2MLP" import --onnx "$tmp/m/bad_$1.onnx" -o "$tmp/new.mlp" 2> "$tmp/err" || return 1
    grep -Eq "$2" "$tmp/err" || { echo "message: $(cat "$tmp/err")"; return 1; }
    [ ! -e "$tmp/new.mlp" ] || { echo "an output file was written"; return 1; }
    "$Q2MLP" import --onnx "$tmp/m/bad_$1.onnx" -o "$tmp/existing.mlp" 2> /dev/null
    [ "$(cat "$tmp/existing.mlp")" = keep ] || { echo "an existing output was changed"; return 1; }
    sed 's/^/    /' "$tmp/err"
}
while IFS=$'\t' read -r name regex; do
    check "bad_$name refused" refused "$name" "$regex"
done < "$tmp/m/bad.txt"
summary
