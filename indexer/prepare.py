"""A build's per-plan work: parse, the text each passage is embedded with, its search tokens, its indicators.

This is most of a large build's time and all of it plain Python, so a build of many plans spreads it over
worker processes, one plan file per task; the results come back in corpus order and equal those of one
process (tests/test_prepare.py). Each plan's tokens come back as its own small vocabulary and the positions
in it, so that little crosses between processes and `TermMatrix.from_parts` numbers the words exactly as
`TermMatrix.build` would have."""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from indexer.context import context_text
from indexer.corpus import Corpus, plan_lines
from indexer.lines import read_lines
from indexer.normalize import normalize_for_index
from indexer.parse import parse_plan
from indexer.readers import ReaderError
from indexer.targets import extract_indicators
from indexer.tokenize import Tokenizer
from plansearch.lexical import PlanTerms
from plansearch.records import Indicator, ParsedPlan, PlanMeta

PARALLEL_MIN_PLANS = 32      # fewer plans are prepared in the build's own process (starting workers costs ~2 s)


@dataclass
class PreparedPlan:
    plan: ParsedPlan
    texts: list[str]             # what each passage is embedded as: its context line and text, normalised
    terms: PlanTerms             # each passage's search tokens
    indicators: list[Indicator]


def prepare_plan(plan: ParsedPlan, tokenizer: Tokenizer) -> PreparedPlan:
    texts = [normalize_for_index(context_text(p, plan.meta)) for p in plan.passages]
    return PreparedPlan(plan, texts, PlanTerms.build(tokenizer.tokens(t) for t in texts), extract_indicators(plan))


def _prepare_file(root: Path, metas: list[PlanMeta], tokenizer: Tokenizer) -> tuple[list[PreparedPlan], str | None]:
    """The plans of one file, or the reason the file cannot be read."""
    try:
        lines = read_lines(root / metas[0].source_file)
    except ReaderError as exc:
        return [], exc.reason
    return [prepare_plan(parse_plan(meta, plan_lines(lines, meta)), tokenizer) for meta in metas], None


_WORKER_TOKENIZER: Tokenizer | None = None


def _init_worker(user_dict: Path, stopwords: Path, bulk: bool) -> None:
    global _WORKER_TOKENIZER
    _WORKER_TOKENIZER = Tokenizer(user_dict, stopwords, bulk=bulk)


def _work(job: tuple[Path, list[PlanMeta]]) -> tuple[list[PreparedPlan], str | None]:
    return _prepare_file(*job, _WORKER_TOKENIZER)


def workers_for(setting: int) -> int:
    """0 means one per core the process may use."""
    return setting or len(os.sched_getaffinity(0))


def prepare_corpus(corpus: Corpus, tokenizer: Tokenizer, workers: int = 1, min_plans: int = PARALLEL_MIN_PLANS,
                   progress: Callable[[int, int], None] | None = None) -> list[PreparedPlan]:
    """Every plan of the corpus prepared, in corpus order; each file is read once. A listed file that cannot be
    read is moved to `corpus.failed` and its plans left out. With at least `min_plans` plans, files are prepared
    in `workers` processes (when more than one) and `progress(plans done, plans)` is told after each file."""
    files: dict[str, list[PlanMeta]] = {}
    for meta in corpus.plans:
        files.setdefault(meta.source_file, []).append(meta)
    jobs = [(corpus.root, metas) for metas in files.values()]
    large = len(corpus.plans) >= min_plans
    report = progress if large else None
    if workers > 1 and large and len(jobs) > 1:
        # spawn, not fork: the build's process may hold ONNX Runtime, faiss or sqlite threads and their locks
        with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_init_worker,
                                 initargs=(tokenizer.user_dict, tokenizer.stopwords_path, tokenizer.bulk)) as pool:
            results = pool.map(_work, jobs, chunksize=max(1, min(16, len(jobs) // (8 * workers))))
            return _collect(corpus, jobs, results, report)
    return _collect(corpus, jobs, (_prepare_file(root, metas, tokenizer) for root, metas in jobs), report)


def _collect(corpus: Corpus, jobs, results, progress) -> list[PreparedPlan]:
    """The prepared plans in corpus order, as each file's result comes in; unreadable files to `corpus.failed`."""
    done: dict[str, PreparedPlan] = {}
    plans_done = 0
    if progress:
        progress(0, len(corpus.plans))
    for (_, metas), (plans, reason) in zip(jobs, results):
        if reason is not None:
            corpus.failed.append((metas[0].source_file, reason))
        done.update((p.plan.meta.id, p) for p in plans)
        plans_done += len(metas)
        if progress:
            progress(plans_done, len(corpus.plans))
    return [done[meta.id] for meta in corpus.plans if meta.id in done]
