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

from indexer.context import context_text
from indexer.corpus import Corpus, by_file, in_corpus_order, parse_listed
from indexer.normalize import normalize_for_index
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
    plans, reason = parse_listed(root, metas)
    return [prepare_plan(plan, tokenizer) for plan in plans], reason


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
    groups = by_file(corpus)
    large = len(corpus.plans) >= min_plans
    report = progress if large else None
    key = (lambda prepared: prepared.plan.meta.id)
    if workers > 1 and large and len(groups) > 1:
        # spawn, not fork: the build's process may hold ONNX Runtime, faiss or sqlite threads and their locks
        with ProcessPoolExecutor(min(workers, len(groups)), mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_init_worker,
                                 initargs=(tokenizer.user_dict, tokenizer.stopwords_path, tokenizer.bulk)) as pool:
            results = pool.map(_work, [(corpus.root, metas) for metas in groups],
                               chunksize=max(1, min(16, len(groups) // (8 * workers))))
            return in_corpus_order(corpus, groups, results, key, report)
    results = (_prepare_file(corpus.root, metas, tokenizer) for metas in groups)
    return in_corpus_order(corpus, groups, results, key, report)
