#!/usr/bin/env bash
# t_codes.sh — every shared code has one home (docs/architecture.md, "Codes"): the tables
# rtl/core/codes.tbl and rtl/link/codes.tbl. Checks that
#   * the generated headers in $BUILD/gen are those of the tables (rtl/core/gen_codes.sh), and the
#     generator refuses a table with a value too wide, two names for one value, a bad reference;
#   * the Verilog include and the C header say the same: a Verilog program (Icarus) and a C program
#     print every name, and both lists equal the table (so RTL and C cannot disagree);
#   * no source file defines its own copy of a code (a localparam, enum constant or #define of a
#     table's name, or of the names the copies had before: OP_*, ERR_*, REG_*, STATUS_* ...), and
#     every Verilog file that uses a code includes the header that holds it;
#   * the tables of docs/accelerator.md (ops, err codes, registers, STATUS bits) and
#     docs/protocol.md (sync bytes, commands, status bytes, CFG0, FEATURES, the core registers of
#     the response words) agree with the tables. The docs keep their own prose; names and values
#     are checked here.
. "$(dirname "$0")/lib.sh"
cd "$root"
CODES_INC=${CODES_INC:--I$BUILD/gen}
CC=${CC:-cc}
IVERILOG=${IVERILOG:-iverilog}
VVP=${VVP:-vvp}
gen=rtl/core/gen_codes.sh
core_t=rtl/core/codes.tbl
link_t=rtl/link/codes.tbl

same() {  # same EXPECTED ACTUAL: equal files, else the diff
    diff "$1" "$2" > "$tmp/diff" && return 0
    sed 's/^/    /' "$tmp/diff" | head -n 20; return 1
}

# ---- the generator ---------------------------------------------------------------------------------
"$gen" list "$core_t" "$link_t" > "$tmp/core.list" && "$gen" list "$link_t" "$core_t" > "$tmp/link.list" ||
    { echo "gen_codes.sh list failed"; echo "FAILED"; exit 1; }
cat "$tmp/core.list" "$tmp/link.list" > "$tmp/all.list"

fresh() {
    local t f
    for t in core link; do
        for f in vh h; do
            "$gen" "$f" "rtl/$t/codes.tbl" $([ $t = core ] && echo "$link_t" || echo "$core_t") > "$tmp/q2_${t}_codes.$f" &&
                same "$tmp/q2_${t}_codes.$f" "$BUILD/gen/q2_${t}_codes.$f" || { echo "    ($BUILD/gen/q2_${t}_codes.$f)"; return 1; }
        done
    done
}
check "the headers in $BUILD/gen are what the tables generate" fresh

refuses() {  # refuses "message" table lines...: the generator stops with the message
    mkdir -p "$tmp/bad"
    printf '%s\n' "${@:2}" > "$tmp/bad/codes.tbl"
    ! "$gen" vh "$tmp/bad/codes.tbl" "$core_t" > /dev/null 2> "$tmp/bad/err" && grep -q "$1" "$tmp/bad/err" ||
        { cat "$tmp/bad/err"; return 1; }
}
check "the generator refuses a value wider than its group" refuses "does not fit 3 bits" "group g 3 G_ Q2G_" "A 8 x"
check "the generator refuses two names for one value" refuses "is A already" "group g 8 G_ Q2G_" "A 1 x" "B 0x01 y"
check "the generator refuses an unknown reference" refuses "no such code" "group g 8 G_ Q2G_" "A =err.NOPE x"
check "the generator refuses a name another table defines" refuses "OP_START is defined twice" "group g 3 OP_ Q2G_" "START 1 x"

# ---- Verilog and C say what the table says ----------------------------------------------------------
# canonical lines: "group.NAME code VALUE WIDTH" | "group.NAME bit B" | "group.NAME field H:L"
awk '$1 == "code" { print $2 "." $3, "code", $6, $7 }
     $1 == "bit"  { print $2 "." $3, "bit", $6 }
     $1 == "field" { print $2 "." $3, "field", $6 ":" $7 }' "$tmp/all.list" | sort > "$tmp/want"

