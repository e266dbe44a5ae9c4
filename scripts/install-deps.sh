#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install the Debian packages zcmig needs to build and test.  As root it
# installs what is missing; otherwise it prints the apt-get line to run.
set -e
pkgs="gcc make meson ninja-build pkg-config python3 libglib2.0-dev libjson-glib-dev liburing-dev qemu-system-x86"
missing=""
for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "install-deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
    echo "install-deps: missing packages; run as root:" >&2
    echo "  apt-get install$missing" >&2
    exit 1
fi
