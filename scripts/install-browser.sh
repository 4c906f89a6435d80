#!/usr/bin/env bash
# Install what the browser tests (tests/test_web.py) need: Debian's chromium, the Noto CJK fonts
# and the playwright Python package. Idempotent: each part is skipped when already present.
# `playwright install` (a browser download) is never used: the tests drive the system chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  SUDO=(sudo)
fi

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium and fonts-noto-cjk …" >&2
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends \
    chromium fonts-noto-cjk >/dev/null
elif ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  echo "installing fonts-noto-cjk …" >&2
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends fonts-noto-cjk >/dev/null
fi

PY=${PY:-.venv/bin/python}
if ! "$PY" -c "import playwright" >/dev/null 2>&1; then
  echo "installing playwright (Python package only, no browser download) …" >&2
  "$PY" -m pip install --quiet --disable-pip-version-check playwright
fi
echo "browser test dependencies ready: $(command -v chromium)" >&2
