#!/usr/bin/env bash
# Make sure Debian's Chromium is at /usr/bin/chromium for the browser tests (test/browser/*).
# Never downloads a browser of its own: it uses the distribution package, as CI machines do.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $CHROMIUM is missing and apt-get is not available." >&2
  echo "Install Chromium with your system's package manager so that $CHROMIUM exists, then re-run the tests." >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "ensure-chromium: $CHROMIUM is missing and installing it needs root (no sudo found)." >&2
    echo "Run as root: apt-get update && apt-get install -y chromium" >&2
    exit 1
  fi
fi

echo "ensure-chromium: installing Debian's chromium package (one-time)…" >&2
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get update -qq >&2 || ! $SUDO apt-get install -y -qq chromium >&2; then
  echo "ensure-chromium: 'apt-get install chromium' failed." >&2
  echo "Install it by hand (apt-get update && apt-get install -y chromium) so that $CHROMIUM exists." >&2
  exit 1
fi

if [ ! -x "$CHROMIUM" ]; then
  echo "ensure-chromium: the chromium package installed but $CHROMIUM is still missing." >&2
  exit 1
fi
echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null || echo chromium) ready." >&2
