"""A running service's memory, stage by stage: after start-up, after new searches and answers from one client,
then after new searches from 8 clients. RSS split into anonymous memory (Python objects, tables) and file pages
(the model's weights, libraries, index files, shared with the page cache). With `--starts N`, first N start-ups
(process start to /health 200) and N cold CLI searches (`plansearch search 溺水 -k 3`). Prints figures; asserts
nothing.

    .venv/bin/python bench/service_memory.py [--index-dir DIR] [--requests 200] [--starts 0]"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_latency import start_server, unique_queries  # noqa: E402

FIELDS = ("VmRSS", "VmHWM", "RssAnon", "RssFile")


def memory_mb(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name = line.split(":")[0]
        if name in FIELDS:
            out[name] = int(line.split()[1]) // 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", help="index to serve (default: the configured one)")
    parser.add_argument("--requests", type=int, default=200, help="requests per stage (bounded)")
    parser.add_argument("--starts", type=int, default=0, help="start-ups and cold CLI searches to time first")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.index_dir:
        env["PLANSEARCH_INDEX_DIR"] = args.index_dir
    if args.starts:
        starts, searches = [], []
        for _ in range(min(args.starts, 20)):
            proc, _, startup = start_server(env)
            proc.terminate()
            proc.wait(timeout=30)
            starts.append(f"{startup:.2f}")
        for _ in range(min(args.starts, 20)):
            began = time.perf_counter()
            subprocess.run([sys.executable, "-m", "plansearch.cli", "search", "溺水", "-k", "3"], env=env,
                           capture_output=True, check=True, timeout=120)
            searches.append(f"{time.perf_counter() - began:.2f}")
        print(f"start-ups (s): {', '.join(starts)}\ncold CLI searches (s): {', '.join(searches)}")
    n = max(1, min(args.requests, 250))
    proc, base, startup = start_server(env)
    queries = iter(unique_queries(4 * n))
    print(f"start-up {startup:.1f} s\nstage | RSS MB | peak MB | anonymous MB | file pages MB")

    def row(stage: str) -> None:
        m = memory_mb(proc.pid)
        print(f"{stage} | {m['VmRSS']} | {m['VmHWM']} | {m['RssAnon']} | {m['RssFile']}")

    try:
        row("after start-up")
        with httpx.Client(timeout=300) as client:
            for _ in range(n):
                client.get(base + "/api/search", params={"q": next(queries)}).raise_for_status()
            row(f"{n} new searches, 1 client")
            for _ in range(n // 4):
                client.get(base + "/api/ask", params={"q": next(queries)}).raise_for_status()
            row(f"{n // 4} new answers, 1 client")

        def one(q: str) -> None:
            with httpx.Client(timeout=300) as c:
                c.get(base + "/api/search", params={"q": q}).raise_for_status()

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(one, [next(queries) for _ in range(2 * n)]))
        row(f"{2 * n} new searches, 8 clients")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
