#!/bin/sh
# Installs the Debian packages the test suite drives for real: Chromium (the portal in a
# browser), Dovecot (the IMAP inbox) and Caddy (the HTTPS proxy before the Prefect
# server). Idempotent; does nothing when all are present.
# Needs root and apt; where that is missing it says so and the tests that need them skip
# (or fail under CI=true).
set -e
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
[ -x /usr/sbin/dovecot ] || missing="$missing dovecot-imapd"
[ -x /usr/bin/caddy ] || missing="$missing caddy"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-packages: cannot install$missing here (needs root and apt-get)" >&2
  exit 0
fi
echo "system-packages: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
# Dovecot's package may start a system-wide server; the tests start their own. Only the
# one this install just started is stopped, by the id in its pid file: a server the user
# runs (there was no Dovecot before this install) is never touched.
case "$missing" in
  *dovecot*)
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now dovecot >/dev/null 2>&1 || true; fi
    if [ -r /run/dovecot/master.pid ]; then kill "$(cat /run/dovecot/master.pid)" 2>/dev/null || true; fi
    ;;
esac
# Caddy's package may start a system-wide server too; only the one just installed is stopped.
case "$missing" in
  *caddy*)
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now caddy >/dev/null 2>&1 || true; fi
    ;;
esac
