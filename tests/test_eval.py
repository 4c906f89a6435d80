"""The gold set, the eval command, and the committed quality baseline."""
from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from eval.gold import QUERY_TYPES, load_gold
from eval.report import load_baseline
from eval.run import (CONFIGS, ConfigResult, QueryResult, bootstrap_interval, paired_p_value, ranx, run_ask, run_config,
                      summarise, summarise_ask)


def test_gold_set_has_every_type_in_both_splits_and_judged_passages_exist(fake_searcher):
    queries = load_gold("all")
    assert len(queries) >= 80
    counts = Counter((q.type, q.split) for q in queries)
    for qtype in QUERY_TYPES:
        assert counts[(qtype, "dev")] and counts[(qtype, "test")], qtype
    ids = {p.id for _, p in fake_searcher.index.iter_passages()}
    for q in queries:
        assert set(q.judgments) <= ids, q.id
        assert bool(q.judgments) == (q.answerable or q.named_plan_lacks), q.id
        if q.named_plan_lacks:        # judged passages are other plans': the named one lacks the topic
            assert q.plan and all(fake_searcher.passage(pid).plan_id != q.plan for pid in q.judgments), q.id
        if q.type == "target_value":
            assert q.expected_value


def test_every_plan_domain_has_a_grade_two_passage_in_the_gold_set(fake_searcher):
    covered = {(p.plan_id, p.domain) for q in load_gold("all") for pid, g in q.judgments.items() if g == 2
               for p in [fake_searcher.passage(pid)] if p.domain}
    domains = {(p.plan_id, p.domain) for _, p in fake_searcher.index.iter_passages() if p.domain}
    assert domains <= covered


def test_bootstrap_interval_brackets_a_clear_difference():
    a = {str(i): 1.0 for i in range(50)}
    b = {str(i): 0.5 for i in range(50)}
    mean, lo, hi = bootstrap_interval(a, b)
    assert mean == pytest.approx(0.5) and lo == pytest.approx(0.5) and hi == pytest.approx(0.5)


def _ranked(name: str, relevant_first: list[bool]) -> ConfigResult:
    """A configuration whose query i ranks its relevant passage first (nDCG@10 1) or not at all (0)."""
    return _scored(name, [1.0 if hit else 0.0 for hit in relevant_first])


def _scored(name: str, scores) -> ConfigResult:
    """A configuration with these nDCG@10 scores, one query each."""
    from types import SimpleNamespace

    return ConfigResult(name, [QueryResult(SimpleNamespace(id=f"q{i}", type="topic", answerable=True, judgments={"p": 1}),
                                           ["p"], [], 0.5, False, {"ndcg@10": float(v)}) for i, v in enumerate(scores)],
                        0.0)


class Replay:
    """A searcher that answers each question with the passages given for it."""

    def __init__(self, ranked: dict[str, list[str]]):
        self.ranked = ranked

    def search(self, request):
        from types import SimpleNamespace

        hits = [SimpleNamespace(passage_id=pid, text="") for pid in self.ranked.get(request.q, [])]
        return SimpleNamespace(results=hits, confidence=0.5, no_answer=False)


def test_each_question_is_scored_against_its_own_judgments_whatever_the_ids_look_like():
    """ranx scores each question against its own judgments, whatever its id and its passages' ids look like:
    the judged passages best grade first score 1, an empty answer 0, one wrong passage 0."""
    queries = [q for q in load_gold("dev") if q.answerable and 0 < len(q.judgments) <= 10][:12]
    best_first = {q.text: sorted(q.judgments, key=lambda pid: -q.judgments[pid]) for q in queries[:6]}
    wrong = {q.text: ["not-a-passage-" + "x" * i] for i, q in enumerate(queries[6:9])}
    result = run_config(Replay({**best_first, **wrong}), queries, "replay", CONFIGS["default"])
    ndcg = result.per_query("ndcg@10")
    assert [ndcg[q.id] for q in queries] == [1.0] * 6 + [0.0] * 6


def test_paired_test_from_ranx_tells_a_clear_difference_from_none():
    always = _ranked("always", [True] * 40)
    never = _ranked("never", [False] * 40)
    same = _ranked("same", [True] * 40)
    assert paired_p_value(always, never) < 0.01
    assert paired_p_value(always, same) == 1.0


