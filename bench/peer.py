"""plansearch against a naive chunk-and-fuse peer, on the same new questions in one run: the issue-15 ratio.

    .venv/bin/python bench/peer.py [--index-dir DIR] [--requests 200]

The peer is what a Chatchat-style knowledge base does with the same plans and the same model: each plan file
cut into chunks of at most 250 characters (50 overlapping) at paragraph, sentence and clause ends; the bundled
multilingual-e5-small through sentence-transformers (torch) for chunks and queries, exact inner product
(faiss); BM25 (bm25s) over jieba's search-mode words; the two top-20 lists fused by reciprocal rank (k = 60);
ten chunks returned. It searches in this process, so it pays no HTTP. plansearch is served as a user starts it
(`plansearch serve`) and asked over HTTP on 127.0.0.1. The questions go in BLOCKS blocks, each to one and then
to the other, so both see the same machine; not one by one, as torch's OpenMP threads go on spinning for a
while after each peer search and would slow the service's next query. Every question is new to both. Prints
figures; asserts nothing."""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_latency import start_server, unique_queries  # noqa: E402

CHUNK = 250
OVERLAP = 50
DEPTH = 20
RRF_K = 60
BLOCKS = 4
# the separators of Chatchat's ChineseRecursiveTextSplitter, coarsest first
SEPARATORS = [r"\n\n", r"\n", r"(?<=[。！？])", r"(?<=[；;])", r"(?<=[，,])"]


def split(text: str, separators: list[str] = SEPARATORS) -> list[str]:
    """Recursive splitting: pieces at the coarsest separator, a piece still over CHUNK split at the next one,
    then pieces merged up to CHUNK characters with OVERLAP characters carried over."""
    if len(text) <= CHUNK:
        return [text] if text.strip() else []
    if not separators:
        return [text[i:i + CHUNK] for i in range(0, len(text), CHUNK - OVERLAP)]
    pieces: list[str] = []
    for piece in re.split(separators[0], text):
        pieces += split(piece, separators[1:]) if len(piece) > CHUNK else ([piece] if piece.strip() else [])
    chunks, current = [], ""
    for piece in pieces:
        if current and len(current) + len(piece) > CHUNK:
            chunks.append(current)
            current = current[-OVERLAP:] if OVERLAP else ""
        current += piece
    if current.strip():
        chunks.append(current)
    return chunks


class Peer:
    def __init__(self, corpus: Path):
        import bm25s
        import faiss
        import jieba

        from embeddings.encoder import SentenceEncoder, model_identity
        from plansearch.settings import Settings

        settings = Settings()
        path, name = model_identity(settings)
        self.model = SentenceEncoder(path, name, settings.query_prompt, settings.passage_prompt, batch_size=32)
        self.chunks = [c for f in sorted(corpus.glob("*.txt")) for c in split(f.read_text(encoding="utf-8"))]
        started = time.perf_counter()
        vectors = self.model.encode_passages(self.chunks)
        self.embed_seconds = time.perf_counter() - started
        self.dense = faiss.IndexFlatIP(vectors.shape[1])
        self.dense.add(vectors)
        self.cut = lambda text: [w for w in jieba.lcut_for_search(text) if w.strip()]
        self.bm25 = bm25s.BM25()
        self.bm25.index([self.cut(c) for c in self.chunks], show_progress=False)

    def search(self, q: str, k: int = 10) -> list[str]:
        vector = self.model.encode_queries([q])
        _, dense = self.dense.search(vector, DEPTH)
        lexical, _ = self.bm25.retrieve([self.cut(q)], k=DEPTH, show_progress=False)
        fused: dict[int, float] = {}
        for ranking in (dense[0].tolist(), lexical[0].tolist()):
            for rank, row in enumerate(ranking):
                if row >= 0:
                    fused[row] = fused.get(row, 0.0) + 1.0 / (RRF_K + rank + 1)
        return [self.chunks[row] for row, _ in sorted(fused.items(), key=lambda kv: -kv[1])[:k]]


def percentiles(ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return f"p50 {q[49]:.1f} / p95 {q[94]:.1f} / p99 {q[98]:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", help="index to serve (default: the configured one)")
    parser.add_argument("--requests", type=int, default=200, help="new questions asked of each")
    args = parser.parse_args()
    from plansearch.settings import Settings

    env = dict(os.environ)
    if args.index_dir:
        env["PLANSEARCH_INDEX_DIR"] = args.index_dir
    started = time.perf_counter()
    peer = Peer(Settings().corpus_dir)
    print(f"peer: {len(peer.chunks)} chunks of ≤ {CHUNK} characters, built in {time.perf_counter() - started:.1f} s "
          f"(embedding {peer.embed_seconds:.1f} s)")
    proc, base, startup = start_server(env)
    ours: list[float] = []
    theirs: list[float] = []
    try:
        client = httpx.Client(timeout=30)
        print(f"plansearch: {client.get(base + '/health').json()['passages']} passages, start-up {startup:.1f} s")
        for q in ("儿童", "妇女", "教育", "健康", "安全") * 4:      # warm-up, not measured
            client.get(base + "/api/search", params={"q": q, "k": 10}).raise_for_status()
            peer.search(q)
        questions = unique_queries(args.requests)
        size = -(-len(questions) // BLOCKS)
        for block in (questions[i:i + size] for i in range(0, len(questions), size)):
            for q in block:
                t = time.perf_counter()
                client.get(base + "/api/search", params={"q": q, "k": 10}).raise_for_status()
                ours.append((time.perf_counter() - t) * 1000)
            time.sleep(1)
            for q in block:
                t = time.perf_counter()
                peer.search(q)
                theirs.append((time.perf_counter() - t) * 1000)
            time.sleep(1)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(f"{len(questions)} new questions, one at a time, in {BLOCKS} alternated blocks")
    print(f"plansearch /api/search over HTTP: {percentiles(ours)}")
    print(f"peer in process:                  {percentiles(theirs)}")
    print(f"ratio plansearch / peer at p50: {statistics.median(ours) / statistics.median(theirs):.2f}")


if __name__ == "__main__":
    main()
