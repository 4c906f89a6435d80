"""Run named search configurations over the gold set and measure them with standard metrics.

Every configuration goes through the same `Searcher.search` the service uses."""
from __future__ import annotations

import os
import re
import sys
import time
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from eval.gold import QUERY_TYPES, GoldQuery
from plansearch.search import Mode, Searcher, SearchRequest

METRICS = ("ndcg@10", "recall@10", "recall@20", "mrr@10")
DEPTH = 20

# name → SearchRequest options; "default" is what the service does
CONFIGS: dict[str, dict] = {
    "bm25": dict(mode=Mode.bm25, understand=False, synonyms=False, diversify=False, feedback=False),
    "dense": dict(mode=Mode.dense, understand=False, synonyms=False, diversify=False, feedback=False),
    "hybrid": dict(mode=Mode.hybrid, understand=False, synonyms=False, diversify=False, feedback=False),
    "default": dict(),
    "default-no-understanding": dict(understand=False),
    "default-no-synonyms": dict(synonyms=False),
    "default-no-diversity": dict(diversify=False),
    "default-no-feedback": dict(feedback=False),
}
DEFAULT = "default"


@dataclass
class QueryResult:
    query: GoldQuery
    ranked: list[str]                     # passage ids, best first
    texts: list[str]                      # their texts (for value checks)
    confidence: float | None
    no_answer: bool | None
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass
class ConfigResult:
    name: str
    results: list[QueryResult]
    seconds: float

    def answerable(self) -> list[QueryResult]:
        return [r for r in self.results if r.query.answerable and r.query.judgments]

    def mean(self, metric: str, qtype: str | None = None) -> float:
        rows = [r.metrics[metric] for r in self.answerable() if qtype in (None, r.query.type)]
        return float(np.mean(rows)) if rows else float("nan")

    def per_query(self, metric: str) -> dict[str, float]:
        return {r.query.id: r.metrics[metric] for r in self.answerable()}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def value_in_top(result: QueryResult, n: int = 3) -> bool:
    expected = _squash(result.query.expected_value or "")
    return bool(expected) and any(expected in _squash(t) for t in result.texts[:n])


def relevant_at_1(result: QueryResult) -> bool:
    return bool(result.ranked) and result.query.judgments.get(result.ranked[0], 0) > 0


def ranx():
    """ranx, its metrics run as plain Python. ranx compiles them with numba: about 40 s of CPU at first use and
    10 s to load them from numba's cache in every later process, where the plain functions score a gold set of
    a few hundred questions in a few hundredths of a second, to the same figures."""
    os.environ.setdefault("NUMBA_DISABLE_JIT", "1")   # numba reads it at import and again before each compile
    if "numba" in sys.modules and "ranx" not in sys.modules:     # imported already (by bm25s, say): read it now,
        from numba.core import config                             # before ranx decorates its functions

        config.reload_config()
    import ranx as module

    return module


def run_config(searcher: Searcher, queries: list[GoldQuery], name: str, options: dict) -> ConfigResult:
    metrics = ranx()
    started = time.perf_counter()
    results = []
    for q in queries:
        response = searcher.search(SearchRequest(q=q.text, k=DEPTH, **options))
        results.append(QueryResult(q, [h.passage_id for h in response.results], [h.text for h in response.results],
                                   response.confidence, response.no_answer))
    seconds = time.perf_counter() - started
    judged = [r for r in results if r.query.answerable and r.query.judgments]
    if judged:
        qrels = metrics.Qrels.from_dict({r.query.id: dict(r.query.judgments) for r in judged})
        run = metrics.Run.from_dict({r.query.id: ({pid: 1.0 / (i + 1) for i, pid in enumerate(r.ranked)} or {"-": 0.0})
                                     for r in judged}, name=name)
        scores = metrics.evaluate(qrels, run, list(METRICS), return_mean=False, make_comparable=True)
        order = list(run.keys())
        for metric in METRICS:
            per_query = dict(zip(order, np.atleast_1d(scores[metric])))
            for r in judged:
                r.metrics[metric] = float(per_query.get(r.query.id, 0.0))
    return ConfigResult(name, results, seconds)


@dataclass
class AskResult:
    query: GoldQuery
    answer_type: str
    no_answer: bool
    values: list[str]                      # the values the answer states, as written


@dataclass
class AskSummary:
    """What /api/ask does with the split's questions (the issue's answer targets)."""

    value_questions: int
    value_exact: float                     # value questions answered with a value holding the expected one
    wrong_values: int                      # value answers without the expected value (any value on a no-answer question)
    no_answer_recall: float                # no-answer questions the answer refuses
    answerable_refused: float              # answerable questions the answer refuses
    wrong: list[str] = field(default_factory=list)


