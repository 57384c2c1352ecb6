#!/usr/bin/env bash
# Checks deploy/medfaq.service with `systemd-analyze verify`, as tests/deploy.rs does.
# Installs systemd from the Debian packages when systemd-analyze is missing and we may
# (root with apt-get); otherwise says so and skips.
#
# usage: deploy/verify.sh [path/to/medfaq]   (default: target/release/medfaq, built if absent)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v systemd-analyze >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "systemd-analyze not found: installing the Debian package systemd"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends systemd >/dev/null
    else
        echo "SKIPPED: systemd-analyze is not installed and cannot be installed here (needs root and apt-get)"
        exit 0
    fi
fi

bin="${1:-target/release/medfaq}"
if [ ! -x "$bin" ]; then
    cargo build --release --bin medfaq
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# verify checks that ExecStart's program exists: point it at the binary
sed "s|/usr/local/bin/medfaq|$bin|" deploy/medfaq.service >"$tmp/medfaq.service"
out="$(systemd-analyze verify "$tmp/medfaq.service" 2>&1)" || { echo "$out"; exit 1; }
# unknown keys and bad values are warnings with exit 0: any word about the unit fails
if grep -q medfaq <<<"$out"; then
    echo "$out"
    echo "FAILED: systemd-analyze verify has remarks about deploy/medfaq.service"
    exit 1
fi
echo "ok: systemd-analyze verify deploy/medfaq.service ($(systemd-analyze --version | head -1))"
