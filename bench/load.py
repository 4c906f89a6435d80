"""Load the running service the way a busy office does: N clients at once, each sending a mix of searches,
questions, passage look-ups and plan lists, with new queries (encoded) and repeated ones (cached).
Prints throughput and latency per client count; asserts nothing.

    .venv/bin/python bench/load.py [--index-dir DIR] [--clients 8,32] [--requests 600] [--seconds 60]
    .venv/bin/python bench/load.py --in-process [--clients 4,32]    # the same mix, no HTTP: N threads call the searcher

The service is started as a user starts it (`plansearch serve`) on 127.0.0.1 and a free port; the load
goes to 127.0.0.1 only, bounded by --requests per client count and --seconds per client count."""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_latency import QUERIES, WORDS, cpu_seconds, start_server  # noqa: E402


def requests_for(n: int, run: int) -> list[tuple[str, dict]]:
    """n requests: 60 % search (half of them queries never sent before, in this run or another), 15 % ask,
    15 % passage, 10 % plans; the same mix in every run."""
    pairs = [f"{a} {b}" for i, a in enumerate(WORDS) for b in WORDS[i + 1:]]
    out = []
    for i in range(n):
        j = i
        r = i % 20
        if r < 6:
            out.append(("/api/search", {"q": f"{pairs[j % len(pairs)]} {run + 1}", "k": 10}))
        elif r < 12:
            out.append(("/api/search", {"q": QUERIES[j % len(QUERIES)], "k": 10}))
        elif r < 15:
            out.append(("/api/ask", {"q": QUERIES[j % len(QUERIES)]}))
        elif r < 18:
            out.append(("/api/passages/daqing-children-2021-d2-m" + str(1 + j % 5), {}))
        else:
            out.append(("/api/plans", {}))
    return out


def run(base: str, clients: int, plan: list[tuple[str, dict]], seconds: float, pid: int) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    local = threading.local()

    def one(item: tuple[str, dict]) -> None:
        nonlocal errors
        if time.monotonic() > deadline:
            return
        client = getattr(local, "client", None) or httpx.Client(timeout=60)
        local.client = client
        t = time.perf_counter()
        r = client.get(base + item[0], params=item[1])
        elapsed = (time.perf_counter() - t) * 1000
        with lock:
            latencies.append(elapsed)
            errors += r.status_code >= 500

    started, cpu = time.perf_counter(), cpu_seconds(pid)
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, plan))
    wall = time.perf_counter() - started
    cpu = cpu_seconds(pid) - cpu
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"n": len(latencies), "p50": q[49], "p95": q[94], "p99": q[98], "rps": len(latencies) / wall,
            "errors": errors, "cpu_ms": cpu * 1000 / len(latencies)}


def in_process(clients: list[int], requests: int) -> None:
    """The same request mix straight into the searcher from N threads: does the search itself scale?"""
    from plansearch.ask import Asker
    from plansearch.runtime import open_searcher
    from plansearch.search import SearchRequest
    from plansearch.settings import Settings

    settings = Settings()
    searcher = open_searcher(settings)
    asker = Asker(searcher, settings)

    def one(item: tuple[str, dict]) -> None:
        path, params = item
        if path == "/api/search":
            searcher.search(SearchRequest(q=params["q"], k=10))
        elif path == "/api/ask":
            asker.ask(params["q"])
        elif path.startswith("/api/passages/"):
            searcher.passage(path.rsplit("/", 1)[1])
        else:
            searcher.plan_summaries()

    for q in QUERIES:
        searcher.search(SearchRequest(q=q, k=10))
        asker.ask(q)
    print("threads | requests | req/s | CPU ms/request")
    for n, threads in enumerate(clients):
        plan = requests_for(requests, 100 + n)
        cpu, started = time.process_time(), time.perf_counter()
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(one, plan))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"{threads:>7} | {len(plan):>8} | {len(plan) / wall:5.1f} | {cpu * 1000 / len(plan):5.1f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", help="index to serve (default: the configured one)")
    parser.add_argument("--clients", default="8,32")
    parser.add_argument("--requests", type=int, default=600, help="requests per client count (bounded)")
    parser.add_argument("--seconds", type=float, default=60, help="time limit per client count")
    parser.add_argument("--in-process", action="store_true", help="no service: threads call the searcher directly")
    args = parser.parse_args()
    if args.in_process:
        if args.index_dir:
            os.environ["PLANSEARCH_INDEX_DIR"] = args.index_dir
        in_process([int(x) for x in args.clients.split(",")], args.requests)
        return
    env = dict(os.environ)
    if args.index_dir:
        env["PLANSEARCH_INDEX_DIR"] = args.index_dir
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}; "
          f"date {time.strftime('%Y-%m-%d')}")
    proc, base, _ = start_server(env)
    try:
        for q in QUERIES:           # warm-up, not measured: the repeated queries are then cached in every row
            httpx.get(base + "/api/search", params={"q": q, "k": 10})
            httpx.get(base + "/api/ask", params={"q": q})
        print(f"load average before: {os.getloadavg()[0]:.1f}")
        print("clients | requests | p50 ms | p95 ms | p99 ms | req/s | service CPU ms/request | 5xx")
        for n, clients in enumerate(int(x) for x in args.clients.split(",")):
            s = run(base, clients, requests_for(args.requests, n), args.seconds, proc.pid)
            print(f"{clients:>7} | {s['n']:>8} | {s['p50']:6.1f} | {s['p95']:6.1f} | {s['p99']:6.1f} | "
                  f"{s['rps']:5.1f} | {s['cpu_ms']:6.1f} | {s['errors']}", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
