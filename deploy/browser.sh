#!/usr/bin/env bash
# The browser tests' Chromium: Debian's package (never a downloaded browser). Installed with
# apt-get when missing; the tests skip with a clear reason only where that is impossible.
set -euo pipefail
CHROMIUM="${LOTLINE_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "browser: $CHROMIUM is missing and apt-get is not here: browser tests will be skipped" >&2
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
echo "browser: installing Debian's chromium (apt-get) for the dashboard's browser tests ..."
if ! { $SUDO apt-get install -y -q chromium >/tmp/lotline-chromium.log 2>&1 ||
        { $SUDO apt-get update -q >>/tmp/lotline-chromium.log 2>&1 &&
          $SUDO apt-get install -y -q chromium >>/tmp/lotline-chromium.log 2>&1; }; }; then
    tail -20 /tmp/lotline-chromium.log >&2
    echo "browser: could not install chromium (log above): browser tests will be skipped" >&2
fi