{   echo 'module t;'
    echo '`include "q2_core_codes.vh"'
    echo '`include "q2_link_codes.vh"'
    echo 'initial begin'
    awk '$1 == "code"  { printf "    $display(\"%s.%s code %%0d %%b\", %s, %s);\n", $2, $3, $4, $4 }
         $1 == "bit"   { printf "    $display(\"%s.%s bit %%0d\", %s);\n", $2, $3, $4 }
         $1 == "field" { printf "    $display(\"%s.%s field %%0d:%%0d\", %s_MSB, %s_LSB);\n", $2, $3, $4, $4 }' "$tmp/all.list"
    echo '    $finish;'
    echo 'end'
    echo 'endmodule'
} > "$tmp/t.v"
verilog_view() {
    "$IVERILOG" -g2005 -Wall "$CODES_INC" -o "$tmp/t.vvp" "$tmp/t.v" 2>&1 || return 1
    "$VVP" -n "$tmp/t.vvp" | awk '$2 == "code" { $4 = length($4) } { print }' | sort > "$tmp/verilog"
    same "$tmp/want" "$tmp/verilog"
}
check "the Verilog include (Icarus): every name, value and width as in the tables" verilog_view

{   echo '#include <stdio.h>'
    echo '#include "q2_core_codes.h"'
    echo '#include "q2_link_codes.h"'
    echo 'static int bit(unsigned long m) { int b = 0; while (m > 1) { m >>= 1; b++; } return b; }'
    echo 'static int top(unsigned long m) { return bit(m + 1) - 1; }'
    echo 'int main(void)'
    echo '{'
    awk '$1 == "code"  { printf "    printf(\"%s.%s code %%lu %d\\n\", (unsigned long)(%s));\n", $2, $3, $7, $5 }
         $1 == "bit"   { printf "    if ((%s & (%s - 1)) == 0) printf(\"%s.%s bit %%d\\n\", bit(%s));\n", $5, $5, $2, $3, $5 }
         $1 == "field" { printf "    if (%s(0xFFFFFFFFu) == %s_MASK && %s(1u << %s_SHIFT) == 1)\n", $5, $5, $5, $5
                         printf "        printf(\"%s.%s field %%d:%%d\\n\", %s_SHIFT + top(%s_MASK), %s_SHIFT);\n", $2, $3, $5, $5, $5 }' "$tmp/all.list"
    echo '    return 0;'
    echo '}'
} > "$tmp/t.c"
c_view() {
    # shellcheck disable=SC2086
    $CC -std=c11 -Wall -Wextra -Werror "$CODES_INC" -o "$tmp/tc" "$tmp/t.c" || return 1
    "$tmp/tc" | sort > "$tmp/c"
    same "$tmp/want" "$tmp/c"
}
check "the C header: every name and value as in the tables" c_view
# (the C program prints each code's width from the list: the comparison holds the Verilog widths to it)
rtl_is_c() { same "$tmp/verilog" "$tmp/c"; }
check "RTL and C agree on every code" rtl_is_c

# ---- no copies -----------------------------------------------------------------------------------------
srcs() { find rtl sim sw tests \( -name '*.v' -o -name '*.vh' -o -name '*.c' -o -name '*.h' -o -name '*.cpp' -o -name '*.inc' \) | sort; }
# the generated names, and the names the hand-written copies had (C without Q2_, REG_ for R_)
awk '$1 == "field" { print $4 "_MSB"; print $4 "_LSB"; print $5 "_SHIFT"; print $5 "_MASK"; print $5 }
     $1 != "field" { print $4; print $5 }
     $5 ~ /^Q2_/ { c = $5; sub(/^Q2_/, "", c); print c }
     $2 == "reg" { print "REG_" $3 }' "$tmp/all.list" | grep -v '^-$' | sort -u > "$tmp/names"
