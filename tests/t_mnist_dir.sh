#!/usr/bin/env bash
# t_mnist_dir.sh — a user-supplied MNIST_DIR is checked as IDX, used, and never written to
# (issue 16, bug 7). Builds a small non-MNIST IDX set in a temporary folder (6000 training and 700
# test images cut from MNIST, labels shifted by one class, so no file matches MNIST's sha256), then:
#   * `q2mlp data --dir` accepts it and reports its own counts;
#   * `make MNIST_DIR=... data` accepts it and leaves every byte and the file list unchanged;
#   * broken copies (bad magic, label count disagreeing with the images, file shorter than its
#     header says) make `make data` fail, naming the file and what was expected, untouched;
#   * the tiny-model training rule run with that MNIST_DIR trains on it (n_train=1000, which only
#     this set gives; MNIST gives 5000).
. "$(dirname "$0")/lib.sh"
MAKE=${MAKE:-make}
sums() { (cd "$1" && ls -A | sort && sha256sum -- *); } # the file list and every file's sha256
mk() { $MAKE -s --no-print-directory BUILD="$BUILD" "$@"; }

need_mnist

# be32 N: N as 4 big-endian bytes. idx_images N SRC / idx_labels N SRC: the first N items of SRC.
be32() { printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))"
         printf "\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"; }
idx_images() { printf '\x00\x00\x08\x03'; be32 "$1"; be32 28; be32 28; tail -c +17 "$2" | head -c $(($1 * 784)); }
idx_labels() { printf '\x00\x00\x08\x01'; be32 "$1"; tail -c +9 "$2" | head -c "$1" | tr '\000-\011' '\001-\011\000'; }
D=$tmp/custom
mkdir -p "$D"
idx_images 6000 "$TRI" > "$D/train-images-idx3-ubyte"
idx_labels 6000 "$TRL" > "$D/train-labels-idx1-ubyte"
idx_images 700 "$TEI" > "$D/t10k-images-idx3-ubyte"
idx_labels 700 "$TEL" > "$D/t10k-labels-idx1-ubyte"
sums "$D" > "$tmp/before"

echo "q2mlp data"
check "q2mlp data --dir custom exits 0" test "$(status "$BIN/q2mlp" data --dir "$D")" = 0
check "  ... and reports train=6000 test=700 rows=28 cols=28" has out 'train=6000 test=700 rows=28 cols=28'
check "q2mlp data --help exits 0" test "$(status "$BIN/q2mlp" data --help)" = 0

echo "make data with a user MNIST_DIR"
check "make MNIST_DIR=custom data exits 0" test "$(status mk MNIST_DIR="$D" data)" = 0
check "  ... says the directory is the user's and is not fetched" has out 'is yours.*not fetching'
check "  ... and reports its counts" has out 'train=6000 test=700'
sums "$D" > "$tmp/after"
check "  ... every file byte-identical, no file added (no .verified)" cmp -s "$tmp/before" "$tmp/after"

bad() {  # name, file, what the error must say: a copy of the set with that file replaced by stdin
    local name=$1 file=$2 want=$3 B=$tmp/bad-$n
    cp -r "$D" "$B"
    cat > "$B/$file"
    sums "$B" > "$tmp/bad-before"
    check "$name: make data fails" test "$(status mk MNIST_DIR="$B" data)" != 0
    check "  ... naming $file and: $want" grep -q -- "$file.*$want" "$tmp/err"
    sed 's/^/        | /' "$tmp/err"
    sums "$B" > "$tmp/bad-after"
    check "  ... and leaves the directory as it was" cmp -s "$tmp/bad-before" "$tmp/bad-after"
}
bad "bad magic" t10k-images-idx3-ubyte 'bad magic 0x00000801, need 0x00000803' \
    < <(idx_images 700 "$TEI" | { printf '\x00\x00\x08\x01'; tail -c +5; })
bad "label count" t10k-labels-idx1-ubyte 'count 699, need 700' < <(idx_labels 699 "$TEL")
bad "short file" train-images-idx3-ubyte 'bad file length 1000000' < <(idx_images 6000 "$TRI" | head -c 1000000)
bad "label 12" t10k-labels-idx1-ubyte 'label 12 of item 699, need 0..9' \
    < <(printf '\x00\x00\x08\x01\x00\x00\x02\xbc'; head -c 699 /dev/zero; printf '\x0c')

echo "the data is used"
M=$tmp/used.mlp
check "make MNIST_DIR=custom trains the tiny model rule" \
    test "$(status mk MNIST_DIR="$D" TINY_MLP="$M" "$M")" = 0
check "  ... on the custom set: n_train=1000 (MNIST gives 5000)" grep -q 'n_train=1000 n_val=5000' "${M%.mlp}.log"
sums "$D" > "$tmp/after"
check "  ... and the directory is still untouched" cmp -s "$tmp/before" "$tmp/after"

summary
