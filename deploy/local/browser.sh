#!/usr/bin/env bash
# The browsers the console's tests drive: Debian's headless-capable `chromium` (through Playwright)
# and `firefox-esr` (over its native WebDriver BiDi), installed with apt-get when missing
# (Playwright cannot download its own browsers here, and the tests launch the system binaries).
# Idempotent: a browser that is already there and runs is only checked, never reinstalled.
#
# usage: deploy/local/browser.sh [ensure|path|firefox-path]
#   ensure        install chromium and firefox-esr when missing (default)
#   path          print the Chromium the tests use (CONSOLE_BROWSER, else /usr/bin/chromium)
#   firefox-path  print the Firefox the tests use (CONSOLE_FIREFOX, else /usr/bin/firefox-esr)
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
LOG_DIR=$ROOT/var/log
CHROMIUM=${CONSOLE_BROWSER:-/usr/bin/chromium}
FIREFOX=${CONSOLE_FIREFOX:-/usr/bin/firefox-esr}
APT_UPDATED=0

say() { printf '[browser] %s\n' "$*"; }
die() { printf '[browser] ERROR: %s\n' "$*" >&2; exit 1; }

# both answer --version without a display; chromium needs --headless --no-sandbox as root
chromium_works() { [[ -x $CHROMIUM ]] && "$CHROMIUM" --headless --no-sandbox --version >/dev/null 2>&1; }
firefox_works() { [[ -x $FIREFOX ]] && "$FIREFOX" --headless --version >/dev/null 2>&1; }

# apt_install NAME PACKAGE...: one apt-get update per run, then the install (logged under var/log)
apt_install() {
    local name=$1; shift
    [[ $(id -u) -eq 0 ]] || die "$name is not installed: run as root once (apt-get install $*)"
    command -v apt-get >/dev/null 2>&1 \
        || die "$name is not installed and this is not a Debian/Ubuntu system: install it and set its CONSOLE_* variable"
    mkdir -p "$LOG_DIR"
    local apt_log=$LOG_DIR/apt-$name.log
    # another apt-get on the machine holds the dpkg lock for a while: wait for it instead of failing
    say "$name is not installed: installing it with apt-get (one time; log $apt_log)"
    if [[ $APT_UPDATED -eq 0 ]]; then
        if ! apt-get -o DPkg::Lock::Timeout=600 update >"$apt_log" 2>&1; then
            tail -n 20 "$apt_log" >&2
            die "apt-get update failed (network or apt sources?): cannot install $name"
        fi
        APT_UPDATED=1
    fi
    if ! DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "$@" >>"$apt_log" 2>&1; then
        tail -n 20 "$apt_log" >&2
        die "apt-get install $* failed: install it by hand or set its CONSOLE_* variable"
    fi
}

ensure() {
    if ! chromium_works; then
        [[ $CHROMIUM == /usr/bin/chromium ]] \
            || die "CONSOLE_BROWSER=$CHROMIUM does not run: point it at a working Chromium"
        apt_install chromium chromium fonts-dejavu-core
        chromium_works || die "chromium was installed but '$CHROMIUM --headless --version' fails"
        say "installed $("$CHROMIUM" --headless --no-sandbox --version 2>/dev/null)"
    fi
    if ! firefox_works; then
        [[ $FIREFOX == /usr/bin/firefox-esr ]] \
            || die "CONSOLE_FIREFOX=$FIREFOX does not run: point it at a working Firefox"
        apt_install firefox-esr firefox-esr fonts-dejavu-core
        firefox_works || die "firefox-esr was installed but '$FIREFOX --headless --version' fails"
        say "installed $("$FIREFOX" --headless --version 2>/dev/null)"
    fi
}

case ${1:-ensure} in
    ensure) ensure ;;
    path) echo "$CHROMIUM" ;;
    firefox-path) echo "$FIREFOX" ;;
    *) die "usage: $0 [ensure|path|firefox-path]" ;;
esac
