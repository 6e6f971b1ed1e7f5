#!/usr/bin/env bash
# t_files_cli.sh — how the CLI reads and writes files (issue 16): outputs never replace a device,
# a FIFO or a symlink (a link is followed), in-place writes are checked (a full disk is exit 1);
# inputs may be pipes; a failed command leaves none of its outputs; stdout is checked at exit;
# a directory as input is named as such; eval reports the bad magic of the .q2 it was given; the
# same for ONNX export and import.
# Uses $Q2MLP (the sanitized CLI), $BIN, $BUILD (fixture tiny.mlp) and $MNIST_DIR.
# Never names a system node (/dev/null, /dev/full, /dev/stdout) as an output: an old binary run
# as root would rename over it. Private nodes come from mknod in the temp dir (root only).
. "$(dirname "$0")/lib.sh"
case $Q2MLP in /*) ;; *) Q2MLP=$PWD/$Q2MLP ;; esac

if [ ! -f "$TINY_MLP" ] || [ ! -f "$TRI" ] || [ ! -f "$TEI" ]; then
    skip "$TINY_MLP or the MNIST files in $MNIST_DIR are absent (make test builds the fixture)"
fi
TINY_MLP=$(realpath "$TINY_MLP"); TRI=$(realpath "$TRI"); TRL=$(realpath "$TRL")
pack() { "$Q2MLP" pack --model "$TINY_MLP" --scope layer --rule opt --lanes 8 --calib 200 --val 0 --quiet "$@"; }
pack -o "$tmp/ref.q2" >/dev/null || die "cannot pack the fixture"
size=$(stat -c %s "$tmp/ref.q2")
crc=$("$Q2MLP" info "$tmp/ref.q2" | awk '$1 == "crc" { print $2 }')
mknod "$tmp/null" c 1 3 2>/dev/null && mknod "$tmp/full" c 1 7 2>/dev/null && nodes=1 || nodes=0

# ---- bug 1: outputs replace only regular files ----------------------------------------------------
if [ $nodes = 1 ]; then
    check_quiet "pack -o <a character device (null)>: exit 0, the node is still a character device" \
        bash -c "cd '$tmp' && '$Q2MLP' pack --model '$TINY_MLP' --lanes 8 --calib 200 --val 0 --quiet \
                 --images '$TRI' --labels '$TRL' -o null >/dev/null && [ -c '$tmp/null' ]"
    check_quiet "pack -o <a full device>: exit 1, 'No space left on device', the node stays" \
        bash -c "'$Q2MLP' pack --model '$TINY_MLP' --lanes 8 --calib 200 --val 0 --quiet -o '$tmp/full' >/dev/null 2>'$tmp/e2'; \
                 [ \$? -eq 1 ] && grep -q 'No space left on device' '$tmp/e2' && [ -c '$tmp/full' ]"
    check_quiet "import -o <a full device>: exit 1 with a message" \
        bash -c "printf '\\x93NUMPY' > '$tmp/w0.npy'; '$Q2MLP' import --npy '$tmp/w0.npy' '$tmp/w0.npy' -o '$tmp/full' 2>'$tmp/e3'; \
                 [ \$? -eq 1 ] && [ -s '$tmp/e3' ] && [ -c '$tmp/full' ]"
else
    echo "    SKIP device checks: mknod is not permitted here (needs root)"
fi
ln -s target.q2 "$tmp/link.q2"
check_quiet "pack -o <a symlink to a new file>: the link stays, its target is written" \
    bash -c "'$Q2MLP' pack --model '$TINY_MLP' --lanes 8 --calib 200 --val 0 --quiet -o '$tmp/link.q2' >/dev/null && \
             [ -L '$tmp/link.q2' ] && cmp -s '$tmp/target.q2' '$tmp/ref.q2'"
mkdir "$tmp/d"; ln -s ../target.q2 "$tmp/d/rel.q2"; echo old > "$tmp/target.q2"
check_quiet "pack -o <a relative symlink to an existing file>: the link stays, the target is replaced" \
    bash -c "'$Q2MLP' pack --model '$TINY_MLP' --lanes 8 --calib 200 --val 0 --quiet -o '$tmp/d/rel.q2' >/dev/null && \
             [ -L '$tmp/d/rel.q2' ] && cmp -s '$tmp/target.q2' '$tmp/ref.q2' && ! ls '$tmp'/*.tmp.* '$tmp'/d/*.tmp.* 2>/dev/null"
check_quiet "pack -o - : the image on stdout (then the key=value line), no file named '-'" \
    bash -c "cd '$tmp' && '$Q2MLP' pack --model '$TINY_MLP' --lanes 8 --calib 200 --val 0 --quiet \
             --images '$TRI' --labels '$TRL' -o - > '$tmp/stdout.bin' && \
             head -c $size '$tmp/stdout.bin' | cmp -s - '$tmp/ref.q2' && tail -c +$((size + 1)) '$tmp/stdout.bin' | grep -q '^model=-' && \
             [ ! -e '$tmp/-' ]"
check_quiet "pack -o <a directory>: exit 1, 'is a directory'" \
    bash -c "[ \$('$Q2MLP' pack --model '$TINY_MLP' --lanes 8 --calib 200 --val 0 --quiet -o '$tmp/d' >/dev/null 2>'$tmp/e4'; echo \$?) = 1 ] \
             && grep -q 'is a directory' '$tmp/e4' && [ -d '$tmp/d' ]"

# ---- bug 2: input from a pipe -----------------------------------------------------------------------
check_quiet "info <(cat x.q2): exit 0, the same CRC" bash -c "'$Q2MLP' info <(cat '$tmp/ref.q2') | grep -q 'crc  *$crc'"
check_quiet "cat x.q2 | info /dev/stdin: exit 0, the same CRC" bash -c "cat '$tmp/ref.q2' | '$Q2MLP' info /dev/stdin | grep -q 'crc  *$crc'"
check_quiet "eval --model <(cat x.q2) --engine both: exit 0, accuracy line" \
    bash -c "'$Q2MLP' eval --model <(cat '$tmp/ref.q2') --images '$TEI' --labels '$TEL' --engine both --limit 200 | grep -q '^accuracy='"
check_quiet "eval --model <(cat tiny.mlp) --threads 1: exit 0 (float model from a pipe)" \
    bash -c "'$Q2MLP' eval --model <(cat '$TINY_MLP') --threads 1 --images '$TEI' --labels '$TEL' | grep -q '^accuracy='"
check_quiet "a pipe longer than the .q2 bound (64 MiB): exit 1, 'more than ... bytes'" \
    bash -c "head -c 70M /dev/zero | '$Q2MLP' info /dev/stdin 2>'$tmp/e5'; [ \$? -eq 1 ] && grep -q 'more than [0-9]* bytes' '$tmp/e5'"
check_quiet "an empty pipe: exit 1 with a message" \
    bash -c "'$Q2MLP' info /dev/stdin </dev/null 2>'$tmp/e6'; [ \$? -eq 1 ] && [ -s '$tmp/e6' ]"

# ---- bug 6: all outputs or none -------------------------------------------------------------------
check_quiet "pack --save-float /proc/x.mlp -o sf.q2: exit 1, no sf.q2, no temp file" \
    bash -c "'$Q2MLP' pack --model '$TINY_MLP' --lanes 8 --calib 200 --val 0 --quiet --save-float /proc/x.mlp -o '$tmp/sf.q2' >/dev/null 2>&1; \
             [ \$? -eq 1 ] && [ ! -e '$tmp/sf.q2' ] && ! ls '$tmp'/*.tmp.* 2>/dev/null"
check_quiet "pack --save-float <a directory> -o sf.q2: exit 1, no sf.q2" \
    bash -c "'$Q2MLP' pack --model '$TINY_MLP' --lanes 8 --calib 200 --val 0 --quiet --save-float '$tmp/d' -o '$tmp/sf.q2' >/dev/null 2>&1; \
             [ \$? -eq 1 ] && [ ! -e '$tmp/sf.q2' ]"
if [ $nodes = 1 ]; then
    check_quiet "pack --save-float <full device> -o sf.q2: exit 1, no sf.q2" \
        bash -c "'$Q2MLP' pack --model '$TINY_MLP' --lanes 8 --calib 200 --val 0 --quiet --save-float '$tmp/full' -o '$tmp/sf.q2' >/dev/null 2>&1; \
                 [ \$? -eq 1 ] && [ ! -e '$tmp/sf.q2' ]"
    check_quiet "pack --save-float sf.mlp -o <full device>: exit 1, no sf.mlp" \
        bash -c "'$Q2MLP' pack --model '$TINY_MLP' --lanes 8 --calib 200 --val 0 --quiet --save-float '$tmp/sf.mlp' -o '$tmp/full' >/dev/null 2>&1; \
                 [ \$? -eq 1 ] && [ ! -e '$tmp/sf.mlp' ]"
fi
check_quiet "pack --save-float sf.mlp -o sf.q2 (both fine): exit 0, both written, no temp file" \
    bash -c "'$Q2MLP' pack --model '$TINY_MLP' --lanes 8 --calib 200 --val 0 --quiet --save-float '$tmp/sf.mlp' -o '$tmp/sf.q2' >/dev/null && \
             cmp -s '$tmp/sf.q2' '$tmp/ref.q2' && [ -s '$tmp/sf.mlp' ] && ! ls '$tmp'/*.tmp.* 2>/dev/null"
check_quiet "pack --save-float x -o x (the same file twice): exit 1, nothing written" \
    bash -c "'$Q2MLP' pack --model '$TINY_MLP' --lanes 8 --calib 200 --val 0 --quiet --save-float '$tmp/same' -o '$tmp/same' >/dev/null 2>&1; \
             [ \$? -eq 1 ] && [ ! -e '$tmp/same' ]"
check_quiet "study with a failing plotter (--gnuplot false): exit 1, no report file appears" \
    bash -c "'$Q2MLP' study --model '$TINY_MLP' --points 2 --val 200 --test-limit 200 --quiet --gnuplot false --out '$tmp/rep' >/dev/null 2>&1; \
             [ \$? -eq 1 ] && [ -z \"\$(ls -A '$tmp/rep' 2>/dev/null)\" ]"
check_quiet "study (no plotter): exit 0, every report file, no temp file" \
    bash -c "'$Q2MLP' study --model '$TINY_MLP' --points 2 --val 200 --test-limit 200 --quiet --gnuplot '' --out '$tmp/rep2' >/dev/null && \
             for f in study.csv study.md best.txt sweep_global.csv sweep_layer.csv sweep_neuron.csv; do [ -s '$tmp/rep2/'\$f ] || exit 1; done; \
             ! ls '$tmp'/rep2/*.tmp.* 2>/dev/null"
if command -v gnuplot >/dev/null; then
    check_quiet "study with gnuplot: exit 0, sweep.gp names the final files, SVGs written, no temp file" \
        bash -c "'$Q2MLP' study --model '$TINY_MLP' --points 2 --val 200 --test-limit 200 --quiet --out '$tmp/rep3' >/dev/null && \
                 grep -q '<svg' '$tmp/rep3/sweep_layer.svg' && ! grep -q '\\.tmp\\.[0-9]' '$tmp/rep3/sweep.gp' && ! ls '$tmp'/rep3/*.tmp.* 2>/dev/null"
fi

# ---- misleading errors ------------------------------------------------------------------------------
check_quiet "info x.q2 > /dev/full: exit 1, 'write to stdout failed: No space left on device'" \
    bash -c "'$Q2MLP' info '$tmp/ref.q2' > /dev/full 2>'$tmp/e7'; [ \$? -eq 1 ] && grep -q 'write to stdout failed: No space left on device' '$tmp/e7'"
check_quiet "q2mlp --help > /dev/full: exit 1" bash -c "'$Q2MLP' --help > /dev/full 2>/dev/null; [ \$? -eq 1 ]"
check_quiet "q2mlp-host --help > /dev/full: exit 1" \
    bash -c "'$ASAN_BIN/q2mlp-host' --help > /dev/full 2>'$tmp/e9'; [ \$? -eq 1 ] && grep -q 'write to stdout failed' '$tmp/e9'"
if [ -x "$BIN/q2mlp-board-sim" ]; then
    check_quiet "q2mlp-board-sim --help > /dev/full: exit 1" \
        bash -c "'$BIN/q2mlp-board-sim' --help > /dev/full 2>'$tmp/e8'; [ \$? -eq 1 ] && grep -q 'write to stdout failed' '$tmp/e8'"
fi
check_quiet "info <a directory>: exit 1, 'is a directory' (no absurd size)" \
    bash -c "'$Q2MLP' info '$tmp/d' 2>'$tmp/e9'; [ \$? -eq 1 ] && grep -q 'is a directory' '$tmp/e9' && ! grep -q 9223372036854775807 '$tmp/e9'"
check_quiet "eval --model <a directory>: exit 1, 'is a directory'" \
    bash -c "'$Q2MLP' eval --model '$tmp/d' 2>'$tmp/e10'; [ \$? -eq 1 ] && grep -q 'is a directory' '$tmp/e10'"
printf 'XXXX' > "$tmp/bad.q2"; cat "$tmp/ref.q2" >> "$tmp/bad.q2"
check_quiet "eval --model bad-magic.q2 --engine both: exit 1, 'bad magic', not 'unknown option'" \
    bash -c "'$Q2MLP' eval --model '$tmp/bad.q2' --engine both 2>'$tmp/e11'; [ \$? -eq 1 ] && grep -q 'bad magic' '$tmp/e11' && \
             ! grep -q 'unknown option' '$tmp/e11'"
cp "$tmp/bad.q2" "$tmp/bad.img"
check_quiet "eval --model bad-magic (no extension) --limit 10: exit 1, the .q2 loader's 'bad magic'" \
    bash -c "'$Q2MLP' eval --model '$tmp/bad.img' --limit 10 2>'$tmp/e12'; [ \$? -eq 1 ] && grep -q 'bad magic' '$tmp/e12' && \
             ! grep -q 'unknown option' '$tmp/e12'"

# ---- ONNX (docs/onnx.md): the same rules for export --onnx and import --onnx ------------------------
"$Q2MLP" export --onnx --model "$TINY_MLP" -o "$tmp/ref.onnx" > /dev/null || die "cannot export the fixture"
osize=$(stat -c %s "$tmp/ref.onnx")
check_quiet "import --onnx <(cat x.onnx): exit 0, the fixture's .mlp" \
    bash -c "'$Q2MLP' import --onnx <(cat '$tmp/ref.onnx') -o '$tmp/pipe.mlp' >/dev/null && cmp -s '$tmp/pipe.mlp' '$TINY_MLP'"
ln -s onnx-target.onnx "$tmp/link.onnx"
check_quiet "export --onnx -o <a symlink>: the link stays, its target is written" \
    bash -c "'$Q2MLP' export --onnx --model '$TINY_MLP' -o '$tmp/link.onnx' >/dev/null && [ -L '$tmp/link.onnx' ] && \
             cmp -s '$tmp/onnx-target.onnx' '$tmp/ref.onnx'"
check_quiet "export --onnx -o - : the model on stdout (then the key=value line), no file named '-'" \
    bash -c "cd '$tmp' && '$Q2MLP' export --onnx --model '$TINY_MLP' -o - > '$tmp/o.bin' && \
             head -c $osize '$tmp/o.bin' | cmp -s - '$tmp/ref.onnx' && tail -c +$((osize + 1)) '$tmp/o.bin' | grep -q '^model=-' && \
             [ ! -e '$tmp/-' ]"
if [ $nodes = 1 ]; then
    check_quiet "export --onnx -o <a full device>: exit 1, 'No space left on device', the node stays" \
        bash -c "'$Q2MLP' export --onnx --model '$TINY_MLP' -o '$tmp/full' >/dev/null 2>'$tmp/e13'; \
                 [ \$? -eq 1 ] && grep -q 'No space left on device' '$tmp/e13' && [ -c '$tmp/full' ]"
    check_quiet "import --onnx -o <a full device>: exit 1 with a message" \
        bash -c "'$Q2MLP' import --onnx '$tmp/ref.onnx' -o '$tmp/full' >/dev/null 2>'$tmp/e14'; \
                 [ \$? -eq 1 ] && grep -q 'No space left on device' '$tmp/e14' && [ -c '$tmp/full' ]"
fi
check_quiet "import --onnx <a directory>: exit 1, 'is a directory'" \
    bash -c "'$Q2MLP' import --onnx '$tmp/d' -o '$tmp/dir.mlp' 2>'$tmp/e15'; [ \$? -eq 1 ] && grep -q 'is a directory' '$tmp/e15' && \
             [ ! -e '$tmp/dir.mlp' ]"

summary
