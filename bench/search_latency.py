"""Benchmark `/api/search` over HTTP: latency percentiles and throughput at several concurrencies,
plus the service's start-up time and peak memory. Prints figures; asserts nothing.

The service's CPU time per request (read from /proc around each run) bounds what more clients can gain on this
machine: `cores × 1000 / CPU ms` requests a second at most, however the work is spread.

    .venv/bin/python bench/search_latency.py [--index-dir DIR] [--requests 300] [--concurrency 1,8,32]

The load generator only targets 127.0.0.1 and is bounded in request count and time."""
from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

QUERIES = ["其他地方怎么预防儿童溺水", "小学生近视率", "留守儿童关爱", "婴儿死亡率", "托育机构", "学生欺凌",
           "网瘾", "家庭教育指导服务", "妇女参与决策", "宫颈癌筛查", "儿童友好城市", "未成年人网络保护",
           "大庆 溺水", "新星市 近视 目标", "义务教育巩固率", "孕产妇死亡率"]
WORDS = ["溺水", "近视", "留守儿童", "托育", "欺凌", "网络", "营养", "疫苗", "心理健康", "家庭教育", "学前教育",
         "残疾儿童", "孤儿", "性侵害", "交通安全", "食品安全", "儿童之家", "法律援助", "童工", "家暴", "两癌",
         "妇女就业", "女干部", "生育", "养老", "婚姻", "环境", "饮用水", "厕所", "阅读", "体育", "睡眠", "校外培训",
         "随迁子女", "流动儿童", "监护", "收养", "网瘾", "早期发展", "出生缺陷"]
TIME_LIMIT_S = 120


def unique_queries(n: int) -> list[str]:
    """n different two-word queries (every one misses the query-embedding cache)."""
    pairs = [f"{a} {b}" for i, a in enumerate(WORDS) for b in WORDS[i + 1:]]
    return pairs[:n]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process so far (CPU per request is steadier than req/s on a busy host)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen, str, float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "plansearch.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while time.perf_counter() - started < 300:
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                return proc, base, time.perf_counter() - started
        except httpx.HTTPError:
            time.sleep(0.1)
        if proc.poll() is not None:
            raise SystemExit("server exited during start-up")
    proc.kill()
    raise SystemExit("server did not start in 300 s")


def index_open_seconds(env: dict[str, str]) -> float:
    from plansearch.settings import Settings
    from plansearch.stores import open_source

    root = Path(env["PLANSEARCH_INDEX_DIR"]) if "PLANSEARCH_INDEX_DIR" in env else Settings().index_dir
    started = time.perf_counter()
    open_source(Settings(index_dir=root)).open()
    return time.perf_counter() - started


def load(base: str, concurrency: int, requests: int, queries: list[str]) -> dict[str, float]:
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + TIME_LIMIT_S
    local = threading.local()

    def one(i: int) -> None:
        if time.monotonic() > deadline:
            return
        client = getattr(local, "client", None) or httpx.Client(timeout=30)
        local.client = client
        t = time.perf_counter()
        r = client.get(base + "/api/search", params={"q": queries[i % len(queries)], "k": 10})
        elapsed = (time.perf_counter() - t) * 1000
        r.raise_for_status()
        with lock:
            latencies.append(elapsed)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(requests)))
    wall = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"n": len(latencies), "p50": q[49], "p95": q[94], "p99": q[98], "rps": len(latencies) / wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", help="index to serve (default: the configured one)")
    parser.add_argument("--requests", type=int, default=250, help="requests per concurrency level (bounded)")
    parser.add_argument("--concurrency", default="1,8,32")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.index_dir:
        env["PLANSEARCH_INDEX_DIR"] = args.index_dir
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}; "
          f"date {time.strftime('%Y-%m-%d')}")
    proc, base, startup = start_server(env)
    try:
        health = httpx.get(base + "/health").json()
        print(f"index: {health['passages']} passages, model {health['model']}")
        print(f"start-up (process start → /health 200, model load included): {startup:.1f} s")
        print(f"index open alone (in this process): {index_open_seconds(env):.2f} s")
        for _ in range(20):   # warm-up, not measured (the first search at 1M reads tables for seconds)
            httpx.get(base + "/api/search", params={"q": "儿童"}, timeout=300)
        fresh = unique_queries(len(WORDS) * (len(WORDS) - 1) // 2)
        used = 0
        print("queries | concurrency | requests | p50 ms | p95 ms | p99 ms | req/s | server CPU ms/req | "
              "req/s the cores allow")
        for c in (int(x) for x in args.concurrency.split(",")):
            batch = fresh[used:used + args.requests]
            used += args.requests
            for label, queries in (("new each time", batch), (f"{len(QUERIES)} repeated", QUERIES)):
                cpu = cpu_seconds(proc.pid)
                s = load(base, c, args.requests, queries)
                per = (cpu_seconds(proc.pid) - cpu) * 1000 / max(s["n"], 1)
                print(f"{label:>15} | {c:>11} | {s['n']:>8} | {s['p50']:6.1f} | {s['p95']:6.1f} | {s['p99']:6.1f} "
                      f"| {s['rps']:5.1f} | {per:5.1f} | {(os.cpu_count() or 1) * 1000 / max(per, 1e-9):5.0f}")
        print(f"service peak RSS: {peak_rss_mb(proc.pid):.0f} MB")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