alt=$(paste -sd'|' "$tmp/names")
no_copies() {  # a localparam / enum constant / #define of one of the names
    local re="(^|[^A-Za-z0-9_])($alt)[[:space:]]*=([^=]|\$)"
    local cre="$re|#define[[:space:]]+($alt)([^A-Za-z0-9_]|\$)"
    cre="$cre|enum[^}]*[{,][[:space:]]*($alt)[[:space:]]*[,}]|^[[:space:]]*($alt)[[:space:]]*(,|\$)"
    # shellcheck disable=SC2046
    ! { grep -nE "$re" $(srcs | grep -E '\.vh?$'); grep -nE "$cre" $(srcs | grep -vE '\.vh?$'); } | grep .
}
check "no source file defines its own copy of a code ($(wc -l < "$tmp/names") names)" no_copies

includes() {  # every Verilog file that uses a table's name includes that table's header
    local f t ok=0 vre
    for f in $(srcs | grep '\.v$'); do
        for t in core link; do
            vre=$(awk '$1 == "field" { print $4 "_MSB"; print $4 "_LSB"; next } { print $4 }' "$tmp/$t.list" |
                  grep -v '^-$' | paste -sd'|')
            if sed 's://.*$::' "$f" | grep -qE "(^|[^A-Za-z0-9_])($vre)([^A-Za-z0-9_]|\$)" &&
               ! grep -qE "^[[:space:]]*\`include \"q2_${t}_codes.vh\"" "$f"; then
                echo "    $f uses the $t codes without \`include \"q2_${t}_codes.vh\""; ok=1
            fi
        done
    done
    return $ok
}
check "every Verilog file that uses a code includes its generated header" includes

# ---- the docs --------------------------------------------------------------------------------------
md_rows() {  # md_rows FILE HEADER_REGEX: "col1<TAB>col2" of the markdown table under that header
    awk -v h="$2" '$0 ~ h { on = 1; next } on && /^\|[- |]+$/ { next }
                   on && /^\|/ { split($0, c, "|"); a = c[2]; b = c[3]; gsub(/^ +| +$/, "", a)
                                 gsub(/^ +| +$/, "", b); print a "\t" b; next } on { exit }' "$1"
}
block_rows() {  # block_rows FILE HEADER_REGEX: "col1<TAB>col2" of the fenced table under that header
    awk -v h="$2" '$0 ~ h { on = 1; next } on && /^```/ { exit }
                   on && /^0x[0-9A-Fa-f]+ / { print $1 "\t" $2 }' "$1"
}
want_group() {  # want_group GROUP: "value<TAB>NAME", sorted
    awk -v g="$1" '$2 == g && $3 != "-" { print $6 "\t" $3 }' "$tmp/all.list" | sort
}
canon() {  # hex values to decimal, names stripped of ERR_ (OK stays); "0x100 + k" / "LOGIT k" -> LOGIT0
    awk -F'\t' '{ v = $1; sub(/ \+ k$/, "", v); nm = $2; sub(/^ERR_/, "", nm); sub(/ k$/, "0", nm)
                  if (v ~ /^0x/) { x = 0; for (i = 3; i <= length(v); i++)
                                       x = x * 16 + index("0123456789abcdef", tolower(substr(v, i, 1))) - 1; v = x }
                  if (nm != "—") print v "\t" nm }' | sort
}
doc_table() {  # doc_table GROUP ROWS_CMD...: the doc's rows equal the group's
    want_group "$1" > "$tmp/dw"
    "${@:2}" | canon > "$tmp/dg"
    [ -s "$tmp/dg" ] || { echo "    no rows found"; return 1; }
    same "$tmp/dw" "$tmp/dg"
}
A=docs/accelerator.md
P=docs/protocol.md
check "$A: the op table"       doc_table op  md_rows $A '^[|] op [|] name [|]'
check "$A: the err table"      doc_table err md_rows $A '^[|] err [|] name [|]'
check "$A: the register table" doc_table reg md_rows $A '^[|] addr [|] name [|]'
check "$P: the commands"       doc_table cmd block_rows $P '^cmd +name +request payload'
check "$P: the status bytes"   doc_table st  block_rows $P '^status +name +meaning'

