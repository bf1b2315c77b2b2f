#!/bin/sh
# Installs every Debian package pathways needs to build, test and benchmark.
# Idempotent: apt-get skips what is already there. Run as root on Debian 12.
set -eu
PKGS="build-essential cmake pkg-config git
      libgsl-dev librandom123-dev libjansson-dev libyaml-dev
      libsqlite3-dev sqlite3 libpq-dev postgresql
      libmicrohttpd-dev libgnutls28-dev libsodium-dev libcmocka-dev
      libxlsxwriter-dev
      libopenmpi-dev openmpi-bin
      curl openssl wrk jq chromium chromium-driver fonts-dejavu-core
      python3 python3-pandas"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "pathways: installing:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
