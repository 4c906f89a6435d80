#!/usr/bin/env bash
# Refresh the README's screenshots (docs/screenshots/) from the browser tests; a normal test run
# writes them to a temporary folder instead.
set -euo pipefail
cd "$(dirname "$0")/.."
PLANSEARCH_SCREENSHOT_DIR="$PWD/docs/screenshots" .venv/bin/python -m pytest -q tests/test_web.py "$@"
