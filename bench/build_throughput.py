"""Benchmark index builds of the real corpus: a complete build with a cold embedding cache, a complete
rebuild with a warm one, and `plansearch index` on the unchanged corpus (nothing to do). Prints figures.

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
        for label, rebuild in (("complete build, cold cache", True), ("complete rebuild, warm cache", True),
                               ("unchanged corpus (incremental)", False)):
            started = time.perf_counter()
            summary = build(settings, rebuild=rebuild)
            seconds = time.perf_counter() - started        # with the model load when something is embedded
            print(f"{label}: {summary.passages} passages, {summary.embedded} embedded, {seconds:.2f} s, "
                  f"{summary.passages / seconds:.0f} passages/s")


if __name__ == "__main__":
    main()
