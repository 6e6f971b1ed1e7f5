#!/bin/sh
# gen_codes.sh — the code tables (rtl/core/codes.tbl, rtl/link/codes.tbl; the format is described
# at the top of rtl/core/codes.tbl) as a Verilog include, a C header or a plain list.
#
#   gen_codes.sh vh   TABLE [REF...]   localparams, to `include inside a module
#   gen_codes.sh h    TABLE [REF...]   a C header: enums and #defines with the Q2 prefixes
#   gen_codes.sh list TABLE [REF...]   one line per name (for tests/t_codes.sh):
#                                        code  GROUP NAME VNAME CNAME VALUE WIDTH
#                                        bit   GROUP NAME VNAME CNAME BIT
#                                        field GROUP NAME VNAME CNAME MSB LSB
#
# Only TABLE's rows are written; the REF tables are read for =group.NAME references (the link's
# status bytes 1..8 are the core's err codes). Everything goes to stdout (rtl/rtl.mk writes
# build/gen/q2_<folder>_codes.{vh,h}, <folder> being TABLE's folder). The tables are checked:
# a value that does not fit its width, two names for one value or one bit, a name defined twice
# (in any table), an unknown reference each stop the generator with "gen_codes.sh: FILE:LINE: why".
# POSIX sh and awk only.
set -eu

usage() { echo "usage: gen_codes.sh vh|h|list TABLE [REF...]" >&2; exit 2; }
[ $# -ge 2 ] || usage
mode=$1
shift
case $mode in vh|h|list) ;; *) usage ;; esac
for t in "$@"; do
    [ -r "$t" ] || { echo "gen_codes.sh: cannot read $t" >&2; exit 1; }
done
tag=$(basename "$(dirname "$1")")

