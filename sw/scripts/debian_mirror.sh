#!/usr/bin/env bash
# debian_mirror.sh — print the Debian mirror that apt already uses: $DEBIAN_MIRROR if set, else the
# first http(s) URI of apt's Debian sources (deb822 or one-line format; security excluded), else
# http://deb.debian.org/debian. Read by every script that runs debootstrap (rtl/scripts/ecp5_tools.sh,
# sim/usb/guest.sh), so that they fetch from the same place as apt-get.
set -euo pipefail
m=$(grep -hsoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list.d/*.sources \
        /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | grep -v security |
    head -n 1 | sed -E 's/^(URIs:|deb) +//; s/ +$//') || true
echo "${DEBIAN_MIRROR:-${m:-http://deb.debian.org/debian}}"
