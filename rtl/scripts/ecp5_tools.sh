#!/usr/bin/env bash
# ecp5_tools.sh — nextpnr-ecp5 and ecppack (Project Trellis) for the ULX3S build, from Debian.
#
#   ecp5_tools.sh check              exit 0 if the tools can run (natively or from the root)
#   ecp5_tools.sh install            make the tool root now (what the first `run` does anyway)
#   ecp5_tools.sh run TOOL ARGS...   run nextpnr-ecp5 or ecppack with ARGS
#
# Where the OS has the tools (Debian trixie or later, Ubuntu 24.04: `apt-get install nextpnr-ecp5
# fpga-trellis`), they run natively. Debian bookworm has neither, and trixie's builds need trixie's
# libc and boost, so on first use this script makes a minimal Debian trixie root holding them with
# debootstrap, from the Debian mirror that apt already uses, under
#   ${Q2MLP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/q2mlp}/trixie-ecp5
# (outside the repository, so `make clean` keeps it; a second build reuses it). The host's own
# packages are never touched (debootstrap itself is installed with apt-get if missing). A tool then
# runs chrooted into that root inside a private mount namespace (unshare -m): the working directory
# (and ECP5_BIND, a list of absolute directories) is bind-mounted at the same path and /proc is
# mounted for ecppack; all of it vanishes with the process, also when the tool fails.
# Needs root for debootstrap, unshare and chroot. Exit codes: the tool's, or 1 with a message.
set -euo pipefail

die() { echo "ecp5_tools.sh: $*" >&2; exit 1; }
cache=${Q2MLP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/q2mlp}
root=$cache/trixie-ecp5
suite=${ECP5_SUITE:-trixie}
pkgs=nextpnr-ecp5,fpga-trellis

native() { command -v nextpnr-ecp5 >/dev/null 2>&1 && command -v ecppack >/dev/null 2>&1; }

# The Debian mirror apt uses (sw/scripts/debian_mirror.sh; $DEBIAN_MIRROR overrides it).
mirror() { "$(dirname "$0")/../../sw/scripts/debian_mirror.sh"; }

install_root() {
    [ -x "$root/usr/bin/nextpnr-ecp5" ] && [ -x "$root/usr/bin/ecppack" ] && return 0
    [ "$(id -u)" -eq 0 ] || die "nextpnr-ecp5 is not installed and making its Debian $suite root needs root (or install nextpnr-ecp5 fpga-trellis)"
    if ! command -v debootstrap >/dev/null 2>&1; then
        echo "ecp5: installing debootstrap (apt-get)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null ||
            die "apt-get install debootstrap failed"
    fi
    local m t0=$SECONDS
    m=$(mirror)
    echo "ecp5: nextpnr-ecp5 and ecppack are not on PATH (Debian bookworm has none): making a minimal"
    echo "ecp5: Debian $suite root with $pkgs from $m in $root"
    echo "ecp5: once only: about 150 MB to download, 460 MB on disk, 5-10 minutes; later builds reuse it"
    mkdir -p "$cache"
    rm -rf "$root.tmp"
    debootstrap --variant=minbase --include="$pkgs" "$suite" "$root.tmp" "$m" > "$cache/debootstrap.log" 2>&1 ||
        { tail -n 20 "$cache/debootstrap.log" >&2; rm -rf "$root.tmp"; die "debootstrap failed (log $cache/debootstrap.log)"; }
    rm -rf "$root.tmp/var/cache/apt/archives/"*.deb
    mv "$root.tmp" "$root"
    echo "ecp5: root ready in $((SECONDS - t0)) s: $(du -sh "$root" | cut -f1) in $root"
}

# run TOOL ARGS: inside the root, with the working directory bind-mounted at its own path.
run_in_root() {
    local tool=$1; shift
    local here binds=() d q
    here=$(pwd -P)
    binds=("$here")
    for d in ${ECP5_BIND:-}; do binds+=("$(cd "$d" && pwd -P)"); done
    q=$(printf '%q ' "$@")
    # shellcheck disable=SC2016
    unshare -m --propagation private bash -c '
        set -e; root=$1 here=$2 tool=$3 args=$4; shift 4
        for b in "$@"; do mkdir -p "$root$b"; mount --bind "$b" "$root$b"; done
        mount -t proc proc "$root/proc"
        exec chroot "$root" /bin/sh -c "cd \"$here\" && exec $tool $args"
    ' ecp5 "$root" "$here" "$tool" "$q" "${binds[@]}"
}

[ $# -ge 1 ] || die "usage: ecp5_tools.sh check | install | run TOOL ARGS..."
case $1 in
check)
    native || { [ -x "$root/usr/bin/nextpnr-ecp5" ] && [ -x "$root/usr/bin/ecppack" ]; } ;;
install)
    native && { echo "ecp5: native $(command -v nextpnr-ecp5)"; exit 0; }
    install_root ;;
run)
    [ $# -ge 2 ] || die "usage: ecp5_tools.sh run TOOL ARGS..."
    case $2 in nextpnr-ecp5|ecppack) ;; *) die "run: TOOL '$2': need nextpnr-ecp5 or ecppack" ;; esac
    tool=$2; shift 2
    if native; then exec "$tool" "$@"; fi
    install_root
    run_in_root "$tool" "$@" ;;
*)
    die "usage: ecp5_tools.sh check | install | run TOOL ARGS..." ;;
esac