prog='
function die(msg) { printf "gen_codes.sh: %s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"; bad = 1; exit 1 }
function hexval(s,    v, i, d) {
    v = 0
    for (i = 3; i <= length(s); i++) {
        d = index("0123456789ABCDEF", toupper(substr(s, i, 1)))
        if (d == 0) return -1
        v = v * 16 + d - 1
    }
    return v
}
function num(s) {  # a decimal or 0x value, or -1
    if (s ~ /^0[xX][0-9A-Fa-f]+$/) return hexval(s)
    if (s ~ /^[0-9]+$/) return s + 0
    return -1
}
function hex(v, n,    s) {  # v in n hex digits (uppercase)
    s = ""
    while (n-- > 0 || v > 0) { s = substr("0123456789ABCDEF", v % 16 + 1, 1) s; v = int(v / 16) }
    return s
}
function pow2(n,    v) { v = 1; while (n-- > 0) v *= 2; return v }
function claim(kind, name) {  # every Verilog and every C name is defined once, over all tables
    if ((kind, name) in owner) die(kind " name " name " is defined twice (first " owner[kind, name] ")")
    owner[kind, name] = FILENAME ":" FNR
}
FNR == 1 { ntab++; grp = "" }
/^[ \t]*$/ { next }
/^# ---- / { t = $0; sub(/^# ---- /, "", t); sub(/ -+$/, "", t); title = t; next }
/^#/ { next }
$1 == "group" {
    if (NF < 5 || NF > 6) die("a group line is: group NAME KIND VPREFIX CPREFIX [all=V,C]")
    grp = $2
    if (grp in gkind) die("group " grp " is defined twice")
    if ($3 != "bits" && !($3 ~ /^[0-9]+$/ && $3 >= 1 && $3 <= 32)) die("kind " $3 ": need 1..32 or bits")
    gkind[grp] = $3; gv[grp] = ($4 == "-") ? "" : $4; gc[grp] = ($5 == "-") ? "" : $5
    gtitle[grp] = title; title = ""; gtab[grp] = ntab; gall_v[grp] = ""; gn[grp] = 0; ghex[grp] = 0
    if (NF == 6) {
        if ($6 !~ /^all=[A-Za-z0-9_]+,[A-Za-z0-9_]+$/ || $3 != "bits") die("all=VNAME,CNAME: only on a bits group")
        split(substr($6, 5), a, ","); gall_v[grp] = a[1]; gall_c[grp] = a[2]
        claim("Verilog", a[1]); claim("C", a[2])
    }
    if (ntab == 1) order[++ngroups] = grp
    next
}
{
    if (grp == "") die("a row before the first group line")
    if (NF < 3) die("a row is: NAME VALUE MEANING")
    if ($1 !~ /^[A-Z][A-Z0-9_]*$/) die("name " $1 ": need upper case, digits, _")
    name = $1; raw = $2
    mean = $0; sub(/^[ \t]*[^ \t]+[ \t]+[^ \t]+[ \t]+/, "", mean)
    if (index(mean, "*/")) die("a meaning may not hold */")
    if ((grp, name) in val) die(grp "." name " is defined twice")
    k = ++gn[grp]; rname[grp, k] = name; rmean[grp, k] = mean; rline[grp, k] = FILENAME ":" FNR
    if (raw ~ /^0[xX]/) ghex[grp] = 1
    if (gkind[grp] == "bits") {
        if (raw ~ /^[0-9]+:[0-9]+$/) { split(raw, a, ":"); hi = a[1] + 0; lo = a[2] + 0 }
        else if (raw ~ /^[0-9]+$/) { hi = raw + 0; lo = hi }
        else die("value " raw ": need a bit number or h:l")
        if (hi > 31 || lo > hi) die("bits " raw ": need 31 >= h >= l >= 0")
        for (b = lo; b <= hi; b++) {
            if ((grp, b) in bitused) die("bit " b " is " bitused[grp, b] " already")
            bitused[grp, b] = name
        }
        rhi[grp, k] = hi; rlo[grp, k] = lo; val[grp, name] = raw
        if (hi == lo) { claim("Verilog", gv[grp] name); claim("C", gc[grp] name) }
        else {
            claim("Verilog", gv[grp] name "_MSB"); claim("Verilog", gv[grp] name "_LSB")
            claim("C", gc[grp] name "_SHIFT"); claim("C", gc[grp] name "_MASK"); claim("C", gc[grp] name)
        }
    } else {
        if (raw !~ /^=/ && num(raw) < 0) die("value " raw ": need decimal, 0x.. or =group.NAME")
        val[grp, name] = raw
        claim("Verilog", gv[grp] name); claim("C", gc[grp] name)
    }
    rfile[grp, k] = FILENAME; rfnr[grp, k] = FNR
}
END {
    if (bad) exit 1
    for (i = 1; i <= ngroups; i++) { g = order[i]; if (gkind[g] != "bits") resolve(g) }
    if (mode == "vh") emit_vh(); else if (mode == "h") emit_h(); else emit_list()
}
function resolve(g,    k, raw, ref, v, w) {
    w = gkind[g] + 0
    for (k = 1; k <= gn[g]; k++) {
        raw = val[g, rname[g, k]]
        if (raw ~ /^=/) {
            ref = substr(raw, 2)
            if (ref !~ /^[a-z0-9_]+\.[A-Z][A-Z0-9_]*$/) fail(g, k, "reference " raw ": need =group.NAME")
            split(ref, a, ".")
            if (!((a[1], a[2]) in val) || gkind[a[1]] == "bits" || val[a[1], a[2]] ~ /^=/)
                fail(g, k, "reference " raw ": no such code (a reference names a row with a number)")
            v = num(val[a[1], a[2]])
        } else v = num(raw)
        if (v >= pow2(w)) fail(g, k, "value " raw " does not fit " w " bits")
        if ((g, "v", v) in seen) fail(g, k, "value " raw " is " seen[g, "v", v] " already")
        seen[g, "v", v] = rname[g, k]
        rval[g, k] = v
    }
}
function fail(g, k, msg) {
    printf "gen_codes.sh: %s: %s.%s: %s\n", rline[g, k], g, rname[g, k], msg > "/dev/stderr"
    bad = 1; exit 1
}
function vlit(g, v, w) { return w "\047" (ghex[g] ? "h" hex(v, int((w + 3) / 4)) : "d" v) }
function clit(g, v, w) { return ghex[g] ? "0x" hex(v, int((w + 3) / 4)) : v }
function allword(g,    k, v, b) {
    v = 0
    for (k = 1; k <= gn[g]; k++) for (b = rlo[g, k]; b <= rhi[g, k]; b++) v += pow2(b)
    return v
}
function emit_vh(    i, g, k, w, n, nm, cat, cw, line, names) {
    print "// q2_" tag "_codes.vh — generated by rtl/core/gen_codes.sh from " src ": do not edit."
    print "// `include inside a module: the localparams are the module'"'"'s own. No include guard, so that"
    print "// every module that includes it gets them. unused_q2_" tag "_codes uses every name, so a module"
    print "// that needs only a few lints clean (Verilator'"'"'s default unused-regexp)."
    cat = ""; cw = 0
    for (i = 1; i <= ngroups; i++) {
        g = order[i]; print ""
        print "    // " g ": " gtitle[g]
        for (k = 1; k <= gn[g]; k++) {
            nm = gv[g] rname[g, k]
            if (gkind[g] == "bits") {
                if (rhi[g, k] == rlo[g, k]) {
                    line = sprintf("    localparam [4:0] %s = 5\047d%d;", nm, rlo[g, k])
                    cat = cat ", " nm; cw += 5
                } else {
                    line = sprintf("    localparam [4:0] %s_MSB = 5\047d%d, %s_LSB = 5\047d%d;", nm, rhi[g, k], nm, rlo[g, k])
                    cat = cat ", " nm "_MSB, " nm "_LSB"; cw += 10
                }
            } else {
                w = gkind[g] + 0
                line = sprintf("    localparam [%d:0] %s = %s;", w - 1, nm, vlit(g, rval[g, k], w))
                cat = cat ", " nm; cw += w
            }
            printf "%-64s // %s\n", line, rmean[g, k]
        }
        if (gall_v[g] != "") {
            line = sprintf("    localparam [31:0] %s = 32\047h%s;", gall_v[g], hex(allword(g), 8))
            printf "%-64s // every bit of %s\n", line, g
            cat = cat ", " gall_v[g]; cw += 32
        }
    }
    print ""
    n = split(substr(cat, 3), names, ", ")
    line = sprintf("    localparam [%d:0] unused_q2_%s_codes = {", cw - 1, tag)
    for (k = 1; k <= n; k++) {
        nm = names[k] (k < n ? "," : "};")
        if (k > 1 && length(line) + 1 + length(nm) > 99) { print line; line = "       " }
        line = line (k > 1 ? " " : "") nm
    }
    print line
}
function emit_h(    i, g, k, w, nm, guard, line, m) {
    guard = "Q2_" toupper(tag) "_CODES_H"
    print "/* q2_" tag "_codes.h — generated by rtl/core/gen_codes.sh from " src ": do not edit. */"
    print "#ifndef " guard
    print "#define " guard
    for (i = 1; i <= ngroups; i++) {
        g = order[i]; print ""
        print "/* " g ": " gtitle[g] " */"
        w = gkind[g] + 0
        if (gkind[g] != "bits" && w < 32) {
            print "enum {"
            for (k = 1; k <= gn[g]; k++) {
                line = sprintf("    %s = %s,", gc[g] rname[g, k], clit(g, rval[g, k], w))
                printf "%-40s /* %s */\n", line, rmean[g, k]
            }
            print "};"
            continue
        }
        for (k = 1; k <= gn[g]; k++) {
            nm = gc[g] rname[g, k]
            if (gkind[g] != "bits") {
                line = sprintf("#define %s %su", nm, clit(g, rval[g, k], w))
            } else if (rhi[g, k] == rlo[g, k]) {
                line = sprintf("#define %s (1u << %d)", nm, rlo[g, k])
            } else {
                m = "0x" hex(pow2(rhi[g, k] - rlo[g, k] + 1) - 1, 1) "u"
                printf "#define %s_SHIFT %d\n#define %s_MASK %s\n", nm, rlo[g, k], nm, m
                line = sprintf("#define %s(w) (((w) >> %d) & %s)", nm, rlo[g, k], m)
            }
            printf "%-40s /* %s */\n", line, rmean[g, k]
        }
        if (gall_c[g] != "") {
            line = sprintf("#define %s 0x%su", gall_c[g], hex(allword(g), 8))
            printf "%-40s /* every bit of %s */\n", line, g
        }
    }
    print ""
    print "#endif"
}
function emit_list(    i, g, k) {
    for (i = 1; i <= ngroups; i++) {
        g = order[i]
        for (k = 1; k <= gn[g]; k++) {
            if (gkind[g] != "bits")
                print "code", g, rname[g, k], gv[g] rname[g, k], gc[g] rname[g, k], rval[g, k], gkind[g]
            else if (rhi[g, k] == rlo[g, k])
                print "bit", g, rname[g, k], gv[g] rname[g, k], gc[g] rname[g, k], rlo[g, k]
            else
                print "field", g, rname[g, k], gv[g] rname[g, k], gc[g] rname[g, k], rhi[g, k], rlo[g, k]
        }
        if (gall_v[g] != "") print "code", g, "-", gall_v[g], gall_c[g], allword(g), 32
    }
}
'
exec awk -v mode="$mode" -v tag="$tag" -v src="$1" "$prog" "$@"
