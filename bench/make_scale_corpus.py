"""Make a large synthetic corpus and index it with the real pipeline, deterministically (by seed).

Each synthetic plan is one of the six real plan files rewritten for a generated place (安宁县, 福寿区 …):
the place names in its title and text are replaced, and one sentence is dropped from about a fifth of its
longer paragraphs. The files and their `plans.toml` go to OUT/corpus and are indexed by the same
`build_index` that `plansearch index` runs (parse, jieba, BM25 terms, vector index, segments). Only the
embedding is not computed: embedding a million passages on 2 cores would take a day, so each synthetic
passage's vector is its real counterpart's vector plus seeded Gaussian noise (renormalised), placed in
OUT/cache beforehand, and the build takes every vector from there. Embedding throughput is measured
separately (bench/build_throughput.py).

    .venv/bin/python bench/make_scale_corpus.py --passages 100000 --out /tmp/scale-100k [--seed 1]

Serve the result with PLANSEARCH_INDEX_DIR=OUT/index; add a plan to it with bench/add_plan.py."""
from __future__ import annotations

import argparse
import random
import re
import time
from pathlib import Path

import numpy as np

from embeddings.cache import EmbeddingCache, content_hash
from embeddings.encoder import encoder_key
from indexer.build import build_index
from indexer.context import context_text
from indexer.corpus import load_corpus, parse_corpus
from indexer.lines import read_text
from indexer.prepare import workers_for
from indexer.normalize import normalize_for_index
from indexer.tokenize import Tokenizer
from plansearch.settings import Settings
from plansearch.stores import open_source

SYLLABLES = "安宁平和兴隆永昌丰泰嘉定宝清河源山阳华南北东西春秋长乐新德福寿文武康顺"
SUFFIXES = "县区市旗"
SENTENCE = re.compile(r"[^。；]+[。；]")


class CacheOnlyEncoder:
    """Stands in for the model during a synthetic build: every vector must already be in the cache."""

    def __init__(self, name: str, dimension: int, prompts: dict[str, str]):
        self.name, self.dimension = name, dimension
        self.query_prompt, self.passage_prompt = prompts["query"], prompts["passage"]
        self.fingerprint = "synthetic"

    def encode_queries(self, texts):
        raise RuntimeError("the synthetic build encodes no queries")

    def encode_passages(self, texts):
        raise RuntimeError(f"{len(texts)} synthetic passage(s) missing from the seeded cache")


def place_name(rng: random.Random) -> str:
    return rng.choice(SYLLABLES) + rng.choice(SYLLABLES) + rng.choice(SUFFIXES)


def names_of(meta) -> list[str]:
    """The ways a plan's text names its place, longest first (大庆市, 大庆 …)."""
    names = {meta.short_name, *meta.aliases, meta.county, meta.city if not meta.county else ""}
    names |= {n[:-1] for n in list(names) if len(n) > 2 and n[-1] in "市县区"}
    return sorted((n for n in names if n and len(n) >= 2), key=len, reverse=True)


def rewrite(lines: list[str], names: list[str], place: str, rng: random.Random) -> list[str]:
    pattern = re.compile("|".join(map(re.escape, names)))
    out = []
    for line in lines:
        line = pattern.sub(lambda m: place if m.group(0).endswith(tuple("市县区师")) else place[:-1], line)
        sentences = SENTENCE.findall(line)
        if len(line) > 60 and len(sentences) > 2 and "".join(sentences) == line.strip() and rng.random() < 0.2:
            drop = rng.randrange(1, len(sentences))
            line = "".join(s for i, s in enumerate(sentences) if i != drop)
        out.append(line)
    return out


def toml_entry(values: dict) -> str:
    import json

    return "[[plan]]\n" + "".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n" for k, v in values.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--out", required=True, help="folder for corpus/, cache/ and index/")
    parser.add_argument("--source-index", help="the real index whose vectors are copied (default: the configured one)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--noise", type=float, default=0.03)
    args = parser.parse_args()
    started = time.perf_counter()
    settings = Settings()
    out = Path(args.out)
    corpus_dir, cache_dir, index_dir = out / "corpus", out / "cache", out / "index"
    corpus_dir.mkdir(parents=True, exist_ok=True)
    real = open_source(Settings(index_dir=Path(args.source_index)) if args.source_index else settings).open()
    vector_of = {}
    for row, p in real.iter_passages():
        vector_of[p.id] = real.vectors_of([row])[0]
    templates = [e.meta for e in real.plans]
    source = load_corpus(settings.corpus_dir)
    sizes = {e.meta.id: e.size for e in real.plans}
    text_of = {m.id: read_text(source.root / m.source_file).splitlines()[m.start_line - 1:m.end_line]
               for m in source.plans}
    rng = random.Random(args.seed)
    entries, template_of, total, n = [], {}, 0, 0
    while total < args.passages:
        template = templates[rng.randrange(len(templates))]
        place = place_name(rng)
        pid = f"synthetic-{n:06d}"
        lines = rewrite(text_of[template.id], names_of(template), place, rng)
        (corpus_dir / f"{pid}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        title = re.sub("|".join(map(re.escape, names_of(template))), place, template.title)
        entries.append(toml_entry({"id": pid, "title": title, "short_name": place, "province": "合成省",
                                   "city": "合成市", "county": place, "admin_level": "县",
                                   "period": template.period, "subject": template.subject, "status": "正式",
                                   "source_file": f"{pid}.txt", "aliases": [place[:-1]]}))
        template_of[pid] = template.id
        total += sizes[template.id]
        n += 1
    (corpus_dir / "plans.toml").write_text("\n".join(entries), encoding="utf-8")
    print(f"wrote {n} synthetic plan files ({total} passages expected) in {time.perf_counter() - started:.0f} s")

    # seed the cache: each synthetic passage's vector is its real counterpart's plus noise
    encoder = CacheOnlyEncoder(real.manifest.model, real.manifest.dimension, real.manifest.prompts)
    cache = EmbeddingCache(cache_dir, encoder_key(encoder), encoder.dimension)
    corpus = load_corpus(corpus_dir)
    noise = np.random.default_rng(args.seed)
    seeded = 0
    for plan in parse_corpus(corpus):
        batch = {}
        for p in plan.passages:
            base = vector_of.get(p.id.replace(plan.meta.id, template_of[plan.meta.id], 1))
            if base is None:                                  # a passage the rewrite created: any real vector
                base = next(iter(vector_of.values()))
            v = base + noise.normal(0, args.noise, size=base.shape)
            batch[content_hash(normalize_for_index(context_text(p, plan.meta)))] = (v / np.linalg.norm(v)).astype(np.float32)
        cache.put_many(batch)
        seeded += len(batch)
    cache.close()
    print(f"seeded {seeded} vectors in {time.perf_counter() - started:.0f} s")
    settings = Settings(index_dir=index_dir)
    summary = build_index(corpus_dir, index_dir, open_source(settings), encoder, Tokenizer(bulk=True),
                          cache_dir, rebuild=True, workers=workers_for(settings.build_workers))
    print(f"indexed {summary.plans} plans, {summary.passages} passages into {index_dir} (build {summary.build}) "
          f"(build {summary.seconds:.0f} s, total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
