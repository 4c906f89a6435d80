"""The PostgreSQL store at scale, beside the folder store on the same index: write time, size on disk, the
latency of the store's two ranking legs (BM25, dense) at concurrency 1 and 8, and adding / removing one plan.

The folder index (e.g. bench/make_scale_corpus.py's OUT/index) is copied into the database as one generation —
the same passages, vectors and tokens, so both stores answer the same question. Queries are the two-word
queries of bench/search_latency.py, encoded once with the real model beforehand (encoding is the same for
both stores and not counted). Each query runs what a search asks of a store: lexical(tokens, depth 100),
dense(vector, depth 100), and reading the ten best passages.

    .venv/bin/python bench/pg_scale.py --folder /tmp/scale-100k/index --pg-dir /tmp/pg-bench [--queries 200]

The server is a local one (`plansearch db start` code) in --pg-dir, left running (stop it with
`plansearch --index-dir <pg-dir>/.. db stop`, or delete the folder after stopping)."""
from __future__ import annotations

import argparse
import copy
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from pg_copy import new_plans_from  # noqa: E402
from search_latency import unique_queries  # noqa: E402

from plansearch.stores.folder import FolderIndex  # noqa: E402
from plansearch.stores.pg.server import LocalServer  # noqa: E402
from plansearch.stores.pg.source import PgSource  # noqa: E402

DEPTH = 100


def folder_query(index: FolderIndex, tokens: list[str], vector: np.ndarray) -> None:
    scores = index.lexical_scores(tokens)
    rows = np.flatnonzero(scores > 0)
    if len(rows) > DEPTH:
        rows = rows[np.argpartition(-scores[rows], DEPTH)[:DEPTH]]
    best = rows[np.argsort(-scores[rows], kind="stable")]
    dense_rows, _ = index.dense_search(vector, DEPTH)
    for r in list(dict.fromkeys([*dense_rows[:5].tolist(), *best[:5].tolist()]))[:10]:
        index.passage(int(r))


def pg_query(index, tokens: list[str], vector: np.ndarray) -> None:
    lexical = index.lexical(tokens, None, DEPTH)
    dense = index.dense(vector, None, DEPTH)
    for r in list(dict.fromkeys([r for r, _ in dense[:5]] + [r for r, _ in lexical[:5]]))[:10]:
        index.passage(r)


def measure(run, work: list[tuple[list[str], np.ndarray]], concurrency: int) -> dict[str, float]:
    times: list[float] = []
    lock = threading.Lock()
    cursor = iter(range(len(work)))

    def worker() -> None:
        while True:
            with lock:
                i = next(cursor, None)
            if i is None:
                return
            t = time.perf_counter()
            run(*work[i])
            with lock:
                times.append(time.perf_counter() - t)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    ms = sorted(x * 1000 for x in times)
    pick = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]  # noqa: E731
    return {"p50": statistics.median(ms), "p95": pick(0.95), "p99": pick(0.99), "qps": len(ms) / wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", required=True, help="a folder-store index (…/index)")
    parser.add_argument("--pg-dir", required=True, help="folder of the local PostgreSQL cluster")
    parser.add_argument("--queries", type=int, default=200, help="measured queries (at most 300)")
    parser.add_argument("--concurrency", default="1,8")
    parser.add_argument("--skip-load", action="store_true", help="the database already holds the index")
    args = parser.parse_args()

    from embeddings.encoder import load_encoder
    from indexer.tokenize import Tokenizer
    from plansearch.settings import Settings

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; date {time.strftime('%Y-%m-%d %H:%M')}; "
          f"load average {os.getloadavg()[0]:.1f}")
    folder = FolderIndex.open(Path(args.folder), verify="sizes")
    print(f"folder index: {folder.count:,} passages, {len(folder.plans):,} plans")
    server = LocalServer(Path(args.pg_dir))
    url = server.start(options={"shared_buffers": "1GB", "maintenance_work_mem": "3GB", "max_parallel_maintenance_workers": "1", "max_wal_size": "8GB",
                                "work_mem": "64MB"})
    source = PgSource(url, query_timeout_ms=600_000)
    if not args.skip_load:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public; CREATE EXTENSION IF NOT EXISTS vector")
        t = time.perf_counter()
        new = new_plans_from(folder)
        read = time.perf_counter() - t
        t = time.perf_counter()
        source.writer().write(copy.deepcopy(folder.manifest), new, [])
        print(f"write {folder.count:,} passages as one generation: {time.perf_counter() - t:.1f} s "
              f"(reading them from the folder index: {read:.1f} s, not counted)")
    with psycopg_connect(url) as conn:
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        tables = conn.execute("SELECT relname, pg_total_relation_size(oid) FROM pg_class WHERE relkind = 'r' "
                              "AND relnamespace = 'public'::regnamespace ORDER BY 2 DESC LIMIT 6").fetchall()
    print(f"database size: {size / 2**20:,.0f} MB (" + ", ".join(f"{n} {s / 2**20:,.0f} MB" for n, s in tables) + ")")
    folder_bytes = sum(f.stat().st_size for f in Path(args.folder).rglob("*") if f.is_file())
    print(f"folder index size: {folder_bytes / 2**20:,.0f} MB")

    t = time.perf_counter()
    index = source.open()
    print(f"open a reader (per-row codes of {index.count:,} rows): {time.perf_counter() - t:.2f} s")
    settings = Settings()
    encoder = load_encoder(settings)
    tokenizer = Tokenizer()
    texts = unique_queries(378)            # every pair of search_latency's words
    vectors = encoder.encode_queries(texts)
    work = [(tokenizer.tokens(q), v) for q, v in zip(texts, vectors)][:args.queries]
    warm = [(tokenizer.tokens(q), v) for q, v in zip(texts, vectors)][args.queries:]
    for run in (lambda tk, v: folder_query(folder, tk, v), lambda tk, v: pg_query(index, tk, v)):
        for w in warm:                     # other queries first: files and buffers touched once, as in service
            run(*w)
    print("store | concurrency | queries | p50 ms | p95 ms | p99 ms | queries/s")
    for c in [int(x) for x in args.concurrency.split(",")]:
        for label, run in (("folder", lambda tk, v: folder_query(folder, tk, v)),
                           ("postgresql", lambda tk, v: pg_query(index, tk, v))):
            s = measure(run, work, c)
            print(f"{label} | {c} | {len(work)} | {s['p50']:.1f} | {s['p95']:.1f} | {s['p99']:.1f} | {s['qps']:.1f}")

    victim = folder.plans[len(folder.plans) // 2]
    writer = source.writer()
    t = time.perf_counter()
    writer.write(copy.deepcopy(folder.manifest), None, copy.deepcopy([e for e in index.plans
                                                                      if e.meta.id != victim.meta.id]))
    removed = time.perf_counter() - t
    after = source.open()
    new = new_plans_from(folder, [victim.meta.id])
    t = time.perf_counter()
    writer.write(copy.deepcopy(folder.manifest), new, copy.deepcopy(after.plans))
    added = time.perf_counter() - t
    print(f"remove one plan ({victim.size} passages): {removed:.2f} s; add it back: {added:.2f} s "
          f"(each a new generation, committed)")
    source.close()


def psycopg_connect(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True)


if __name__ == "__main__":
    main()
