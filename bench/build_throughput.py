"""Benchmark index builds: passages/s with a cold embedding cache and with a warm one. Prints figures.

    .venv/bin/python bench/build_throughput.py"""
from __future__ import annotations

import os
import platform
import tempfile
import time
from pathlib import Path

from plansearch.runtime import build
from plansearch.settings import Settings


def main() -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; date {time.strftime('%Y-%m-%d')}")
    base = Settings()
    with tempfile.TemporaryDirectory() as tmp:
        # the model folder is shared (built once); the embedding cache starts empty
        settings = Settings(index_dir=Path(tmp) / "index", cache_dir=Path(tmp) / "cache")
        (Path(tmp) / "cache").mkdir()
        os.symlink(base.model_cache_dir, settings.model_cache_dir) if base.model_cache_dir.exists() else None
        for label in ("cold cache", "warm cache"):
            summary = build(settings)
            print(f"{label}: {summary.passages} passages, {summary.embedded} embedded, {summary.seconds:.1f} s, "
                  f"{summary.passages / summary.seconds:.0f} passages/s")


if __name__ == "__main__":
    main()