hexof() { awk -v g="$1" -v k="$2" '$2 == g && $3 == k { printf "0x%02X\n", $6 }' "$tmp/all.list"; }
valof() { awk -v g="$1" -v k="$2" '$2 == g && $3 == k { print $6 }' "$tmp/all.list"; }
status_words() {  # "bit 0 busy, bit 1 model_valid, bits 7:4 err, bit 8 image_complete"
    awk '$2 == "status" { s = s (s ? ", " : "") ($1 == "bit" ? "bit " $6 : "bits " $6 ":" $7) " " tolower($3) }
         END { print s }' "$tmp/all.list"
}
has() { grep -qE "$2" "$1" || { echo "    $1 lacks /$2/"; return 1; }; }
check "$A and $P: the STATUS bits ($(status_words))" \
    eval 'has $A "^\| 0x006 \| STATUS \| $(status_words) \|" && has $P "^CORE_STATUS +$(status_words) +core 0x006"'
id=$(awk '$2 == "id" && $3 == "ID" { printf "0x%08X", $6 }' "$tmp/all.list")
check "$A and $P: ID $id, HW_VERSION $(valof id HW_VERSION)" \
    eval 'has $A "^\| 0x000 \| ID \| $id " && has $A "^\| 0x001 \| HW_VERSION \| $(valof id HW_VERSION) \|" &&
          has $P "^ID +$id " && has $P "^HW_VERSION +$(valof id HW_VERSION) "'
sync_bytes() {  # the sync field of the request, then of the response
    awk '/^ +0 +1 +sync +0x/ { print $4 }' $P > "$tmp/sg"
    printf '%s\n%s\n' "$(hexof sync REQ)" "$(hexof sync RSP)" > "$tmp/sw"
    same "$tmp/sw" "$tmp/sg"
}
check "$P: the sync bytes $(hexof sync REQ), $(hexof sync RSP)" sync_bytes
check "$P: CFG0 (protocol version $(valof cfg PROTO_VERSION), REC_BYTES $(valof cfg REC_BYTES))" \
    eval 'has $P "31:24 protocol version \($(valof cfg PROTO_VERSION)\)" &&
          has $P "23:16 REC_BYTES \($(valof cfg REC_BYTES):" && has $P "REC_BYTES \($(valof cfg REC_BYTES)\) \+ len"'
features=$(awk '$2 == "feature" && $1 == "bit" { s = s (s ? ", " : "") "bit " $6 ": " $3 } END { print s }' "$tmp/all.list")
check "$P: FEATURES ($features)" has $P "^FEATURES +$features\$"
resp_regs() {  # the response words that are core registers: "core 0x006" / "core register 0x000"
    awk '/^word +content/ { on = 1; next } on && /^```/ { exit } on && /^[^ ]/ { word = $1 }
         on && match($0, /core (register )?0x[0-9A-F]+(\+k)?$/) {
             a = substr($0, RSTART); sub(/^core (register )?/, "", a); sub(/\+k$/, "", a)
             nm = word; sub(/^CORE_/, "", nm); sub(/\[k\]$/, "0", nm); print a "\t" nm }' $P | canon > "$tmp/rg"
    [ -s "$tmp/rg" ] || { echo "    no words found"; return 1; }
    want_group reg > "$tmp/rw"
    ! comm -23 "$tmp/rg" "$tmp/rw" | sed 's/^/    not in the register table: /' | grep .
}
check "$P: the response words' core register addresses" resp_regs

summary