def run_ask(searcher: Searcher, queries: list[GoldQuery]) -> list[AskResult]:
    """Every question through the same `Asker.ask` the service uses."""
    from plansearch.ask import Asker

    asker = Asker(searcher, searcher.settings)
    out = []
    for q in queries:
        answer = asker.ask(q.text)
        out.append(AskResult(q, answer.answer_type, answer.no_answer, [v.value for v in answer.values]))
    return out


def summarise_ask(results: list[AskResult]) -> AskSummary:
    def share(rows, predicate) -> float:
        return float(np.mean([predicate(r) for r in rows])) if rows else float("nan")

    def holds(r: AskResult) -> bool:
        expected = _squash(r.query.expected_value or "")
        return bool(expected) and any(expected in _squash(v) for v in r.values)

    valued = [r for r in results if r.query.type == "target_value"]
    wrong = [r for r in results if r.answer_type == "value" and r.values and (
        r.query.type == "no_answer" or (r.query.expected_value and not holds(r)))]
    return AskSummary(
        value_questions=len(valued),
        value_exact=share(valued, lambda r: r.answer_type == "value" and holds(r)),
        wrong_values=len(wrong),
        no_answer_recall=share([r for r in results if not r.query.answerable], lambda r: r.no_answer),
        answerable_refused=share([r for r in results if r.query.answerable], lambda r: r.no_answer),
        wrong=[f"{r.query.id} 「{r.query.text}」 → {'、'.join(r.values)}（期望 {r.query.expected_value or '无'}）"
               for r in wrong],
    )


def bootstrap_interval(a: dict[str, float], b: dict[str, float], samples: int = 10_000, seed: int = 0
                       ) -> tuple[float, float, float]:
    """Mean of a − b over shared queries, and its 95% bootstrap interval."""
    ids = sorted(set(a) & set(b))
    diff = np.array([a[i] - b[i] for i in ids])
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), size=(samples, len(diff)))].mean(axis=1)
    return float(diff.mean()), float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def paired_p_value(a: ConfigResult, b: ConfigResult, metric: str = "ndcg@10", samples: int = 10_000,
                   seed: int = 0) -> float:
    """Two-sided paired randomisation test (Fisher's, the one ranx's `compare` runs) of `metric` over the judged
    queries of both configurations: the share of `samples` random swaps of each query's two scores whose
    difference of means is at least the observed one."""
    shared = sorted(set(a.per_query(metric)) & set(b.per_query(metric)))
    if not shared:
        return float("nan")
    x = np.array([a.per_query(metric)[q] for q in shared])
    y = np.array([b.per_query(metric)[q] for q in shared])
    observed = abs(x.mean() - y.mean())
    rng = np.random.default_rng(seed)
    at_least = 0
    for start in range(0, samples, 1000):        # in blocks, so that a large gold set stays small in memory
        swap = rng.random((min(1000, samples - start), len(shared))) < 0.5
        diff = np.abs(np.where(swap, y, x).mean(axis=1) - np.where(swap, x, y).mean(axis=1))
        at_least += int((diff >= observed).sum())
    return at_least / samples


@dataclass
class Summary:
    """The figures the issue's targets are stated in, for one configuration."""

    ndcg10: float
    recall20_topic: float
    plan_specific_at_1: float
    target_value_top3: float
    no_answer_flagged: float
    answerable_flagged: float
    per_type: dict[str, dict[str, float]]


def summarise(result: ConfigResult) -> Summary:
    def share(rows, predicate) -> float:
        return float(np.mean([predicate(r) for r in rows])) if rows else float("nan")

    by_type = {t: [r for r in result.results if r.query.type == t] for t in QUERY_TYPES}
    answerable = [r for r in result.results if r.query.answerable]
    return Summary(
        ndcg10=result.mean("ndcg@10"),
        recall20_topic=result.mean("recall@20", "topic"),
        plan_specific_at_1=share(by_type["plan_specific"], relevant_at_1),
        target_value_top3=share(by_type["target_value"], value_in_top),
        no_answer_flagged=share(by_type["no_answer"], lambda r: bool(r.no_answer)),
        answerable_flagged=share(answerable, lambda r: bool(r.no_answer)),
        per_type={t: {m: result.mean(m, t) for m in METRICS} for t in QUERY_TYPES if t != "no_answer"},
    )
