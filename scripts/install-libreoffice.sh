#!/usr/bin/env bash
# Install LibreOffice Writer (headless, no GUI): plansearch converts legacy .doc plans with it, and the
# tests render the bundled plans to .docx → .pdf / .doc with it. Idempotent.
set -euo pipefail
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  SUDO=(sudo)
fi
if ! command -v soffice >/dev/null 2>&1; then
  echo "installing libreoffice-writer-nogui …" >&2
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends \
    libreoffice-writer-nogui >/dev/null
fi
echo "LibreOffice ready: $(command -v soffice)" >&2
