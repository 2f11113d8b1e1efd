#!/usr/bin/env bash
# The browser the console's tests drive: Debian's headless-capable `chromium`, installed with
# apt-get when missing (Playwright cannot download its own browsers here, and the tests launch the
# system binary). Idempotent: a Chromium that is already there is only reported.
#
# usage: deploy/local/browser.sh [ensure|path]
#   ensure  install chromium when missing (default)
#   path    print the executable the tests use (CONSOLE_BROWSER, else /usr/bin/chromium)
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
LOG_DIR=$ROOT/var/log
BROWSER=${CONSOLE_BROWSER:-/usr/bin/chromium}

say() { printf '[browser] %s\n' "$*"; }
die() { printf '[browser] ERROR: %s\n' "$*" >&2; exit 1; }

working() { [[ -x $BROWSER ]] && "$BROWSER" --headless --no-sandbox --version >/dev/null 2>&1; }

ensure() {
    working && return 0
    [[ $BROWSER == /usr/bin/chromium ]] \
        || die "CONSOLE_BROWSER=$BROWSER does not run: point it at a working Chromium"
    [[ $(id -u) -eq 0 ]] || die "chromium is not installed: run as root once (apt-get install chromium)"
    command -v apt-get >/dev/null 2>&1 \
        || die "chromium is not installed and this is not a Debian/Ubuntu system: install Chromium and set CONSOLE_BROWSER"
    mkdir -p "$LOG_DIR"
    local apt_log=$LOG_DIR/apt-chromium.log
    # another apt-get on the machine holds the dpkg lock for a while: wait for it instead of failing
    say "chromium is not installed: installing it with apt-get (one time; log $apt_log)"
    if ! apt-get -o DPkg::Lock::Timeout=600 update >"$apt_log" 2>&1; then
        tail -n 20 "$apt_log" >&2
        die "apt-get update failed (network or apt sources?): cannot install chromium"
    fi
    if ! DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends chromium fonts-dejavu-core >>"$apt_log" 2>&1; then
        tail -n 20 "$apt_log" >&2
        die "apt-get install chromium failed: install it by hand or set CONSOLE_BROWSER"
    fi
    working || die "chromium was installed but '$BROWSER --headless --version' fails (log $apt_log)"
    say "installed $("$BROWSER" --version 2>/dev/null)"
}

case ${1:-ensure} in
    ensure) ensure ;;
    path) echo "$BROWSER" ;;
    *) die "usage: $0 [ensure|path]" ;;
esac
