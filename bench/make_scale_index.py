"""Make a large synthetic index, deterministically (by seed), for benchmarks at scale.

Each synthetic plan copies one of the real children's or women's plans under another county's name
(a generated place name, used in the title and passage context), drops one sentence from about a fifth
of its passages, and takes its vectors from the real passage vectors plus seeded Gaussian noise
(renormalised): embedding a million passages on 2 cores would take a day.

    .venv/bin/python bench/make_scale_index.py --passages 100000 --out /tmp/scale-100k [--seed 1]

The result is a regular index folder: serve it with PLANSEARCH_INDEX_DIR=/tmp/scale-100k/index."""
from __future__ import annotations

import argparse
import re
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from indexer.context import context_text
from indexer.normalize import normalize_for_index
from indexer.tokenize import Tokenizer
from plansearch.records import Passage, PlanMeta, SourceSpan
from plansearch.settings import Settings
from plansearch.store import FolderIndex, IndexManifest, PlanEntry, write_index

SYLLABLES = "安宁平和兴隆永昌丰泰嘉定宝清河源山阳华南北东西春秋长乐新德福寿文武康顺"
SUFFIXES = "县区市旗"
SENTENCE = re.compile(r"[^。；]+[。；]")


def place_name(rng: np.random.Generator) -> str:
    return "".join(rng.choice(list(SYLLABLES), size=2)) + str(rng.choice(list(SUFFIXES)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--out", required=True, help="folder; the index is written to OUT/index")
    parser.add_argument("--source-index", help="the real index to copy from (default: the configured one)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--noise", type=float, default=0.03)
    args = parser.parse_args()
    started = time.perf_counter()
    settings = Settings()
    real = FolderIndex.open(Path(args.source_index) if args.source_index else settings.index_dir)
    real_vectors = real.vectors()
    rows_of: dict[str, list[int]] = {}
    for i, p in enumerate(real.passages):
        rows_of.setdefault(p.plan_id, []).append(i)
    templates = [e.meta for e in real.plans]
    rng = np.random.default_rng(args.seed)
    tokenizer = Tokenizer()
    passages: list[Passage] = []
    plans: list[PlanEntry] = []
    vector_rows: list[int] = []
    tokens: list[list[str]] = []
    n_plan = 0
    while len(passages) < args.passages:
        template = templates[int(rng.integers(len(templates)))]
        place = place_name(rng)
        pid = f"synthetic-{n_plan:06d}"
        meta = PlanMeta(id=pid, title=f"{place}{template.subject}发展规划（{template.period}年）", short_name=place,
                        province="合成省", city="合成市", county=place, admin_level="县", period=template.period,
                        subject=template.subject, status="合成", source_file=f"{pid}.txt")
        counts: dict[str, int] = {}
        for position, row in enumerate(rows_of[template.id]):
            if len(passages) >= args.passages:
                break
            src = real.passages[row]
            text = src.text
            sentences = SENTENCE.findall(text)
            if len(sentences) > 2 and rng.random() < 0.2:
                drop = int(rng.integers(1, len(sentences)))
                text = "".join(s for i, s in enumerate(sentences) if i != drop)
            passage = src.model_copy(update={
                "id": src.id.replace(template.id, pid), "plan_id": pid, "text": text, "position": position,
                "source": SourceSpan(file=meta.source_file, line_start=src.source.line_start,
                                     line_end=src.source.line_end)})
            passages.append(passage)
            vector_rows.append(row)
            tokens.append(tokenizer.tokens(normalize_for_index(context_text(passage, meta))))
            counts[src.kind.value] = counts.get(src.kind.value, 0) + 1
        plans.append(PlanEntry(meta, counts))
        n_plan += 1
    vectors = real_vectors[vector_rows] + rng.normal(0, args.noise, size=(len(vector_rows), real_vectors.shape[1]))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    m = real.manifest
    manifest = IndexManifest(
        format_version=m.format_version, plansearch_version=m.plansearch_version, model=m.model,
        dimension=m.dimension, prompts=m.prompts, normalized=True, dictionary_hash=m.dictionary_hash,
        corpus_hash=f"synthetic-{args.seed}-{args.passages}", passage_count=len(passages),
        built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        build_seconds=round(time.perf_counter() - started, 2))
    folder = write_index(Path(args.out) / "index", manifest, passages, plans, vectors, tokens)
    print(f"{len(passages)} passages in {len(plans)} synthetic plans (seed {args.seed}) → {folder} "
          f"in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
