#!/bin/sh
# in-guest.sh — what the USB test runs inside the guest (tests/t_usb_qemu.sh copies it to the share
# as run.sh; sim/usb/guest.sh's q2-init runs it as root). The share /q2 holds q2mlp-host (the host's
# build), tiny.q2 and the MNIST test files. It loads the USB host controller's driver and the
# kernel's FTDI driver as udev would on a desktop (this guest has no udev), then runs q2mlp-host
# over the ftdi transport. Each step is framed for the test:
#   == STEP <name>
#   <the step's stdout and stderr>
#   == rc=<its exit status>
# The chips (tests/t_usb_qemu.sh plugs them in): Q2USB001 wired to q2mlp-board-sim's socket, and
# with /q2/line-check present Q2USB002 wired to a second board sim's pty with --line-check (QEMU
# applies the rate and framing the guest sent to that chip to the pty; the board garbles what it
# receives while they differ from its line).
# Steps: usb (ftdi_sio holds the chips), break-dont-detach (Q2MLP_TEST_BREAK_FTDI=dont-detach: must
# fail), info, detached (ftdi_sio no longer holds Q2USB001), load, infer; with the line check also
# line-info (the real transport at 3 Mbaud: works), break-skip-baudrate (must fail: the line stays at
# libftdi's 9600 baud) and line-again (works again afterwards).
set -u
cd /q2 || exit 1
H="/q2/q2mlp-host --device ftdi:0403:6001:Q2USB001"
H2="/q2/q2mlp-host --device ftdi:0403:6001:Q2USB002"

step() {
    name=$1
    shift
    echo "== STEP $name"
    "$@" 2>&1
    echo "== rc=$?"
}

# The USB device (e.g. 1-1) of the chip with serial string $1, once the kernel has enumerated it.
usb_dev() {
    for d in /sys/bus/usb/devices/*; do
        [ -r "$d/idVendor" ] && [ -r "$d/serial" ] &&
            [ "$(cat "$d/idVendor"):$(cat "$d/idProduct"):$(cat "$d/serial")" = "0403:6001:$1" ] &&
            { basename "$d"; return 0; }
    done
    return 1
}

# Wait until ftdi_sio holds the chip $1, and say so.
bound() {
    i=0
    while [ $i -lt 100 ]; do
        dev=$(usb_dev "$1") && [ -e "/sys/bus/usb/drivers/ftdi_sio/$dev:1.0" ] && break
        sleep 0.1
        i=$((i + 1))
    done
    dev=$(usb_dev "$1") || { echo "no USB device 0403:6001 with serial $1 after 10 s"; return 1; }
    d=/sys/bus/usb/devices/$dev
    echo "usb_device=$(cat "$d/idVendor"):$(cat "$d/idProduct") serial=$1 product=$(cat "$d/product") speed=$(cat "$d/speed")M"
    [ -e "/sys/bus/usb/drivers/ftdi_sio/$dev:1.0" ] || { echo "ftdi_sio did not bind $dev:1.0"; return 1; }
    echo "kernel_driver=ftdi_sio interface=$dev:1.0 tty=$(ls "/sys/bus/usb/drivers/ftdi_sio/$dev:1.0" | grep -m1 '^ttyUSB')"
}

# What udev would do: the USB host controller's and the FTDI chip's drivers.
usb_up() {
    modprobe xhci_pci && modprobe ftdi_sio || return 1
    bound Q2USB001 || return 1
    [ ! -e /q2/line-check ] || bound Q2USB002
}

detached() {
    dev=$(usb_dev Q2USB001) || { echo "the USB device is gone"; return 1; }
    echo "lsmod: $(lsmod | awk '$1 == "ftdi_sio" || $1 == "usbserial" { printf "%s(used by %s) ", $1, $3 }')"
    dmesg | grep -E 'ftdi_sio|ttyUSB|FTDI' | sed 's/^/dmesg: /'
    if [ -e "/sys/bus/usb/drivers/ftdi_sio/$dev:1.0" ]; then
        echo "kernel_driver=ftdi_sio interface=$dev:1.0 (still bound)"
        return 1
    fi
    echo "kernel_driver=none interface=$dev:1.0"
}

step usb usb_up
step break-dont-detach env Q2MLP_TEST_BREAK_FTDI=dont-detach $H --timeout 1 --retries 0 info
step info $H info
step detached detached
step load $H load /q2/tiny.q2
step infer $H infer --images /q2/t10k-images-idx3-ubyte --labels /q2/t10k-labels-idx1-ubyte \
    --limit 20 --model /q2/tiny.q2 --check
if [ -e /q2/line-check ]; then
    step line-info $H2 info
    step break-skip-baudrate env Q2MLP_TEST_BREAK_FTDI=skip-baudrate $H2 --timeout 1 --retries 1 info
    step line-again $H2 info
fi
exit 0