@pytest.fixture(scope="module")
def test_split_runs(real_searcher):
    """The default and bm25 configurations over the test split, run once for the tests below."""
    queries = load_gold("test")
    return {name: run_config(real_searcher, queries, name, CONFIGS[name]) for name in ("default", "bm25")}


@pytest.mark.slow
def test_default_configuration_holds_the_committed_baseline(test_split_runs, real_searcher):
    base = load_baseline()
    assert (base["split"], base["config"]) == ("test", "default")
    summary = summarise(test_split_runs["default"])
    tol = base["tolerance"]
    assert summary.ndcg10 >= base["ndcg@10"] - tol
    assert summary.recall20_topic >= base["recall@20_topic"] - tol
    assert summary.plan_specific_at_1 >= base["plan_specific_at_1"] - tol
    assert summary.target_value_top3 >= base["target_value_top3"] - tol
    assert summary.no_answer_flagged >= base["no_answer_flagged"] - tol
    assert summary.answerable_flagged <= base["answerable_flagged"] + tol
    ask = summarise_ask(run_ask(real_searcher, load_gold(base["split"])))
    assert ask.wrong_values <= base["ask_wrong_values"], ask.wrong
    assert ask.value_exact >= base["ask_value_exact"] - tol
    assert ask.no_answer_recall >= base["ask_no_answer_recall"] - tol
    assert ask.answerable_refused <= base["ask_answerable_refused"] + tol


@pytest.mark.slow
def test_default_beats_bm25_with_an_interval_above_zero(test_split_runs):
    default, bm25 = test_split_runs["default"], test_split_runs["bm25"]
    mean, lo, _ = bootstrap_interval(default.per_query("ndcg@10"), bm25.per_query("ndcg@10"))
    assert mean >= 0.05 and lo > 0


@pytest.mark.slow
def test_eval_command_prints_the_table_and_writes_report_and_chart(eval_command_run, real_settings):
    import os

    out, folder = eval_command_run           # `plansearch eval --split dev --configs bm25,hybrid,default --out folder`
    assert out.returncode == 0, out.stderr[-2000:]
    assert "| default |" in out.stdout and "| bm25 |" in out.stdout and "ndcg@10" in out.stdout
    report = (folder / "dev.md").read_text(encoding="utf-8")
    assert "## The 10 worst queries" in report and "95% interval" in report
    assert (folder / "dev.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    env = dict(os.environ, PLANSEARCH_INDEX_DIR=str(real_settings.index_dir),
               PLANSEARCH_CACHE_DIR=str(real_settings.cache_dir))
    bad = subprocess.run([sys.executable, "-m", "plansearch.cli", "eval", "--configs", "magic"], env=env,
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1 and "unknown configuration" in bad.stderr


def test_the_paired_test_gives_ranx_s_p_value():
    """The randomisation test is the one ranx's `compare` runs (its own function, here as plain Python): on the
    same scores the two p-values agree within the sampling error of 2,000 swaps each."""
    import numpy as np

    fisher_randomization_test = ranx().statistical_tests.fisher_randomization_test
    rng = np.random.default_rng(3)
    for shift in (0.0, 0.04, 0.08):
        x = rng.random(60)
        y = np.clip(x + rng.normal(shift, 0.25, 60), 0, 1)
        ours = paired_p_value(_scored("a", x), _scored("b", y), samples=2000)
        theirs, _ = fisher_randomization_test(x, y, 2000, 0.01, 42)
        assert abs(ours - theirs) < 0.05, (shift, ours, theirs)


def test_ranx_runs_as_plain_python_even_when_numba_was_imported_first():
    """bm25s (the lexical tests' reference) imports numba with its compiler on; ranx imported after it must still
    run uncompiled, not half compiled (a compiled function calling a plain one fails)."""
    script = ("import numba; from eval.run import ranx; Run, Qrels = ranx().Run, ranx().Qrels; "
              "q = Qrels.from_dict({'a': {'x': 1}}); r = Run.from_dict({'a': {'x': 1.0, 'y': 0.5}}); "
              "print(ranx().evaluate(q, r, 'ndcg@10'), type(ranx().metrics.ndcg).__name__)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=str(Path(__file__).resolve().parents[1]))
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["1.0", "function"]
