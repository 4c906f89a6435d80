"""Benchmark index builds of the real corpus: a complete build with a cold embedding cache (the shipped vectors
not taken: every passage embedded), a complete rebuild with a warm one, `plansearch index` on the unchanged
corpus (nothing to do), and a fresh machine's first build, which takes the shipped vectors. Prints figures.

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
        cold = Settings(index_dir=Path(tmp) / "index", cache_dir=Path(tmp) / "cache", bundled_vectors=False)
        first = Settings(index_dir=Path(tmp) / "first-index", cache_dir=Path(tmp) / "first-cache")
        for settings in (cold, first):
            settings.cache_dir.mkdir()
            os.symlink(base.model_cache_dir, settings.model_cache_dir) if base.model_cache_dir.exists() else None
        for label, settings, rebuild in (("complete build, cold cache", cold, True),
                                         ("complete rebuild, warm cache", cold, True),
                                         ("unchanged corpus (incremental)", cold, False),
                                         ("first build, shipped vectors", first, False)):
            started = time.perf_counter()
            summary = build(settings, rebuild=rebuild)
            seconds = time.perf_counter() - started        # with the model load when something is embedded
            print(f"{label}: {summary.passages} passages, {summary.embedded} embedded, {seconds:.2f} s, "
                  f"{summary.passages / seconds:.0f} passages/s")


if __name__ == "__main__":
    main()
