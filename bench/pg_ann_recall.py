"""Recall of the PostgreSQL store's HNSW search (pgvector) against exact search, by ef_search: the gold set's
queries encoded by the real model, on an index that bench/pg_scale.py has copied into a local server.

    .venv/bin/python bench/pg_ann_recall.py --folder /tmp/scale-1m/index --pg-dir /tmp/pg-1m [--ef 200,400,800]

Exact neighbours come from the folder index's stored vectors (the same vectors the database holds), matched
to the database's rows by passage id. For each ef_search: recall@10 and recall@100 of `PgIndex.dense` at depth
100, and its latency. Asserts nothing; the server is left running as pg_scale.py leaves it."""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path
from unittest import mock

import numpy as np

from plansearch.stores.folder import FolderIndex
from plansearch.stores.pg import reader as pg_reader
from plansearch.stores.pg.server import LocalServer
from plansearch.stores.pg.source import PgSource

DEPTH = 100


def main() -> None:
    from embeddings.encoder import load_encoder
    from eval.gold import load_gold
    from plansearch.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", required=True, help="the folder-store index that was copied (…/index)")
    parser.add_argument("--pg-dir", required=True, help="folder of the local PostgreSQL cluster")
    parser.add_argument("--ef", default="100,200,400,600,800,1000", help="ef_search values, comma-separated")
    args = parser.parse_args()

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; date {time.strftime('%Y-%m-%d %H:%M')}; "
          f"load average {os.getloadavg()[0]:.1f}")
    folder = FolderIndex.open(Path(args.folder), verify="sizes")
    url = LocalServer(Path(args.pg_dir)).start(options={"shared_buffers": "1GB", "work_mem": "64MB"})
    index = PgSource(url, query_timeout_ms=600_000).open()
    queries = load_gold("all")
    vectors = load_encoder(Settings()).encode_queries([q.text for q in queries])
    print(f"{index.count:,} rows; {len(queries)} gold-set queries encoded by the real model")

    stored = folder.vectors_of(np.arange(folder.count))
    scores = vectors @ stored.T
    truth_rows = np.argsort(-scores, axis=1)[:, :DEPTH]
    del scores, stored
    with index.pool.connection() as conn:
        rid_of = dict(conn.execute("SELECT passage_id, rid FROM passages WHERE dead IS NULL").fetchall())
    truth = [[rid_of[folder.passage(int(r)).id] for r in rows] for rows in truth_rows]

    print("ef_search | recall@10 | recall@100 | p50 ms | p95 ms")
    for ef in (int(x) for x in args.ef.split(",")):
        with mock.patch.object(pg_reader, "ef_search", lambda size, breadth, depth, ef=ef: max(ef, depth)):
            for v in vectors[:20]:                     # buffers warm for this breadth
                index.dense(v, None, DEPTH)
            found, took = [], []
            for v in vectors:
                t = time.perf_counter()
                found.append([r for r, _ in index.dense(v, None, DEPTH)])
                took.append((time.perf_counter() - t) * 1000)
        r10 = np.mean([len(set(f[:10]) & set(t[:10])) / 10 for f, t in zip(found, truth)])
        r100 = np.mean([len(set(f) & set(t)) / DEPTH for f, t in zip(found, truth)])
        print(f"{ef} | {r10:.3f} | {r100:.3f} | {statistics.median(took):.1f} | "
              f"{np.percentile(took, 95):.1f}", flush=True)


if __name__ == "__main__":
    main()
