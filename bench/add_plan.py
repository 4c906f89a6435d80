"""Benchmark incremental indexing: add one plan to a large index, remove it, add it again. Prints figures.

    .venv/bin/python bench/add_plan.py --out /tmp/scale-100k     # made by bench/make_scale_corpus.py
    .venv/bin/python bench/add_plan.py --out <folder with corpus/ and index/ of the real corpus copy>

The added plan is 大庆市's children's plan rewritten for a new place (a new name each run, so its
passages are not in the embedding cache and are embedded by the real model: "cold"); after removing it,
adding it again finds its vectors in the cache ("warm"), which isolates the indexing work from embedding.
Each step runs `plansearch.runtime.build`, what `plansearch index` runs; the model is loaded beforehand."""
from __future__ import annotations

import argparse
import os
import platform
import random
import time
from pathlib import Path

from make_scale_corpus import names_of, rewrite, toml_entry
from embeddings.encoder import load_encoder
from indexer.corpus import load_corpus
from indexer.lines import read_text
from plansearch.runtime import build
from plansearch.settings import Settings
from plansearch.stores import open_source

TEMPLATE = "daqing-children-2021"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder holding corpus/ and index/")
    args = parser.parse_args()
    out = Path(args.out)
    settings = Settings(corpus_dir=out / "corpus", index_dir=out / "index")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; date {time.strftime('%Y-%m-%d')}")
    started = time.perf_counter()
    encoder = load_encoder(settings)
    print(f"model loaded in {time.perf_counter() - started:.1f} s (not counted below)")
    source = load_corpus(Settings().corpus_dir)
    template = next(m for m in source.plans if m.id == TEMPLATE)
    lines = read_text(source.root / template.source_file).splitlines()
    place = "测" + random.Random(time.time_ns()).choice("甲乙丙丁戊己庚辛壬癸") + str(time.time_ns() % 10_000) + "县"
    text = "\n".join(rewrite(lines, names_of(template), place, random.Random(1))) + "\n"
    manifest = settings.corpus_dir / "plans.toml"
    original = manifest.read_text(encoding="utf-8")
    entry = toml_entry({"id": "bench-added", "title": template.title.replace("大庆市", place), "short_name": place,
                        "county": place, "subject": template.subject, "period": template.period,
                        "source_file": "bench-added.txt"})
    plan_file = settings.corpus_dir / "bench-added.txt"

    def step(label: str, add: bool) -> None:
        if add:
            plan_file.write_text(text, encoding="utf-8")
            manifest.write_text(original + "\n" + entry, encoding="utf-8")
        else:
            plan_file.unlink()
            manifest.write_text(original, encoding="utf-8")
        t = time.perf_counter()
        summary = build(settings, encoder=encoder)
        seconds = time.perf_counter() - t
        manifest_now, _ = open_source(settings).writer().state()
        print(f"{label:<22} index {summary.passages:>9,} passages | {seconds:6.2f} s | embedded {summary.embedded:>3} | "
              f"added {len(summary.added)} removed {len(summary.removed)} unchanged {len(summary.unchanged):,} | "
              f"segments {len(manifest_now.segments)}")

    try:
        step("add (cold cache)", True)
        step("remove", False)
        step("add (warm cache)", True)
        step("remove", False)
    finally:
        manifest.write_text(original, encoding="utf-8")
        plan_file.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
