"""Benchmark the vector index at scale: exact (flat inner product) against HNSW, on synthetic corpora
derived from the real passage vectors. Prints recall@10 of HNSW against exact search, query latency and
build time. Asserts nothing.

    .venv/bin/python bench/ann_recall.py [--index-dir DIR] [--sizes 100000,1000000] [--queries 200]
    .venv/bin/python bench/ann_recall.py --built /tmp/scale-1m/index     # an index's own HNSW segment,
                                                                       # queried with the gold set's queries
    .venv/bin/python bench/ann_recall.py --built /tmp/scale-1m/index --ef-construction 40,80
                                                 # that segment's vectors in graphs built with these breadths

Embedding a million passages on 2 cores takes hours, so large corpora reuse real passage vectors with
seeded Gaussian noise (renormalised): the neighbourhood structure of real text, at any size."""
from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np

from plansearch.settings import Settings
from plansearch.stores import open_source
from plansearch.stores.folder_segments import make_vector_index      # this bench measures the folder store's segments


def synthetic_vectors(real: np.ndarray, n: int, seed: int, noise: float = 0.03) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = real[rng.integers(0, len(real), size=n)]
    out = base + rng.normal(0, noise, size=base.shape).astype(np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out.astype(np.float32)


def main() -> None:
    import faiss

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", help="a built index of the real corpus (default: the configured one)")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--built", help="measure this index's approximate segments with real encoded queries")
    parser.add_argument("--ef-construction", help="with --built: build each segment's graph again with these "
                                                  "efConstruction values (comma-separated) and measure those")
    args = parser.parse_args()
    if args.built:
        rebuild = [int(v) for v in args.ef_construction.split(",")] if args.ef_construction else []
        return measure_built(Path(args.built), rebuild)
    settings = Settings()
    index = open_source(Settings(index_dir=Path(args.index_dir)) if args.index_dir else settings).open()
    real = index.vectors_of([row for row, _ in index.iter_passages()])
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; date {time.strftime('%Y-%m-%d')}; "
          f"faiss {faiss.__version__}; base vectors: {len(real)} real passages, dimension {real.shape[1]}")
    rng = np.random.default_rng(7)
    queries = synthetic_vectors(real, args.queries, seed=99, noise=0.05)
    print("passages | index | build s | recall@10 vs exact | p50 ms | p99 ms")
    for n in (int(x) for x in args.sizes.split(",")):
        vectors = synthetic_vectors(real, n, seed=n)
        exact = faiss.IndexFlatIP(vectors.shape[1])
        exact.add(vectors)
        truth = exact.search(queries, 10)[1]
        for label, built in (("flat (exact)", exact), ("hnsw", None)):
            started = time.perf_counter()
            if built is None:
                built = make_vector_index(vectors.shape[1], n, force_ann=True)
                built.add(vectors)
                pass
            build_s = time.perf_counter() - started if label == "hnsw" else 0.0
            latencies = []
            found = []
            for q in queries:
                t = time.perf_counter()
                _, rows = built.search(q.reshape(1, -1), 10)
                latencies.append((time.perf_counter() - t) * 1000)
                found.append(rows[0])
            recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)])
            print(f"{n:>8} | {label:12} | {build_s:7.1f} | {recall:18.3f} | {np.percentile(latencies, 50):6.2f} | "
                  f"{np.percentile(latencies, 99):6.2f}")
        del vectors, exact
    _ = rng


def measure_built(root: Path, ef_constructions: list[int]) -> None:
    """Recall@10 of each approximate segment of a built index against exact search over the same vectors,
    for the gold set's queries encoded by the real model, at full and at feedback breadth; with
    `ef_constructions`, of graphs built again from the segment's vectors with those breadths instead."""
    import faiss

    from eval.gold import load_gold
    from embeddings.encoder import load_encoder
    from plansearch.search import FEEDBACK_BREADTH
    from plansearch.stores.folder_segments import HNSW_M, ef_search

    settings = Settings(index_dir=root)
    index = open_source(settings).open()
    queries = load_gold("all")
    vectors = load_encoder(settings).encode_queries([q.text for q in queries])
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; date {time.strftime('%Y-%m-%d')}; "
          f"faiss {faiss.__version__}; {len(queries)} gold-set queries, encoded by the real model")
    print("segment rows | efConstruction | build s | efSearch | recall@10 vs exact | p50 ms | p99 ms")
    for seg in index.segments:
        if not seg.is_approximate:
            continue
        stored = np.ascontiguousarray(seg.vectors_of(np.arange(seg.size)), dtype=np.float32)
        exact = faiss.IndexFlatIP(seg.dimension)
        exact.add(stored)
        truth = exact.search(vectors, 10)[1]
        del exact
        graphs = [("as built", "–", lambda q, ef: seg.search(q, 10, None, ef / ef_search(seg.size))[0])]
        for efc in ef_constructions:
            graph = faiss.IndexHNSWFlat(seg.dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            graph.hnsw.efConstruction = efc
            started = time.perf_counter()
            graph.add(stored)
            took = f"{time.perf_counter() - started:.0f}"

            def search(q, ef, graph=graph):
                return graph.search(q.reshape(1, -1), 10, params=faiss.SearchParametersHNSW(efSearch=ef))[1][0]
            graphs.append((str(efc), took, search))
        for label, took, search in graphs:
            for breadth in (1.0, FEEDBACK_BREADTH):
                ef = int(ef_search(seg.size) * breadth)
                latencies, found = [], []
                for q in vectors:
                    t = time.perf_counter()
                    found.append(search(q, ef))
                    latencies.append((time.perf_counter() - t) * 1000)
                recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)])
                print(f"{seg.size:>12} | {label:>14} | {took:>7} | {ef:>8} | {recall:18.3f} | "
                      f"{np.percentile(latencies, 50):6.2f} | {np.percentile(latencies, 99):6.2f}", flush=True)


if __name__ == "__main__":
    main()
