"""The service's own CPU time per request, for a repeated /api/search and a repeated /api/ask (the query vector
and the store's reads cached, so what is left is the work every request repeats). Prints figures; asserts nothing.

    .venv/bin/python bench/server_cpu.py [--index-dir DIR] [--requests 200]

The service is started as a user starts it (`plansearch serve`) on 127.0.0.1 and a free port; its CPU time is read
from /proc before and after the requests, one client, one connection."""
from __future__ import annotations

import argparse
import http.client
import os
import sys
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_latency import cpu_seconds, start_server  # noqa: E402

PATHS = {"/api/search": "留守儿童关爱", "/api/ask": "其他地方怎么预防儿童溺水"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", help="index to serve (default: the configured one)")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    env = dict(os.environ)
    if args.index_dir:
        env["PLANSEARCH_INDEX_DIR"] = args.index_dir
    proc, base, _ = start_server(env)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=60)
        for path, q in PATHS.items():
            url = f"{path}?q={urllib.parse.quote(q)}"
            for _ in range(30):
                conn.request("GET", url)
                conn.getresponse().read()
            before = cpu_seconds(proc.pid)
            for _ in range(args.requests):
                conn.request("GET", url)
                conn.getresponse().read()
            used = cpu_seconds(proc.pid) - before
            print(f"{path} {q}: server CPU {used / args.requests * 1000:.2f} ms a request ({args.requests} repeated)")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
