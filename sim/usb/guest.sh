#!/usr/bin/env bash
# guest.sh — the Linux guest of the USB test: a small Debian bookworm under QEMU whose emulated FTDI
# chip (-device usb-serial: an FT232, 0403:6001, on an xHCI bus) is wired to q2mlp-board-sim, so that
# q2mlp-host's ftdi transport runs on the real libftdi1 -> libusb -> the guest kernel's USB host ->
# QEMU's FTDI emulation -> the board simulator -> the RTL (docs/host.md, "Through a real USB stack").
#
#   guest.sh build                            make the guest once (what the first `run` needs)
#   guest.sh check                            exit 0 if the cached guest is ready
#   guest.sh run --share DIR --board SERIAL=KIND:PATH [--board ...] [--console F] [--timeout S]
#                                             boot it, run DIR/run.sh inside, power off
#
# build: debootstrap (minbase, from the Debian mirror apt already uses: sw/scripts/debian_mirror.sh)
# of bookworm with linux-image-amd64 (the kernel, its xhci/ftdi_sio/9p modules and Debian's
# initramfs), libftdi1-2 and libusb-1.0-0 (what q2mlp-host links) and kmod; then an ext4 image of that
# root (mke2fs -d, no loop mount) with /sbin/q2-init as PID 1. Cached outside the repository, so that
# `make clean` keeps it:
#   ${Q2MLP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/q2mlp}/usb-guest/{root/,disk.img,vmlinuz,initrd.img}
# made under usb-guest.tmp and renamed when complete (no partial guest), under a lock (two builds
# wait for each other). GUEST_FORMAT below names the recipe: bump it when the recipe changes.
#
# run: DIR is shared with the guest (virtfs/9p, tag q2, read-write) and mounted at /q2; q2-init runs
# `sh /q2/run.sh` there, writes its output to DIR/guest.out and its status to DIR/guest.rc, and powers
# off. Each --board plugs in one emulated FT232 with USB serial string SERIAL: socket:PATH wires its
# serial side to q2mlp-board-sim --socket PATH; tty:PATH to a pseudo-terminal (q2mlp-board-sim --pty
# PATH), where QEMU applies the line settings the guest sent to the chip (rate, 8N1) to the terminal.
# The console (kernel + q2-init) goes to --console (default DIR/console.log). --timeout bounds the
# whole boot (default 300 s).
# Acceleration: KVM when /dev/kvm opens and a probe boot of the guest's kernel under KVM prints its
# first line within 8 s (nested KVM can open and then hang: seen on this project's machines), else
# TCG; the verdict is kept for the host's boot (boot_id) in the cache. Q2MLP_USB_ACCEL=kvm|tcg
# forces one.
#
# Exit codes: build/check: 0 ready, 1 failed (named), 77 cannot be done here (the line says why:
# not root, no debootstrap, the mirror unreachable). run: run.sh's status, 1 when the guest did not
# get that far (the console's tail is shown), 77 when QEMU or the guest is missing.
set -euo pipefail

GUEST_FORMAT=1
suite=bookworm
pkgs=linux-image-amd64,libftdi1-2,libusb-1.0-0,kmod
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${Q2MLP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/q2mlp}
dir=$cache/usb-guest
stamp="format=$GUEST_FORMAT suite=$suite pkgs=$pkgs"

die() { echo "guest.sh: $*" >&2; exit 1; }
cannot() { echo "guest.sh: cannot $*"; exit 77; }
say() { echo "usb-guest: $*"; }

ready() {
    [ -f "$dir/stamp" ] && [ "$(cat "$dir/stamp")" = "$stamp" ] &&
        [ -s "$dir/disk.img" ] && [ -s "$dir/vmlinuz" ] && [ -s "$dir/initrd.img" ]
}

# ---- build ---------------------------------------------------------------------------------------
# PID 1 of the guest. Debian's initramfs has mounted the root (read-only) and moved /dev, /proc,
# /sys and /run onto it.
write_init() {
    cat > "$1" <<'INIT'
#!/bin/sh
# q2-init — PID 1 of the q2mlp USB test guest (sim/usb/guest.sh): mount the host's share (9p, tag
# q2) at /q2, run /q2/run.sh (output /q2/guest.out, status /q2/guest.rc), power off.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mountpoint -q /run || mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
echo "q2-init: user space after $(cut -d' ' -f1 /proc/uptime) s of uptime"
if modprobe 9pnet_virtio && modprobe 9p &&
   mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 q2 /q2; then
    if [ -r /q2/run.sh ]; then
        sh /q2/run.sh < /dev/null > /q2/guest.out 2>&1
        echo $? > /q2/guest.rc
        echo "q2-init: run.sh exited $(cat /q2/guest.rc) after $(cut -d' ' -f1 /proc/uptime) s of uptime"
    else
        echo "q2-init: no /q2/run.sh in the share"
    fi
    sync
    umount /q2
else
    echo "q2-init: mounting the host's share (9p, tag q2) failed"
fi
echo o > /proc/sysrq-trigger
sleep 60
INIT
    chmod 755 "$1"
}

