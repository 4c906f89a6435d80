"""Build an index from a corpus folder: parse → passages → tokens → embeddings (cached) → store."""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from embeddings.cache import EmbeddingCache, content_hash
from embeddings.encoder import Encoder, encoder_key
from indexer.context import context_text
from indexer.corpus import load_corpus, parse_corpus
from indexer.normalize import normalize_for_index
from indexer.targets import extract_indicators
from indexer.tokenize import Tokenizer
from plansearch import __version__
from plansearch.errors import CorpusError
from plansearch.records import Kind, Passage
from plansearch.store import FORMAT_VERSION, IndexManifest, PlanEntry, write_index

Progress = Callable[[int, int], None]   # (done, total) passages embedded


@dataclass
class BuildSummary:
    plans: int
    passages: int
    per_kind: dict[str, int]
    embedded: int
    reused: int
    seconds: float
    folder: Path
    warnings: list[str] = field(default_factory=list)


def embed_with_cache(encoder: Encoder, texts: list[str], cache: EmbeddingCache, batch: int,
                     progress: Progress | None = None) -> tuple[np.ndarray, int]:
    """Vectors for `texts`, taking cached ones by content hash; returns (vectors, how many were embedded)."""
    hashes = [content_hash(t) for t in texts]
    known = cache.get_many(list(set(hashes)))
    missing = list(dict.fromkeys(h for h in hashes if h not in known))
    text_of = dict(zip(hashes, texts))
    done = len(texts) - sum(1 for h in hashes if h not in known)
    if progress:
        progress(done, len(texts))
    for start in range(0, len(missing), batch):
        chunk = missing[start:start + batch]
        vectors = encoder.encode_passages([text_of[h] for h in chunk])
        fresh = dict(zip(chunk, vectors))
        cache.put_many(fresh)
        known.update(fresh)
        done += sum(1 for h in hashes if h in fresh)
        if progress:
            progress(done, len(texts))
    matrix = np.stack([known[h] for h in hashes]) if hashes else np.zeros((0, encoder.dimension), np.float32)
    return matrix.astype(np.float32), len(missing)


def build_index(corpus_dir: Path, index_dir: Path, encoder: Encoder, tokenizer: Tokenizer, cache_dir: Path,
                batch: int = 16, progress: Progress | None = None, after_write=None) -> BuildSummary:
    """Parse the corpus and write a new index; the previous one keeps serving until the swap."""
    started = time.perf_counter()
    corpus = load_corpus(corpus_dir)
    parsed = parse_corpus(corpus)
    passages: list[Passage] = [p for plan in parsed for p in plan.passages]
    if not passages:
        raise CorpusError(f"no passages found in {corpus_dir}: {len(parsed)} plan file(s) read, none with a "
                          f"recognisable plan structure (一、… （一）… 主要目标 / 策略措施)")
    meta_of = {plan.meta.id: plan.meta for plan in parsed}
    texts = [normalize_for_index(context_text(p, meta_of[p.plan_id])) for p in passages]
    tokens = [tokenizer.tokens(t) for t in texts]
    cache = EmbeddingCache(cache_dir, encoder_key(encoder), encoder.dimension)
    try:
        vectors, embedded = embed_with_cache(encoder, texts, cache, batch, progress)
    finally:
        cache.close()
    plans = [PlanEntry(plan.meta, {k.value: sum(1 for p in plan.passages if p.kind is k) for k in Kind})
             for plan in parsed]
    seconds = time.perf_counter() - started
    manifest = IndexManifest(
        format_version=FORMAT_VERSION, plansearch_version=__version__, model=encoder.name,
        dimension=encoder.dimension,
        prompts={"query": encoder.query_prompt, "passage": encoder.passage_prompt}, normalized=True,
        dictionary_hash=tokenizer.fingerprint, corpus_hash=corpus.content_hash(), passage_count=len(passages),
        built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"), build_seconds=round(seconds, 2),
    )
    indicators = [i for plan in parsed for i in extract_indicators(plan)]
    folder = write_index(index_dir, manifest, passages, plans, vectors, tokens, after_write=after_write,
                         indicators=indicators)
    warnings = corpus.warnings + [f"{plan.meta.id}: {w}" for plan in parsed for w in plan.warnings]
    return BuildSummary(
        plans=len(parsed), passages=len(passages),
        per_kind=dict(Counter(p.kind.value for p in passages)), embedded=embedded,
        reused=len(set(map(content_hash, texts))) - embedded, seconds=time.perf_counter() - started,
        folder=folder, warnings=warnings,
    )
