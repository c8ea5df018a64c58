#!/usr/bin/env bash
# End-to-end tests drive Debian's Chromium (never a downloaded browser). Installs it when missing
# and allowed to (root); otherwise says how.
set -euo pipefail
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$chromium" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium for the end-to-end tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "Chromium not found at $chromium: run 'sudo apt-get install -y chromium' or set CHROMIUM_PATH." >&2
exit 1