debootstrap_root() {  # root mirror log
    local root=$1 m=$2 log=$3
    PROGRESS_S=15 "$repo/rtl/scripts/with_progress.sh" --log-output "usb-guest: debootstrap" "$log" \
        debootstrap --variant=minbase --include="$pkgs" "$suite" "$root" "$m" ||
        { tail -n 20 "$log" >&2; die "debootstrap $suite from $m failed (log $log)"; }
    rm -f "$root"/var/cache/apt/archives/*.deb
}

make_image() {  # root out
    local root=$1 out=$2 kb
    write_init "$root/sbin/q2-init"
    mkdir -p "$root/q2"
    local vml initrd
    vml=$(ls "$root"/boot/vmlinuz-* 2>/dev/null | sort | tail -n 1)
    initrd=$(ls "$root"/boot/initrd.img-* 2>/dev/null | sort | tail -n 1)
    [ -n "$vml" ] && [ -n "$initrd" ] || die "no kernel or initramfs in $root/boot (linux-image-amd64 not installed?)"
    cp "$vml" "$out/vmlinuz"
    cp "$initrd" "$out/initrd.img"
    kb=$(du -sk "$root" | cut -f1)
    kb=$((kb + kb / 4 + 65536))
    rm -f "$out/disk.img"
    mke2fs -q -F -t ext4 -L q2guest -d "$root" "$out/disk.img" "${kb}k" > "$out/mke2fs.log" 2>&1 ||
        { cat "$out/mke2fs.log" >&2; die "mke2fs -d $root failed"; }
}

build() {
    if ready; then say "cached: $dir ($(du -sh "$dir" | cut -f1))"; return 0; fi
    [ "$(id -u)" -eq 0 ] || cannot "build the guest: debootstrap needs root"
    command -v mke2fs > /dev/null || cannot "build the guest: no mke2fs (e2fsprogs)"
    if ! command -v debootstrap > /dev/null; then
        say "installing debootstrap (apt-get)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap > /dev/null ||
            cannot "build the guest: no debootstrap, and apt-get install debootstrap failed"
    fi
    local m
    m=$("$repo/sw/scripts/debian_mirror.sh")
    wget -q --spider -T 15 -t 2 "$m/dists/$suite/Release" ||
        cannot "build the guest: the Debian mirror $m does not answer ($m/dists/$suite/Release)"
    mkdir -p "$cache"
    exec 9> "$cache/usb-guest.lock"
    flock 9
    if ready; then say "cached: $dir (made by another build meanwhile)"; return 0; fi
    local t0=$SECONDS tmp=$dir.tmp
    rm -rf "$tmp"
    mkdir -p "$tmp"
    trap 'rm -rf "$tmp"' EXIT
    say "making the guest once: Debian $suite (minbase + ${pkgs//,/ }) from $m in $dir"
    say "once: about 120 MB to download, 1.4 GB on disk, about 5 minutes; later runs reuse it"
    say "step 1/2: debootstrap"
    debootstrap_root "$tmp/root" "$m" "$tmp/debootstrap.log"
    say "step 2/2: the disk image (mke2fs -d) and the kernel ($((SECONDS - t0)) s so far)"
    make_image "$tmp/root" "$tmp"
    echo "$stamp" > "$tmp/stamp"
    rm -rf "$dir"
    mv "$tmp" "$dir"
    trap - EXIT
    say "ready in $((SECONDS - t0)) s: $(du -sh "$dir" | cut -f1) in $dir (image $(du -sh "$dir/disk.img" | cut -f1), kernel $(basename "$(ls "$dir"/root/boot/vmlinuz-* | tail -n 1)"))"
}

# ---- run -----------------------------------------------------------------------------------------
qemu_base() {  # accel: the machine, as run and probed
    local cpu=max
    [ "$1" = kvm ] && cpu=host
    echo "-nodefaults -no-user-config -display none -no-reboot -machine pc,accel=$1 -cpu $cpu -m 512 -smp 1"
}

# Does KVM boot the guest's kernel here? (cached per host boot in $cache/usb-guest-kvm)
kvm_works() {
    { [ -c /dev/kvm ] && : < /dev/kvm > /dev/kvm; } 2> /dev/null || return 1
    local id f=$cache/usb-guest-kvm log verdict=no
    id=$(cat /proc/sys/kernel/random/boot_id 2> /dev/null || echo unknown)
    if [ -f "$f" ] && [ "$(cut -d' ' -f1 "$f")" = "$id" ]; then
        [ "$(cut -d' ' -f2 "$f")" = yes ]
        return
    fi
    log=$(mktemp)
    # shellcheck disable=SC2046
    qemu-system-x86_64 $(qemu_base kvm) -kernel "$dir/vmlinuz" -append "console=ttyS0 panic=-1" \
        -serial file:"$log" > /dev/null 2>&1 &
    local pid=$! i
    for i in $(seq 80); do
        grep -q 'Linux version' "$log" 2> /dev/null && { verdict=yes; break; }
        kill -0 "$pid" 2> /dev/null || break
        sleep 0.1
    done
    kill "$pid" 2> /dev/null; wait "$pid" 2> /dev/null
    rm -f "$log"
    [ $verdict = yes ] || say "KVM: /dev/kvm opens, but the kernel printed nothing under KVM in 8 s (nested virtualization?): TCG"
    mkdir -p "$cache" && echo "$id $verdict" > "$f"
    [ $verdict = yes ]
}

run() {
    local share='' console='' limit=300 devs=() n=0 b serial path
    while [ $# -gt 0 ]; do
        case $1 in
        --share) share=$2; shift 2 ;;
        --board) b=$2; shift 2
            serial=${b%%=*} path=${b#*=}
            [[ $b == *=* && $serial =~ ^[A-Za-z0-9]+$ ]] || die "run: --board '$b': need SERIAL=socket:PATH or SERIAL=tty:PATH"
            n=$((n + 1))
            case $path in
            socket:?*) devs+=(-chardev "socket,id=board$n,path=${path#socket:}") ;;
            tty:?*) devs+=(-chardev "serial,id=board$n,path=${path#tty:}") ;;
            *) die "run: --board '$b': need SERIAL=socket:PATH or SERIAL=tty:PATH" ;;
            esac
            devs+=(-device "usb-serial,bus=xhci.0,chardev=board$n,serial=$serial") ;;
        --console) console=$2; shift 2 ;;
        --timeout) limit=$2; shift 2 ;;
        *) die "run: unknown argument '$1' (need --share DIR --board SERIAL=socket:PATH|tty:PATH ...)" ;;
        esac
    done
    [ -d "$share" ] || die "run: --share '$share' is not a directory"
    [ $n -ge 1 ] || die "run: no --board"
    console=${console:-$share/console.log}
    command -v qemu-system-x86_64 > /dev/null || cannot "run the guest: no qemu-system-x86_64 (apt-get install qemu-system-x86)"
    ready || cannot "run the guest: not built (guest.sh build)"
    local accel=${Q2MLP_USB_ACCEL:-}
    [ -n "$accel" ] || { kvm_works && accel=kvm || accel=tcg; }
    rm -f "$share/guest.rc" "$share/guest.out"
    local t0=$SECONDS rc=0
    # shellcheck disable=SC2046
    timeout -k 5 "$limit" qemu-system-x86_64 $(qemu_base "$accel") \
        -kernel "$dir/vmlinuz" -initrd "$dir/initrd.img" \
        -append "console=ttyS0 root=/dev/vda ro init=/sbin/q2-init quiet loglevel=4 panic=-1 noresume" \
        -drive file="$dir/disk.img",format=raw,if=virtio,snapshot=on \
        -serial file:"$console" \
        -device qemu-xhci,id=xhci "${devs[@]}" \
        -fsdev local,id=share,path="$share",security_model=none \
        -device virtio-9p-pci,fsdev=share,mount_tag=q2 \
        > "$share/qemu.log" 2>&1 || rc=$?
    say "qemu ($accel) ran $((SECONDS - t0)) s, exit $rc"
    if [ ! -s "$share/guest.rc" ]; then
        [ $rc -eq 124 ] && echo "guest.sh: the guest did not finish within $limit s" >&2
        echo "guest.sh: the guest did not run $share/run.sh to its end; qemu said:" >&2
        tail -n 5 "$share/qemu.log" >&2
        echo "guest.sh: the console's last lines ($console):" >&2
        tail -n 25 "$console" >&2
        return 1
    fi
    return "$(cat "$share/guest.rc")"
}

[ $# -ge 1 ] || die "usage: guest.sh build | check | run --share DIR --board SERIAL=socket:PATH|tty:PATH [...]"
case $1 in
build) build ;;
check) ready ;;
run) shift; run "$@" ;;
*) die "usage: guest.sh build | check | run --share DIR --board SERIAL=socket:PATH|tty:PATH [...]" ;;
esac
