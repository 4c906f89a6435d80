"""How long a running service takes to answer from a new build after `plansearch index` swaps it in.

    .venv/bin/python bench/switch_latency.py [--runs 5]

Builds the bundled corpus into a temporary index (real model; embeddings from the user's cache), opens a
LiveSearcher as the service does, rebuilds, and asks for the searcher every 10 ms until it answers from the
new build (opened and fully verified while that request waits). Prints each run and the worst."""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from plansearch.runtime import LiveSearcher, build
from plansearch.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp) / "index")
        build(settings)
        live = LiveSearcher(settings)
        times = []
        for _ in range(args.runs):
            time.sleep(0.5)
            name = build(settings, rebuild=True).build
            swapped = time.monotonic()
            while live.get().index.describe()["serving_build"] != name:
                time.sleep(0.01)
            times.append(time.monotonic() - swapped)
            print(f"answering from the new build {times[-1]:.2f} s after the swap")
        print(f"worst of {args.runs}: {max(times):.2f} s")


if __name__ == "__main__":
    main()
