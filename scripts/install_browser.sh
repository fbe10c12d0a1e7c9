#!/usr/bin/env bash
# Install Debian's chromium-headless-shell for the Playwright accessibility checks
# (`playwright install` cannot download browsers here). No-op when already installed.
set -euo pipefail

BROWSER=/usr/bin/chromium-headless-shell

if [[ -x "$BROWSER" ]]; then
  echo "install_browser: $BROWSER already installed"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install_browser: apt-get is not available; install chromium-headless-shell" \
       "by other means so that $BROWSER exists. Skipping." >&2
  exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
  echo "install_browser: not root; run as root (or: sudo apt-get update &&" \
       "sudo apt-get install -y --no-install-recommends chromium-headless-shell). Skipping." >&2
  exit 0
fi

echo "install_browser: installing chromium-headless-shell with apt-get"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium-headless-shell

if [[ ! -x "$BROWSER" ]]; then
  echo "install_browser: chromium-headless-shell installed but $BROWSER is missing" >&2
  exit 1
fi
echo "install_browser: installed $BROWSER"
