#!/usr/bin/env bash
# splice_readme.sh — replace the lines between the two marker comments of README.md with a file.
#
#   splice_readme.sh README.md TABLE.md [NAME]
#
# Markers (each alone on its line), without NAME:
#   <!-- boards-table:begin (make report) -->
#   <!-- boards-table:end -->
# with NAME (e.g. study-full):
#   <!-- NAME:begin (make docs) -->
#   <!-- NAME:end -->
# The markers stay; everything between them is replaced. Fails, changing nothing, when the markers
# are missing or out of order. The README is rewritten atomically (temporary file + mv).
set -euo pipefail

die() { echo "splice_readme.sh: $*" >&2; exit 1; }
[ $# -eq 2 ] || [ $# -eq 3 ] || die "usage: splice_readme.sh README.md TABLE.md [NAME]"
readme=$1 table=$2 name=${3:-}
[ -r "$readme" ] || die "cannot read $readme"
[ -r "$table" ] || die "cannot read $table"

begin='<!-- boards-table:begin (make report) -->'
end='<!-- boards-table:end -->'
if [ -n "$name" ]; then
    begin="<!-- $name:begin (make docs) -->"
    end="<!-- $name:end -->"
fi
b=$(grep -nxF -- "$begin" "$readme" | cut -d: -f1 | head -n1)
e=$(grep -nxF -- "$end" "$readme" | cut -d: -f1 | head -n1)
[ -n "$b" ] && [ -n "$e" ] && [ "$b" -lt "$e" ] ||
    die "$readme: need the lines '$begin' and then '$end'"

tmp=$(mktemp "$readme.XXXXXX")
trap 'rm -f "$tmp"' EXIT
{ head -n "$b" "$readme"; cat "$table"; tail -n "+$e" "$readme"; } > "$tmp"
chmod --reference="$readme" "$tmp"
mv "$tmp" "$readme"
trap - EXIT
