"""Where a folder index lives: `current` names the build to serve; readers open it, the writer replaces it."""
from __future__ import annotations

import os
from pathlib import Path

from plansearch.stores.folder import CURRENT, FolderIndex
from plansearch.stores.folder_writer import FolderWriter


class FolderSource:
    """plansearch.index.IndexSource over an index folder (settings.index_dir)."""

    cheap_current = True          # `current` is one readlink: a service may look before every answer

    def __init__(self, root: Path):
        self.root = root

    def __str__(self) -> str:
        return str(self.root)

    def exists(self) -> bool:
        return (self.root / CURRENT).exists()

    def current(self) -> str | None:
        """The build `current` points at (one readlink), or None when there is no index."""
        try:
            return Path(os.readlink(self.root / CURRENT)).name
        except OSError:
            return None

    def open(self, verify: str = "auto") -> FolderIndex:
        return FolderIndex.open(self.root, verify=verify)

    def writer(self) -> FolderWriter:
        return FolderWriter(self.root)
